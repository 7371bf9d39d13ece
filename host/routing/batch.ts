/**
 * The caller's batch, checked and encoded once for every module, in one pass per state: each field is
 * checked and, when some module reads it (docs/abi.md "Field projection"), written straight into a reused
 * buffer, in msgpackr's own bytes. Each state is validated with a message that names it
 * (`states[3].state: ...`), built only when a state is refused. Equal states are one state
 * (routing/distinct.ts), so only distinct states go on the wire and indices map back to the first object
 * given.
 *
 * This runs on the main thread for every call and every state, so it allocates nothing per state but a
 * map entry in the dedup (bench question encode_vs_msgpackr).
 */
import { clip, describe, inputError, type SandboxError } from '../errors.js';
import type { UserPresenceState } from '../presence.js';
import { ALL_FIELDS } from '../protocol/abi.js';
import { isUserId, notUserIdMessage } from '../userid.js';
import { projectBatch } from '../wire/project.js';
import type { BatchBuffers } from './batch-buffers.js';
import { DistinctByUser, stateValueKey } from './distinct.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { STATE_FIELDS, type StateField, expected, fieldError, isPresenceState, isTimestamp, NOT_UNICODE_TEXT } from './state-fields.js';
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

/** One per host (hosts share nothing): its scratch buffer is reused from call to call. */
export class BatchEncoder {
  private readonly out = new MsgpackWriter();
  /** The call in progress's distinct states: what the dedup's handles index. */
  private distinct: UserPresenceState[] = [];
  // Handles are indices into `distinct`: a value key is built (from the object) only for a repeated user.
  private readonly seen = new DistinctByUser<number>((k) => stateValueKey(this.distinct[k] as unknown as Record<string, unknown>));

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
    out.at = HEADER_ROOM;
    const distinct: UserPresenceState[] = (this.distinct = []);
    const seen = this.seen;
    seen.clear();
    for (let i = 0; i < states.length; i++) {
      const state: unknown = states[i];
      const start = out.at;
      const userId = this.write(state, i, union);
      distinct.push(state as UserPresenceState);
      if (!seen.add(userId, distinct.length - 1)) {
        distinct.pop();
        out.at = start;
      }
    }
    seen.clear();
    this.distinct = [];
    const end = out.at;
    out.at = 0;
    out.arrayHeader(distinct.length);
    const header = out.at;
    out.bytes.copyWithin(HEADER_ROOM - header, 0, header);
    const full = out.bytes.subarray(HEADER_ROOM - header, end);
    const batches = masks.map((mask) => {
      if (mask === union) {
        const bytes = buffers.acquire(full.byteLength);
        bytes.set(full);
        return bytes;
      }
      // Another module reads fewer fields: its batch is cut from the one just written.
      const bytes = buffers.acquire(full.byteLength);
      return bytes.subarray(0, projectBatch(full, union, mask, bytes));
    });
    return { distinct, batches };
  }

  /** Checks state i, writing the fields in `mask`; returns its user ID. Throws naming the first bad field. */
  private write(state: unknown, i: number, mask: number): string {
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
    const { user_id, state: presence, last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active } = s;
    const out = this.out;
    out.arrayHeader(popcount(mask));
    if (!isUserId(user_id)) throw fieldError(i, 'user_id', notUserIdMessage(user_id));
    out.knownText(user_id);
    if (!isPresenceState(presence)) throw refused(i, 'state', presence);
    if (mask & Bit.STATE) out.knownText(presence);
    if (!isTimestamp(last_active_ts)) throw refused(i, 'last_active_ts', last_active_ts);
    if (mask & Bit.LAST_ACTIVE) out.uint(last_active_ts);
    if (!isTimestamp(last_federation_update_ts)) throw refused(i, 'last_federation_update_ts', last_federation_update_ts);
    if (mask & Bit.LAST_FEDERATION) out.uint(last_federation_update_ts);
    if (!isTimestamp(last_user_sync_ts)) throw refused(i, 'last_user_sync_ts', last_user_sync_ts);
    if (mask & Bit.LAST_SYNC) out.uint(last_user_sync_ts);
    if (status_msg === null) {
      if (mask & Bit.STATUS) out.nil();
    } else if (typeof status_msg !== 'string') {
      throw refused(i, 'status_msg', status_msg);
    } else if (mask & Bit.STATUS ? !out.str(status_msg) : !isUnicodeText(status_msg)) {
      // A lone surrogate: else every module would fault on the caller's input (host/text.ts).
      throw fieldError(i, 'status_msg', NOT_UNICODE_TEXT);
    }
    if (typeof currently_active !== 'boolean') throw refused(i, 'currently_active', currently_active);
    if (mask & Bit.ACTIVE) out.bool(currently_active);
    return user_id;
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

/** Bits set in a 7-bit mask: the fields a projected state holds. */
export function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/** One of STATE_FIELDS: a switch, because a Set lookup per key cost more (a test of every field keeps the two together). */
function isField(key: string): boolean {
  switch (key) {
    case 'user_id':
    case 'state':
    case 'last_active_ts':
    case 'last_federation_update_ts':
    case 'last_user_sync_ts':
    case 'status_msg':
    case 'currently_active':
      return true;
    default:
      return false;
  }
}

function refused(i: number, field: StateField, value: unknown): SandboxError {
  return fieldError(i, field, expected(field, describe(value)));
}
