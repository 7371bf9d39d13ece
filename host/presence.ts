/**
 * Synapse's presence types as the host's callers see them. Field names and order are Synapse's
 * `UserPresenceState`, so a state dumped from Synapse can be passed as is.
 */

/** Synapse's `PRESENCE_ALL_USERS`: "this user receives everyone's presence". */
export const PRESENCE_ALL_USERS = 'ALL' as const;
export type PresenceAllUsers = typeof PRESENCE_ALL_USERS;

export const PRESENCE_STATES = ['online', 'unavailable', 'offline', 'org.matrix.msc3026.busy'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

export interface UserPresenceState {
  user_id: string;
  state: PresenceState;
  last_active_ts: number;
  last_federation_update_ts: number;
  last_user_sync_ts: number;
  status_msg: string | null;
  currently_active: boolean;
}

/** The largest timestamp the wire carries exactly (JavaScript's and msgpack float64's integer range). */
export const MAX_TIMESTAMP_MS = 2 ** 53;

/** Routing result: destination user ID → the caller's own state objects routed to it. */
export type UsersForStates = Map<string, Set<UserPresenceState>>;

/** Interest result: a set of user IDs, or everyone. */
export type InterestedUsers = Set<string> | PresenceAllUsers;
