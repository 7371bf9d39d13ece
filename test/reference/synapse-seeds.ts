/**
 * An independent implementation of the seeds and of Synapse's PresenceRouter merge, written from the
 * seed documents and Synapse's source, sharing no code with the host or the modules. Tests compare the
 * sandbox against it. States are values (Synapse's attrs class): equal fields mean the same state.
 */

export interface State {
  user_id: string;
  state: string;
  last_active_ts: number;
  last_federation_update_ts: number;
  last_user_sync_ts: number;
  status_msg: string | null;
  currently_active: boolean;
}

/** Python's set of frozen attrs objects, keyed by value. */
export type StateSet = Map<string, State>;
export const key = (s: State): string =>
  JSON.stringify([s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active]);

export interface Router {
  getUsersForStates(states: State[]): Map<string, StateSet>;
  getInterestedUsers(userId: string): Set<string> | 'ALL';
}

/** The seed's ExamplePresenceRouter, filtering on user_id (the seed's `state_key` is a slip). */
export function exampleRouter(config: { always_send_to_users?: string[]; blacklisted_users?: string[] }): Router {
  const always = config.always_send_to_users ?? [];
  const blacklisted = config.blacklisted_users ?? [];
  return {
    getUsersForStates(states) {
      const desired: StateSet = new Map();
      for (const s of states) if (!blacklisted.includes(s.user_id)) desired.set(key(s), s);
      const out = new Map<string, StateSet>();
      for (const user of always) out.set(user, desired);
      return out;
    },
    getInterestedUsers(userId) {
      return always.includes(userId) ? 'ALL' : new Set();
    },
  };
}

/** The seed's CustomPresenceRouter. */
export function customRouter(): Router {
  return {
    getUsersForStates(states) {
      const out = new Map<string, StateSet>();
      for (const s of states) {
        if (s.user_id === '@bob:example.com' || s.user_id === '@charlie:somewhere.org') {
          if (!out.has('@alice:example.com')) out.set('@alice:example.com', new Map());
          out.get('@alice:example.com')!.set(key(s), s);
        }
      }
      return out;
    },
    getInterestedUsers(userId) {
      return userId === '@alice:example.com' ? new Set(['@bob:example.com', '@charlie:somewhere.org']) : new Set();
    },
  };
}

/** Synapse's PresenceRouter over registered callbacks (modules in order, then the legacy router). */
export function synapse(routers: Router[]) {
  return {
    getUsersForStates(states: State[]): Map<string, StateSet> {
      const result = new Map<string, StateSet>();
      for (const r of routers) {
        for (const [user, set] of r.getUsersForStates(states)) {
          if (!result.has(user)) result.set(user, new Map());
          for (const [k, s] of set) result.get(user)!.set(k, s);
        }
      }
      return result;
    },
    getInterestedUsers(userId: string): Set<string> | 'ALL' {
      const users = new Set<string>();
      for (const r of routers) {
        const got = r.getInterestedUsers(userId);
        if (got === 'ALL') return 'ALL';
        for (const u of got) users.add(u);
      }
      return users;
    },
  };
}

/** A comparable form: destination → sorted state keys. */
export function canonical(routing: Map<string, Iterable<State> | StateSet>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const user of [...routing.keys()].sort()) {
    const value = routing.get(user)!;
    const states = value instanceof Map ? [...value.values()] : [...value];
    out[user] = [...new Set(states.map(key))].sort();
  }
  return out;
}
