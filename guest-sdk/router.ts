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
 * Each destination's indices are an array rather than a Set: a Set per destination (four allocations to
 * create, one more to list) was most of the time of routers with many destinations (bench/README.md).
 * Routers usually add states in batch order, so an add is an append after one comparison and the array
 * stays sorted; an index added out of order is appended too, and that destination's array is sorted and
 * rid of repeats once, when it is read.
 */
export class Routing {
  private readonly positions: Map<string, i32> = new Map();
  private readonly dests: string[] = [];
  /** lists[i]: the batch indices routed to dests[i]; ascending and without repeats when sorted[i]. */
  private readonly lists: Array<i32[]> = [];
  private readonly sorted: bool[] = [];

  /** Sends `state` to `dest`. */
  add(dest: string, state: UserPresenceState): Routing {
    if (state.index < 0) throw new Error(E_FOREIGN_STATE);
    this.append(this.position(dest), state.index);
    return this;
  }

  /** Sends every one of `states` to `dest`; `dest` is kept even when `states` is empty. */
  addAll(dest: string, states: UserPresenceState[]): Routing {
    const p = this.position(dest);
    for (let i = 0; i < states.length; i++) {
      if (states[i].index < 0) throw new Error(E_FOREIGN_STATE);
      this.append(p, states[i].index);
    }
    return this;
  }

  /** Keeps `dest` as a destination even if nothing is sent to it (Synapse keeps keys with empty sets). */
  ensure(dest: string): Routing {
    this.position(dest);
    return this;
  }

  has(dest: string): bool { return this.positions.has(dest); }

  /** The destinations, in the order they were first added. */
  get destinations(): string[] { return this.dests.slice(); }

  /** The batch indices routed to `dest`, ascending (empty if none). */
  indicesFor(dest: string): i32[] {
    return this.positions.has(dest) ? this.indicesAt(this.positions.get(dest)).slice() : [];
  }

  /** How many destinations; with destinationAt and indicesAt, lets the SDK encode without copies. */
  get destinationCount(): i32 { return this.dests.length; }

  destinationAt(i: i32): string { return this.dests[i]; }

  /** The indices of the i-th destination, ascending and without repeats. */
  indicesAt(i: i32): i32[] {
    const list = this.lists[i];
    if (!this.sorted[i]) {
      sortUnique(list);
      this.sorted[i] = true;
    }
    return list;
  }

  private position(dest: string): i32 {
    if (this.positions.has(dest)) return this.positions.get(dest);
    const p = this.dests.length;
    this.positions.set(dest, p);
    this.dests.push(dest);
    this.lists.push(new Array<i32>(0));
    this.sorted.push(true);
    return p;
  }

  private append(p: i32, index: i32): void {
    const list = unchecked(this.lists[p]);
    const n = list.length;
    if (n > 0) {
      const last = unchecked(list[n - 1]);
      if (last == index) return;
      if (last > index) unchecked(this.sorted[p] = false);
    }
    list.push(index);
  }
}

/** Sorts `list` ascending and drops repeats, in place. */
function sortUnique(list: i32[]): void {
  list.sort();
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    const v = unchecked(list[i]);
    if (kept == 0 || unchecked(list[kept - 1]) != v) unchecked(list[kept++] = v);
  }
  list.length = kept;
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
