// The SDK's public surface for module authors. The ABI exports live in exports.ts (re-exported by each
// module's entry file); the msgpack codec and the wire plumbing are internal.

export { PresenceRouter, Routing, InterestedUsers } from "./router";
export { Batch } from "./batch";
export { Field } from "./fields";
export { UserId } from "./bytes";
export { UserIdSet, UserIdMap, ServerNameSet } from "./userset";
export { registerRouter, RouterFactory } from "./registry";
export { Config } from "./config";
export { Value, Kind } from "./value";
export { UserPresenceState, PresenceState, PRESENCE_ALL_USERS, isPresenceState } from "./presence";
export { log, LogLevel, sendLocalOnlinePresenceTo } from "./host";
export { isValidUserId, userIdError, isValidServerName, serverName, MAX_USER_ID_LENGTH } from "./userid";
