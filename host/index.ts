/** The public surface of presence-sandbox: this list and nothing else. */
export { PresenceHost } from './presence-host.js';
export type { HostOptions, HostLogEntry, FaultReport } from './host-options.js';
export type { PresenceSandboxConfig, ModuleEntry, SandboxOptions } from './config/schema.js';
export { DEFAULT_LIMITS } from './config/schema.js';
export {
  PRESENCE_ALL_USERS,
  PRESENCE_STATES,
  type PresenceAllUsers,
  type PresenceState,
  type UserPresenceState,
  type UsersForStates,
  type InterestedUsers,
} from './presence.js';
export { SandboxError, ErrorCode, RefusalReason, FaultCode } from './errors.js';
export { isUserId } from './userid.js';
export { ABI_VERSION } from './protocol/abi.js';
