/**
 * The user IDs a batch encoder has met, kept from call to call: a homeserver sends the same users' states
 * call after call (its local users' presence updates). For each user ID that passed isUserId it holds the
 * ID's msgpack str (header and UTF-8 bytes, in one growing arena) and the dedup's bookkeeping for the call
 * in progress. So one Map lookup per state both finds the state's user among the call's earlier states and
 * gives the bytes to copy: a user met before is neither checked again nor encoded again (bench question
 * encode_vs_msgpackr, the warm and cold cases). Only checked user IDs enter, so a verdict never depends on
 * what the table holds.
 *
 * The encoder keeps a second table of the same kind for short status messages, which also repeat from
 * call to call (a user's status stays as it is for hours); there the dedup's bookkeeping goes unused.
 *
 * Bounded: at the start of a call, a table past MAX_USERS users or MAX_ARENA_BYTES bytes is emptied (its
 * storage given back), so between calls it holds at most that, and during a call at most that plus the
 * call's own users (which the caller's batch, capped by sandbox.max_batch_states, holds already). Emptying
 * costs one cold call; a host with more users than that in rotation merely checks them as it would without
 * a table.
 */
import { MsgpackWriter } from './msgpack-writer.js';

/**
 * Users kept between calls: far more than the distinct users of the batches a homeserver sends within
 * a few seconds, and small enough (about 2 MiB at a typical 25-byte ID) to be no concern for memory.
 */
export const MAX_USERS = 65_536;
/** Arena bytes kept between calls: the same bound for long IDs (255 bytes at most, docs/abi.md). */
const MAX_ARENA_BYTES = 4 * 1024 * 1024;
const INITIAL_USERS = 1024;
const INITIAL_ARENA_BYTES = 32 * 1024;
/** A user's first state in this call is not known: the user repeats, or is not in this call yet. */
const REPEATED = -1;

export class UserTable {
  /** User ID to entry: the index into the arrays below. */
  private readonly entries = new Map<string, number>();
  /**
   * The str of every entry, one after the other, each from a multiple of 4: entry e's is strLength[e]
   * bytes from strStart[e], copied out four bytes at a time (the padding after it copied along).
   */
  private arena = new MsgpackWriter(INITIAL_ARENA_BYTES);
  private strStart: Int32Array = new Int32Array(INITIAL_USERS);
  private strLength: Int32Array = new Int32Array(INITIAL_USERS);
  /** The call in which each entry was last seen (0: none yet), and its first state's handle in that call. */
  private lastCall: Int32Array = new Int32Array(INITIAL_USERS);
  private first: Int32Array = new Int32Array(INITIAL_USERS);
  private call = 0;

  /** Starts a call: from here on, every user counts as not seen in it. Empties the table when over its bound. */
  beginCall(): void {
    if (this.entries.size > MAX_USERS || this.arena.at > MAX_ARENA_BYTES || this.call === 0x7fffffff) this.clear();
    this.call++;
  }

  /** Users held. */
  get size(): number {
    return this.entries.size;
  }

  /** The entry of `userId`, or -1 when it has not been entered (or was forgotten since). */
  find(userId: unknown): number {
    // Only strings are ever entered: any other value misses, and is then refused by isUserId.
    return this.entries.get(userId as string) ?? -1;
  }

  /** Enters a user ID that passed isUserId, or any string without a lone surrogate; returns its entry. */
  add(userId: string): number {
    const e = this.entries.size;
    if (e === this.strStart.length) this.grow();
    const arena = this.arena;
    const start = arena.at;
    arena.knownText(userId);
    this.strStart[e] = start;
    this.strLength[e] = arena.at - start;
    arena.ensure(3);
    arena.at = (arena.at + 3) & ~3;
    this.lastCall[e] = 0;
    this.entries.set(userId, e);
    return e;
  }

  /**
   * Writes entry e's str through `view` at `k`; returns the position after it. Up to 3 bytes past that
   * position are overwritten too (the view must have room for them; whatever follows overwrites them).
   */
  writeStr(e: number, view: DataView, k: number): number {
    const a = this.arena.view;
    const length = this.strLength[e]!;
    // Four bytes at a time: some 25 bytes, for which set() and its subarray cost more than a loop, and a
    // loop of bytes twice this one (bench question encode_vs_msgpackr). Little-endian on both sides: the
    // bytes land in their order on any platform.
    for (let j = this.strStart[e]!, w = k, end = k + length; w < end; j += 4, w += 4) view.setInt32(w, a.getInt32(j, true), true);
    return k + length;
  }

  /**
   * Records that entry e has a state with handle `handle` in this call. Returns -2 when it is the user's
   * first state in the call; otherwise the handle of that first state the first time the user repeats,
   * and -1 after that (routing/distinct.ts RepeatedUsers takes the two from there).
   */
  seen(e: number, handle: number): number {
    if (this.lastCall[e] !== this.call) {
      this.lastCall[e] = this.call;
      this.first[e] = handle;
      return -2;
    }
    const first = this.first[e]!;
    this.first[e] = REPEATED;
    return first;
  }

  /** Forgets every user, and gives back storage grown past the bound. */
  clear(): void {
    this.entries.clear();
    this.call = 0;
    if (this.arena.bytes.length > MAX_ARENA_BYTES) this.arena = new MsgpackWriter(INITIAL_ARENA_BYTES);
    this.arena.at = 0;
    if (this.strStart.length > MAX_USERS) this.resize(INITIAL_USERS);
  }

  private grow(): void {
    this.resize(this.strStart.length * 2);
  }

  private resize(users: number): void {
    const keep = (old: Int32Array): Int32Array => {
      const grown = new Int32Array(users);
      grown.set(old.subarray(0, Math.min(users, this.entries.size)));
      return grown;
    };
    this.strStart = keep(this.strStart);
    this.strLength = keep(this.strLength);
    this.lastCall = keep(this.lastCall);
    this.first = keep(this.first);
  }
}
