// The batch as a router reads it: no object per state. The decoder (wire.ts) checks every state and
// leaves, per state, a fixed-size record in one buffer: where the user ID's UTF-8 lies in the input,
// its length and hash, and the other declared fields; a router reads them by index. Sets and maps look
// user IDs up where they lie (UserIdSet.hasUserOf), the answer is written by index, and a
// UserPresenceState is built only when a router asks for one (`at(i)`, or the getUsersForStates path).

import { UserId } from "./bytes";
import { Field, requireField, declares } from "./fields";
import { PresenceState, UserPresenceState } from "./presence";
import { E_BATCH_INDEX } from "./errors";

// One record per state, `RECORD` bytes: user ID address, length, hash and the state's code (16 bytes),
// then, if the module reads any of them, the three timestamps, the status message's address and length
// (NIL_MSG for nil) and currently_active.
const UID_AT: usize = 0;
const UID_LEN: usize = 4;
const UID_HASH: usize = 8;
const STATE_CODE: usize = 12;
const LAST_ACTIVE: usize = 16;
const LAST_FEDERATION_UPDATE: usize = 24;
const LAST_USER_SYNC: usize = 32;
const MSG_AT: usize = 40;
const MSG_LEN: usize = 44;
const ACTIVE: usize = 48;
export const TAIL_FIELDS: i32 = Field.LAST_ACTIVE_TS | Field.LAST_FEDERATION_UPDATE_TS | Field.LAST_USER_SYNC_TS
  | Field.STATUS_MSG | Field.CURRENTLY_ACTIVE;
export const NIL_MSG: u32 = 0xffffffff;

/** Bytes per state record: 16, or 56 when the module reads more than user_id and state. */
// @ts-ignore: decorator
@inline export function recordSize(): usize { return declares(TAIL_FIELDS) ? 56 : 16; }

/** The four PresenceState values, by the code the decoder records. */
export function stateOfCode(code: u32): string {
  switch (code) {
    case 0: return PresenceState.ONLINE;
    case 1: return PresenceState.UNAVAILABLE;
    case 2: return PresenceState.OFFLINE;
  }
  return PresenceState.BUSY;
}

/** A state that a router asked for as an object: its fields copied from the batch's record. */
class BatchState extends UserPresenceState {
  constructor(batch: Batch, i: i32) {
    super(
      batch.userId(i),
      declares(Field.STATE) ? batch.state(i) : "",
      declares(Field.LAST_ACTIVE_TS) ? batch.lastActiveTs(i) : 0,
      declares(Field.LAST_FEDERATION_UPDATE_TS) ? batch.lastFederationUpdateTs(i) : 0,
      declares(Field.LAST_USER_SYNC_TS) ? batch.lastUserSyncTs(i) : 0,
      null,
      declares(Field.CURRENTLY_ACTIVE) ? batch.currentlyActive(i) : false,
      i,
    );
    if (declares(Field.STATUS_MSG)) {
      const len = batch.recordU32(i, MSG_LEN);
      if (len != NIL_MSG) {
        this.msgInput = batch.input;
        this.msgAt = batch.recordU32(i, MSG_AT) - <u32>changetype<usize>(batch.input);
        this.msgLength = len;
      }
    }
  }
}

/**
 * The states of one users_for_states call, read by index `0 <= i < length`. Each accessor reads one
 * field of state `i`; a field the module does not declare in `presence_fields` traps, naming the field
 * and the fix. A batch and what it returns are valid during the call only, except a state from `at`.
 */
export class Batch {
  private objects: StaticArray<UserPresenceState | null> | null = null;

  /** Set by the decoder: `records` holds `count` records of recordSize() bytes. */
  constructor(readonly input: ArrayBuffer, private readonly records: ArrayBuffer, private readonly count: i32) {}

  /** How many states. */
  // @ts-ignore: decorator
  @inline get length(): i32 { return this.count; }

  /** Where state `i`'s user ID lies, as UTF-8 (`userIdLength(i)` bytes, valid during the call). */
  // @ts-ignore: decorator
  @inline userIdPtr(i: i32): usize { return <usize>this.recordU32(i, UID_AT); }

  // @ts-ignore: decorator
  @inline userIdLength(i: i32): usize { return <usize>this.recordU32(i, UID_LEN); }

  /** hashBytes of state `i`'s user ID, computed once at decode. */
  // @ts-ignore: decorator
  @inline userIdHash(i: i32): u32 { return this.recordU32(i, UID_HASH); }

  /** True if state `i` is `id`'s, compared as bytes. */
  userIs(i: i32, id: UserId): bool {
    return id.matches(this.userIdPtr(i), this.userIdLength(i), this.userIdHash(i));
  }

  /** State `i`'s user ID as a string (decoded on every call). */
  userId(i: i32): string {
    return String.UTF8.decodeUnsafe(this.userIdPtr(i), this.userIdLength(i));
  }

  /** State `i`'s user ID as a UserId of its own, which may be kept past the call. */
  userIdCopy(i: i32): UserId {
    return UserId.copyOf(this.userIdPtr(i), this.userIdLength(i));
  }

  /** State `i`'s presence: one of the PresenceState constants (compare with ==). */
  state(i: i32): string {
    requireField(Field.STATE);
    return stateOfCode(this.recordU32(i, STATE_CODE));
  }

  lastActiveTs(i: i32): i64 {
    requireField(Field.LAST_ACTIVE_TS);
    return load<i64>(this.record(i) + LAST_ACTIVE);
  }

  lastFederationUpdateTs(i: i32): i64 {
    requireField(Field.LAST_FEDERATION_UPDATE_TS);
    return load<i64>(this.record(i) + LAST_FEDERATION_UPDATE);
  }

  lastUserSyncTs(i: i32): i64 {
    requireField(Field.LAST_USER_SYNC_TS);
    return load<i64>(this.record(i) + LAST_USER_SYNC);
  }

  /** State `i`'s status message, or null (decoded on every call). */
  statusMsg(i: i32): string | null {
    requireField(Field.STATUS_MSG);
    const len = this.recordU32(i, MSG_LEN);
    return len == NIL_MSG ? null : String.UTF8.decodeUnsafe(<usize>this.recordU32(i, MSG_AT), <usize>len);
  }

  currentlyActive(i: i32): bool {
    requireField(Field.CURRENTLY_ACTIVE);
    return this.recordU32(i, ACTIVE) != 0;
  }

  /**
   * State `i` as a UserPresenceState, built on the first call and the same object after. It may be kept
   * past the call; its undeclared fields trap when read, as the accessors above do.
   */
  at(i: i32): UserPresenceState {
    let objects = this.objects;
    if (objects === null) this.objects = objects = new StaticArray<UserPresenceState | null>(this.count);
    this.check(i);
    let s = unchecked(objects[i]);
    if (s === null) unchecked(objects[i] = s = new BatchState(this, i));
    return s;
  }

  /** Every state as an object, in batch order: what getUsersForStates receives. */
  toArray(): UserPresenceState[] {
    const out = new Array<UserPresenceState>(this.count);
    for (let i = 0; i < this.count; i++) unchecked(out[i] = this.at(i));
    return out;
  }

  /** A u32 of state `i`'s record at `offset` (for the SDK's own readers). */
  // @ts-ignore: decorator
  @inline recordU32(i: i32, offset: usize): u32 { return load<u32>(this.record(i) + offset); }

  // @ts-ignore: decorator
  @inline private record(i: i32): usize {
    this.check(i);
    return changetype<usize>(this.records) + <usize>i * recordSize();
  }

  // @ts-ignore: decorator
  @inline private check(i: i32): void {
    if (<u32>i >= <u32>this.count) throw new Error(E_BATCH_INDEX);
  }
}

/** Writes one state's record: the decoder's side of the layout above. */
export class RecordWriter {
  private at: usize;

  constructor(records: ArrayBuffer) { this.at = changetype<usize>(records); }

  userId(ptr: usize, len: usize, hash: u32): void {
    store<u32>(this.at + UID_AT, <u32>ptr);
    store<u32>(this.at + UID_LEN, <u32>len);
    store<u32>(this.at + UID_HASH, hash);
  }

  stateCode(code: u32): void { store<u32>(this.at + STATE_CODE, code); }

  timestamps(lastActive: i64, lastFederationUpdate: i64, lastUserSync: i64): void {
    store<i64>(this.at + LAST_ACTIVE, lastActive);
    store<i64>(this.at + LAST_FEDERATION_UPDATE, lastFederationUpdate);
    store<i64>(this.at + LAST_USER_SYNC, lastUserSync);
  }

  statusMsg(ptr: usize, len: u32): void {
    store<u32>(this.at + MSG_AT, <u32>ptr);
    store<u32>(this.at + MSG_LEN, len);
  }

  currentlyActive(active: bool): void { store<u32>(this.at + ACTIVE, active ? 1 : 0); }

  /** On to the next state's record. */
  next(): void { this.at += recordSize(); }
}
