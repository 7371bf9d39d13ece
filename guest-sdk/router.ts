// What a module author implements and returns, in the shape Synapse's presence router callbacks have:
// get_users_for_states gives destination user ID -> set of states, get_interested_users gives a set of
// user IDs or PRESENCE_ALL_USERS.

import { UserPresenceState } from "./presence";
import { E_FOREIGN_STATE } from "./errors";

/**
 * A presence router. Both answers must agree (Synapse feeds get_interested_users' answer back through
 * get_users_for_states) and depend only on the config and the call's input: the host runs several
 * instances of a module and replaces them at will.
 */
export abstract class PresenceRouter {
  /** Where each state should go, in addition to users who share a room with its user. */
  abstract getUsersForStates(states: UserPresenceState[]): Routing;
  /** Whose presence `userId` (a local user) should receive, in addition to users sharing a room. */
  abstract getInterestedUsers(userId: string): InterestedUsers;
}

/** Destination user ID -> set of states, kept as batch indices, in the order destinations appeared. */
export class Routing {
  private readonly byDest: Map<string, Set<i32>> = new Map();

  /** Sends `state` to `dest`. */
  add(dest: string, state: UserPresenceState): Routing {
    if (state.index < 0) throw new Error(E_FOREIGN_STATE);
    this.indices(dest).add(state.index);
    return this;
  }

  /** Sends every one of `states` to `dest`; `dest` is kept even when `states` is empty. */
  addAll(dest: string, states: UserPresenceState[]): Routing {
    const set = this.indices(dest);
    for (let i = 0; i < states.length; i++) {
      if (states[i].index < 0) throw new Error(E_FOREIGN_STATE);
      set.add(states[i].index);
    }
    return this;
  }

  /** Keeps `dest` as a destination even if nothing is sent to it (Synapse keeps keys with empty sets). */
  ensure(dest: string): Routing {
    this.indices(dest);
    return this;
  }

  has(dest: string): bool { return this.byDest.has(dest); }

  /** The destinations, in the order they were first added. */
  get destinations(): string[] { return this.byDest.keys(); }

  /** The batch indices routed to `dest` (empty if none). */
  indicesFor(dest: string): i32[] {
    return this.byDest.has(dest) ? this.byDest.get(dest).values() : [];
  }

  private indices(dest: string): Set<i32> {
    if (!this.byDest.has(dest)) this.byDest.set(dest, new Set<i32>());
    return this.byDest.get(dest);
  }
}

/** The users whose presence someone receives: a set of user IDs, or everyone. */
export class InterestedUsers {
  private readonly set: Set<string> = new Set();
  private everyone: bool = false;

  /** Everyone's presence (Synapse's PRESENCE_ALL_USERS). */
  static all(): InterestedUsers {
    const u = new InterestedUsers();
    u.everyone = true;
    return u;
  }

  /** Exactly these users. */
  static of(users: string[]): InterestedUsers {
    return new InterestedUsers().addAll(users);
  }

  get isAll(): bool { return this.everyone; }

  /** Adds `userId` (ignored once the answer is all users). */
  add(userId: string): InterestedUsers {
    this.set.add(userId);
    return this;
  }

  addAll(userIds: string[]): InterestedUsers {
    for (let i = 0; i < userIds.length; i++) this.set.add(userIds[i]);
    return this;
  }

  has(userId: string): bool { return this.everyone || this.set.has(userId); }

  /** The user IDs, in the order first added (empty when isAll). */
  get users(): string[] { return this.everyone ? [] : this.set.values(); }
}
