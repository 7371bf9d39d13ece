/**
 * The caller's batch, checked and encoded once for every module, in one pass per state: each field is
 * checked and, when some module reads it (docs/abi.md "Field projection"), written straight into a reused
 * buffer, in msgpackr's own bytes. Each state is validated with a message that names it
 * (`states[3].state: ...`), built only when a state is refused. Equal states are one state
 * (routing/distinct.ts), so only distinct states go on the wire and indices map back to the first object
 * given.
 *
 * This runs on the main thread for every call and every state, so it allocates nothing per state, and
 * writes the batch straight into the shared buffer the workers read. User IDs and short status messages
 * it has checked in earlier calls come from tables kept across calls (routing/user-table.ts): one Map
 * lookup instead of a check and an encoding (bench question encode_vs_msgpackr, warm and cold).
 */
import { Buffer } from 'node:buffer';
import { clip, describe, inputError, type SandboxError } from '../errors.js';
import { PRESENCE_STATES, type UserPresenceState } from '../presence.js';
import { ALL_FIELDS } from '../protocol/abi.js';
import { isUserId, notUserIdMessage } from '../userid.js';
import { projectBatch } from '../wire/project.js';
import type { BatchBuffers } from './batch-buffers.js';
import { RepeatedUsers, stateValueKey } from './distinct.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { STATE_FIELDS, type StateField, expected, fieldError, isTimestamp, NOT_UNICODE_TEXT, presenceIndex } from './state-fields.js';
import { UserTable } from './user-table.js';
import { isUnicodeText } from '../text.js';

export interface EncodedBatch {
  /** The caller's objects, one per distinct state, in first-seen order: wire index i is distinct[i]. */
  distinct: UserPresenceState[];
  /**
   * One msgpack batch per field mask asked for, in that order, each in a SharedArrayBuffer: every module
   * that reads the same fields reads the same bytes.
   */
  batches: Uint8Array[];
}

/** Room kept before the states for the batch's array header, written once the distinct count is known. */
const HEADER_ROOM = 5;

const enum Bit {
  STATE = 1 << 1,
  LAST_ACTIVE = 1 << 2,
  LAST_FEDERATION = 1 << 3,
  LAST_SYNC = 1 << 4,
  STATUS = 1 << 5,
  ACTIVE = 1 << 6,
}

/**
 * Most bytes a state's fields but status_msg take: an array header, the longest user ID (255 bytes after a
 * str8 header), the longest presence state, three float64 timestamps and a bool. One ensure per state.
 */
const MAX_STATE_BYTES_BUT_STATUS = 1 + 2 + 255 + 1 + 23 + 3 * 9 + 1;
/** Bytes per state of the first call's buffer, before any call has been measured: more than most states take. */
const INITIAL_BYTES_PER_STATE = 128;
const MIN_BYTES_PER_STATE = 8;
/** Bytes beyond the estimate in a call's first buffer: a state or so more, before the buffer must grow. */
const ESTIMATE_SLACK_BYTES = 512;
/**
 * Status messages shorter than this (in UTF-16 code units) are kept in a table like the user IDs: at most
 * 2 + 3 * 63 bytes each, so one call adds a bounded number of bytes per state to it.
 */
const TABLED_STATUS_CHARS = 64;
const MAX_TABLED_STATUS_BYTES = 2 + 3 * (TABLED_STATUS_CHARS - 1);
/** Bytes past a user ID that routing/user-table.ts writeStr may overwrite. */
const STR_COPY_SLACK = 3;

/** The timestamps, in wire order from field 2 (Bit.LAST_ACTIVE). */
const TIMESTAMP_FIELDS = ['last_active_ts', 'last_federation_update_ts', 'last_user_sync_ts'] as const satisfies readonly StateField[];

/** The msgpack str of each presence state, by its index in PRESENCE_STATES (state-fields.ts presenceIndex). */
const PRESENCE_STRS: readonly Uint8Array[] = PRESENCE_STATES.map((s) => Uint8Array.from([0xa0 | s.length, ...Buffer.from(s, 'latin1')]));

/** One per host (hosts share nothing): its tables are kept from call to call. */
export class BatchEncoder {
  /** The call in progress's shared buffers: the writer writes the batch straight into one of them. */
  private buffers: BatchBuffers | null = null;
  private readonly out = new MsgpackWriter(0, {
    allocate: (bytes) => this.sharedBuffer(bytes),
    free: (outgrown) => this.buffers?.release(outgrown),
  });
  /** Bytes per state of the last call: what the next call's buffer is sized by. */
  private bytesPerState = INITIAL_BYTES_PER_STATE;
  /** The call in progress's distinct states: what the dedup's handles index. */
  private distinct: UserPresenceState[] = [];
  // Handles are indices into `distinct`: a value key is built (from the object) only for a repeated user.
  private readonly repeated = new RepeatedUsers<number>((k) => stateValueKey(this.distinct[k] as unknown as Record<string, unknown>));

  /** The tables kept across calls, of user IDs and of short status messages (tests pass their own to look into them). */
  constructor(
    private readonly users = new UserTable(),
    private readonly statuses = new UserTable(),
  ) {}

  /**
   * Checks every field of every state, and encodes the distinct states once per mask in `masks` (bit i:
   * field i of the state tuple; bit 0 is always written). `buffers` provides the shared buffers; give
   * each of `batches` back to it once every module has answered.
   */
  encode(states: unknown, maxStates: number, buffers: BatchBuffers, masks: readonly number[]): EncodedBatch {
    if (!Array.isArray(states)) throw inputError('states', `expected a list of presence states (got ${describe(states)})`);
    if (states.length > maxStates) {
      throw inputError('states', `${states.length} states exceeds sandbox.max_batch_states (${maxStates})`);
    }
    let union = 1;
    for (const mask of masks) union |= mask;
    const out = this.out;
    // Written in place: a copy into a SharedArrayBuffer costs many times one into plain memory, for
    // the whole batch (bench question encode_vs_msgpackr).
    this.buffers = buffers;
    out.writeInto(this.sharedBuffer(HEADER_ROOM + states.length * this.bytesPerState + ESTIMATE_SLACK_BYTES), HEADER_ROOM);
    // Sized once (a push per state grew it a dozen times); holey until its length is cut to the count.
    const distinct: UserPresenceState[] = (this.distinct = new Array<UserPresenceState>(states.length));
    let count = 0;
    const users = this.users;
    const repeated = this.repeated;
    users.beginCall();
    this.statuses.beginCall();
    repeated.clear();
    try {
      for (let i = 0; i < states.length; i++) {
        const state: unknown = states[i];
        const start = out.at;
        const user = this.write(state, i, union);
        const first = users.seen(user, count);
        distinct[count] = state as UserPresenceState;
        // -2: the user's first state in this call, the usual case; else compared by value (distinct.ts).
        if (first === -2 || repeated.add(first === -1 ? null : first, count)) count++;
        else out.at = start;
      }
    } catch (err) {
      buffers.release(out.bytes);
      throw err;
    } finally {
      repeated.clear();
      this.distinct = [];
      this.buffers = null;
    }
    distinct.length = count;
    const end = out.at;
    if (states.length > 0) this.bytesPerState = Math.max(MIN_BYTES_PER_STATE, Math.ceil((end - HEADER_ROOM) / states.length));
    // The array header goes just before the states, in the room left for it.
    const from = HEADER_ROOM - arrayHeaderBytes(count);
    out.at = from;
    out.arrayHeader(count);
    const full = new Uint8Array(out.bytes.buffer, from, end - from);
    let written = false;
    const batches = masks.map((mask) => {
      if (mask === union && !written) {
        written = true;
        return full;
      }
      const bytes = buffers.acquire(full.byteLength);
      if (mask === union) {
        bytes.set(full);
        return bytes;
      }
      // Another module reads fewer fields: its batch is cut from the one just written.
      return bytes.subarray(0, projectBatch(full, union, mask, bytes));
    });
    if (!written) buffers.release(full);
    return { distinct, batches };
  }

  /** A Buffer over a whole shared buffer of at least `bytes` bytes from this call's pool. */
  private sharedBuffer(bytes: number): Buffer {
    // Only while no call is under way (the writer's first, empty buffer): plain memory, never written.
    if (this.buffers === null) return Buffer.alloc(bytes);
    const shared = this.buffers.acquire(bytes).buffer;
    return Buffer.from(shared, 0, shared.byteLength);
  }

  /**
   * Checks state i, writing the fields in `mask`; returns its user's entry in the user table. Throws naming
   * the first bad field.
   */
  private write(state: unknown, i: number, mask: number): number {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw inputError(`states[${i}]`, `expected a presence state map (got ${describe(state)})`);
    }
    const s = state as Record<string, unknown>;
    // for...in rather than Object.keys: no array per state. It also sees inherited enumerable keys, which a
    // state should not have either.
    for (const key in s) {
      if (!isField(key)) throw fieldError(i, clip(key), `unknown field (a state has ${STATE_FIELDS.join(', ')})`);
    }
    // Each field is read once: what is checked is what is written.
    const { user_id, state: presence, status_msg, currently_active } = s;
    const users = this.users;
    let user = users.find(user_id);
    if (user < 0) {
      if (!isUserId(user_id)) throw fieldError(i, 'user_id', notUserIdMessage(user_id));
      user = users.add(user_id);
    }
    const p = presenceIndex(presence);
    if (p < 0) throw refused(i, 'state', presence);
    const out = this.out;
    out.ensure(MAX_STATE_BYTES_BUT_STATUS + MAX_TABLED_STATUS_BYTES + STR_COPY_SLACK);
    let b = out.bytes;
    let k = out.at;
    b[k++] = 0x90 | popcount(mask);
    k = users.writeStr(user, out.view, k);
    if (mask & Bit.STATE) {
      const str = PRESENCE_STRS[p]!;
      for (let j = 0; j < str.length; j++) b[k++] = str[j]!;
    }
    k = this.timestamps(s, i, mask, k);
    if (status_msg === null) {
      if (mask & Bit.STATUS) b[k++] = 0xc0;
    } else if (typeof status_msg !== 'string') {
      throw refused(i, 'status_msg', status_msg);
    } else if (mask & Bit.STATUS && status_msg.length < TABLED_STATUS_CHARS) {
      const statuses = this.statuses;
      let e = statuses.find(status_msg);
      if (e < 0) {
        // A lone surrogate: else every module would fault on the caller's input (host/text.ts).
        if (!isUnicodeText(status_msg)) throw fieldError(i, 'status_msg', NOT_UNICODE_TEXT);
        e = statuses.add(status_msg);
      }
      k = statuses.writeStr(e, out.view, k);
    } else if (mask & Bit.STATUS) {
      out.at = k;
      // A lone surrogate: else every module would fault on the caller's input (host/text.ts).
      if (!out.str(status_msg)) throw fieldError(i, 'status_msg', NOT_UNICODE_TEXT);
      out.ensure(1);
      b = out.bytes;
      k = out.at;
    } else if (!isUnicodeText(status_msg)) throw fieldError(i, 'status_msg', NOT_UNICODE_TEXT);
    if (typeof currently_active !== 'boolean') throw refused(i, 'currently_active', currently_active);
    if (mask & Bit.ACTIVE) b[k++] = currently_active ? 0xc3 : 0xc2;
    out.at = k;
    return user;
  }

  /**
   * Checks state i's three timestamps, writing those in `mask` at `k` (room ensured); returns the position
   * after them. One loop with one call of uintAt, so that the compiler inlines it: a number passed to a
   * call that is not inlined is boxed, an allocation per timestamp (three call sites were not all inlined).
   */
  private timestamps(s: Record<string, unknown>, i: number, mask: number, k: number): number {
    const out = this.out;
    for (let f = 0; f < 3; f++) {
      const t = f === 0 ? s.last_active_ts : f === 1 ? s.last_federation_update_ts : s.last_user_sync_ts;
      if (!isTimestamp(t)) throw refused(i, TIMESTAMP_FIELDS[f]!, t);
      if (mask & (Bit.LAST_ACTIVE << f)) k = out.uintAt(k, t);
    }
    return k;
  }
}

/**
 * The encoder as a single call, writing full states (every field).
 * @deprecated kept for callers of the msgpackr-era signature (bench/); the host holds a BatchEncoder.
 */
export function encodeBatch(states: unknown, _packr: unknown, maxStates: number, buffers: BatchBuffers): { distinct: UserPresenceState[]; bytes: Uint8Array } {
  const { distinct, batches } = new BatchEncoder().encode(states, maxStates, buffers, [ALL_FIELDS]);
  return { distinct, bytes: batches[0]! };
}

/** The bytes of an array header for `n` elements: fixarray, array 16 or array 32. */
function arrayHeaderBytes(n: number): number {
  return n < 16 ? 1 : n < 0x10000 ? 3 : 5;
}

/** Bits set in a 7-bit mask: the fields a projected state holds. */
export function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * One of STATE_FIELDS. The seven names have seven lengths: a switch on the length and one comparison,
 * because a switch on the names compares a key with each name before it, and a Set lookup per key cost
 * more still (a test of every field keeps the two together; bench question encode_vs_msgpackr).
 */
function isField(key: string): boolean {
  switch (key.length) {
    case 7:
      return key === 'user_id';
    case 5:
      return key === 'state';
    case 14:
      return key === 'last_active_ts';
    case 25:
      return key === 'last_federation_update_ts';
    case 17:
      return key === 'last_user_sync_ts';
    case 10:
      return key === 'status_msg';
    case 16:
      return key === 'currently_active';
    default:
      return false;
  }
}

function refused(i: number, field: StateField, value: unknown): SandboxError {
  return fieldError(i, field, expected(field, describe(value)));
}
