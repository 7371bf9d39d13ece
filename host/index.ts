/** The public surface of presence-sandbox: this list and nothing else. */
export { PresenceHost, type HostStats, type IndexedRouting } from './presence-host.js';
export type { ModuleStats } from './faults/module-health.js';
export type { HostOptions, HostLogEntry, FaultReport, ModuleCallReport } from './host-options.js';
export type { PresenceSandboxConfig, ModuleEntry, SandboxOptions, HostSandboxOptions } from './config/schema.js';
export { DEFAULT_LIMITS, DEFAULT_MAX_PENDING_CALLS } from './config/schema.js';
export { configJsonSchema } from './config/json-schema.js';
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
export { PresenceService, DEFAULT_PORT, type ServiceOptions } from './service/service.js';
export { DEFAULT_SERVICE, type ServiceSection } from './config/service-options.js';
export type { BatchRouting } from './wire/merge-indices.js';
export { BATCH_MEDIA_TYPE, ROUTING_MEDIA_TYPE } from './service/batch-wire.js';
