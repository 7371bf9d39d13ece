// What a module author implements and returns, in the shape Synapse's presence router callbacks have:
// get_users_for_states gives destination user ID -> set of states, get_interested_users gives a set of
// user IDs or PRESENCE_ALL_USERS.

import { UserPresenceState } from "./presence";
import { Batch } from "./batch";
import { UserId } from "./bytes";
import { UserIdTable } from "./usertable";
import { E_FOREIGN_STATE, E_NO_ROUTE } from "./errors";

/**
 * A presence router. Both answers must agree (Synapse feeds get_interested_users' answer back through
 * get_users_for_states) and depend only on the config and the call's input: the host runs several
 * instances of a module and replaces them at will.
 *
 * Implement getUsersForBatch, which reads the states by index without an object per state, or
 * getUsersForStates, which gets every state as a UserPresenceState (simpler, slower for large batches).
 */
export abstract class PresenceRouter {
  /** Where each state should go, in addition to users who share a room with its user. */
  getUsersForBatch(states: Batch): Routing {
    return this.getUsersForStates(states.toArray());
  }

  /** getUsersForBatch with an object per state; called only if getUsersForBatch is not overridden. */
  getUsersForStates(states: UserPresenceState[]): Routing {
    throw new Error(E_NO_ROUTE);
  }

  /** Whose presence `userId` (a local user) should receive, in addition to users sharing a room. */
  abstract getInterestedUsers(userId: string): InterestedUsers;
}

/**
 * Destination user ID -> set of states, kept as batch indices, in the order destinations appeared.
 * Destinations are UserIds (bytes, hashed once): a router that keeps its destinations as UserIds (from
 * the config) adds with addIndex/addIndices and nothing is encoded again; the string methods convert.
 *
 * Each destination's indices are an array rather than a Set: a Set per destination (four allocations to
 * create, one more to list) was most of the time of routers with many destinations (bench/README.md).
 * Routers usually add states in batch order, so an add is an append after one comparison and the array
 * stays sorted; an index added out of order is appended too, and that destination's array is sorted and
 * rid of repeats once, when it is read.
 */
export class Routing {
  private readonly dests: UserIdTable = new UserIdTable();
  /** lists[i]: the batch indices routed to destination i; ascending and without repeats when sorted[i]. */
  private readonly lists: Array<i32[]> = [];
  private readonly sorted: bool[] = [];

  /** Sends state `index` of the batch to `dest`. */
  addIndex(dest: UserId, index: i32): Routing {
    this.append(this.position(this.dests.insert(dest)), index);
    return this;
  }

  /** Sends every state of `indices` to `dest`; `dest` is kept even when `indices` is empty. */
  addIndices(dest: UserId, indices: i32[]): Routing {
    const p = this.position(this.dests.insert(dest));
    const list = unchecked(this.lists[p]);
    if (list.length == 0 && indices.length > 0) {
      // A new destination takes a copy of the indices at once (most routers send it one list).
      unchecked(this.sorted[p] = checkIndices(indices));
      unchecked(this.lists[p] = indices.slice());
      return this;
    }
    for (let i = 0; i < indices.length; i++) this.append(p, unchecked(indices[i]));
    return this;
  }

  /** Keeps `dest` as a destination even if nothing is sent to it (Synapse keeps keys with empty sets). */
  ensureId(dest: UserId): Routing {
    this.position(this.dests.insert(dest));
    return this;
  }

  /** Sends `state` to `dest`. */
  add(dest: string, state: UserPresenceState): Routing {
    this.append(this.position(this.dests.insertString(dest)), state.index);
    return this;
  }

  /** Sends every one of `states` to `dest`; `dest` is kept even when `states` is empty. */
  addAll(dest: string, states: UserPresenceState[]): Routing {
    const p = this.position(this.dests.insertString(dest));
    for (let i = 0; i < states.length; i++) this.append(p, states[i].index);
    return this;
  }

  /** Keeps `dest` as a destination even if nothing is sent to it (Synapse keeps keys with empty sets). */
  ensure(dest: string): Routing {
    this.position(this.dests.insertString(dest));
    return this;
  }

  has(dest: string): bool { return this.dests.findString(dest) >= 0; }

  /** The destinations, in the order they were first added. */
  get destinations(): string[] {
    const out = new Array<string>(this.dests.size);
    for (let i = 0; i < out.length; i++) unchecked(out[i] = this.destinationAt(i));
    return out;
  }

  /** The batch indices routed to `dest`, ascending (empty if none). */
  indicesFor(dest: string): i32[] {
    const p = this.dests.findString(dest);
    return p >= 0 ? this.indicesAt(p).slice() : [];
  }

  /** How many destinations; with destinationIdAt and indicesAt, lets the SDK encode without copies. */
  get destinationCount(): i32 { return this.dests.size; }

  destinationAt(i: i32): string { return this.dests.ids[i].toString(); }

  destinationIdAt(i: i32): UserId { return this.dests.ids[i]; }

  /** The indices of the i-th destination, ascending and without repeats. */
  indicesAt(i: i32): i32[] {
    const list = this.lists[i];
    if (!this.sorted[i]) {
      sortUnique(list);
      this.sorted[i] = true;
    }
    return list;
  }

  // The list of the destination at table entry `p`, created with the entry.
  private position(p: i32): i32 {
    if (p == this.lists.length) {
      this.lists.push(new Array<i32>(0));
      this.sorted.push(true);
    }
    return p;
  }

  private append(p: i32, index: i32): void {
    if (index < 0) throw new Error(E_FOREIGN_STATE);
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

/** True if `list` ascends without repeats (else it is sorted when read); traps on a negative index. */
function checkIndices(list: i32[]): bool {
  let ascending = true;
  let last: i32 = -1;
  for (let i = 0; i < list.length; i++) {
    const v = unchecked(list[i]);
    if (v < 0) throw new Error(E_FOREIGN_STATE);
    if (v <= last) ascending = false;
    last = v;
  }
  return ascending;
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
  private readonly set: UserIdTable = new UserIdTable();
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

  /** Exactly these users, kept as bytes (nothing is encoded again). */
  static ofIds(users: UserId[]): InterestedUsers {
    return new InterestedUsers().addIds(users);
  }

  get isAll(): bool { return this.everyone; }

  /** Adds `userId` (ignored once the answer is all users). */
  add(userId: string): InterestedUsers {
    this.set.insertString(userId);
    return this;
  }

  addAll(userIds: string[]): InterestedUsers {
    for (let i = 0; i < userIds.length; i++) this.set.insertString(userIds[i]);
    return this;
  }

  addId(userId: UserId): InterestedUsers {
    this.set.insert(userId);
    return this;
  }

  addIds(userIds: UserId[]): InterestedUsers {
    for (let i = 0; i < userIds.length; i++) this.set.insert(unchecked(userIds[i]));
    return this;
  }

  has(userId: string): bool { return this.everyone || this.set.findString(userId) >= 0; }

  /** The user IDs, in the order first added (empty when isAll). */
  get users(): string[] {
    if (this.everyone) return [];
    const ids = this.set.ids;
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) unchecked(out[i] = unchecked(ids[i]).toString());
    return out;
  }

  /** The user IDs as bytes, in the order first added (empty when isAll): what the SDK encodes. */
  get userIds(): UserId[] { return this.everyone ? [] : this.set.ids; }
}
