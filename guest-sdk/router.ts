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

/**
 * Destination user ID -> set of states, kept as batch indices, in the order destinations appeared.
 *
 * Each destination's indices are a sorted array rather than a Set: routers add states in batch order,
 * so adding is almost always an append after one comparison, and encoding needs no copy. A Set per
 * destination (four allocations to create, one more to list) was most of the time of routers with many
 * destinations (bench/README.md).
 */
export class Routing {
  private readonly positions: Map<string, i32> = new Map();
  private readonly dests: string[] = [];
  /** lists[i]: the batch indices routed to dests[i], ascending, without repeats. */
  private readonly lists: Array<i32[]> = [];

  /** Sends `state` to `dest`. */
  add(dest: string, state: UserPresenceState): Routing {
    if (state.index < 0) throw new Error(E_FOREIGN_STATE);
    insertSorted(this.indices(dest), state.index);
    return this;
  }

  /** Sends every one of `states` to `dest`; `dest` is kept even when `states` is empty. */
  addAll(dest: string, states: UserPresenceState[]): Routing {
    const list = this.indices(dest);
    for (let i = 0; i < states.length; i++) {
      if (states[i].index < 0) throw new Error(E_FOREIGN_STATE);
      insertSorted(list, states[i].index);
    }
    return this;
  }

  /** Keeps `dest` as a destination even if nothing is sent to it (Synapse keeps keys with empty sets). */
  ensure(dest: string): Routing {
    this.indices(dest);
    return this;
  }

  has(dest: string): bool { return this.positions.has(dest); }

  /** The destinations, in the order they were first added. */
  get destinations(): string[] { return this.dests.slice(); }

  /** The batch indices routed to `dest`, ascending (empty if none). */
  indicesFor(dest: string): i32[] {
    return this.positions.has(dest) ? this.lists[this.positions.get(dest)].slice() : [];
  }

  /** How many destinations; with destinationAt and indicesAt, lets the SDK encode without copies. */
  get destinationCount(): i32 { return this.dests.length; }

  destinationAt(i: i32): string { return this.dests[i]; }

  indicesAt(i: i32): i32[] { return this.lists[i]; }

  private indices(dest: string): i32[] {
    if (this.positions.has(dest)) return this.lists[this.positions.get(dest)];
    const list = new Array<i32>(0);
    this.positions.set(dest, this.dests.length);
    this.dests.push(dest);
    this.lists.push(list);
    return list;
  }
}

/** Adds `index` to the ascending `list` unless it is there already. */
function insertSorted(list: i32[], index: i32): void {
  const n = list.length;
  if (n == 0 || unchecked(list[n - 1]) < index) {
    list.push(index);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (unchecked(list[mid]) < index) lo = mid + 1;
    else hi = mid;
  }
  if (unchecked(list[lo]) == index) return;
  list.push(index);
  for (let k = n; k > lo; k--) unchecked(list[k] = list[k - 1]);
  unchecked(list[lo] = index);
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
