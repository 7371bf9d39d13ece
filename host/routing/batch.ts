/**
 * The caller's batch, checked and encoded once for every module. Each state is validated with a message
 * that names it (`states[3].state: ...`). Equal states are one state (routing/distinct.ts), so only
 * distinct states go on the wire and indices map back to the first object given.
 *
 * This runs on the main thread for every call and every state, so it allocates little per state (the
 * wire tuple, and a map entry in DistinctStates): paths and messages are built only when a state is
 * refused.
 */
import { Packr } from 'msgpackr';
import { clip, describe, inputError, type SandboxError } from '../errors.js';
import type { UserPresenceState } from '../presence.js';
import type { WireState } from '../protocol/abi.js';
import { isUserId, notUserIdMessage } from '../userid.js';
import type { BatchBuffers } from './batch-buffers.js';
import { DistinctStates } from './distinct.js';
import { STATE_FIELDS, type StateField, expected, fieldError, isPresenceState, isStatusMsg, isTimestamp, NOT_UNICODE_TEXT } from './state-fields.js';

export interface EncodedBatch {
  /** The caller's objects, one per distinct state, in first-seen order: wire index i is distinct[i]. */
  distinct: UserPresenceState[];
  /** The msgpack batch in a SharedArrayBuffer: every module's worker reads the same bytes. */
  bytes: Uint8Array;
}

/** `buffers` provides the shared buffer; give `bytes` back to it once every module has answered. */
export function encodeBatch(states: unknown, packr: Packr, maxStates: number, buffers: BatchBuffers): EncodedBatch {
  if (!Array.isArray(states)) throw inputError('states', `expected a list of presence states (got ${describe(states)})`);
  if (states.length > maxStates) {
    throw inputError('states', `${states.length} states exceeds sandbox.max_batch_states (${maxStates})`);
  }
  const distinct: UserPresenceState[] = [];
  const wire: WireState[] = [];
  const seen = new DistinctStates();
  for (let i = 0; i < states.length; i++) {
    const state: unknown = states[i];
    const tuple = toWire(state, i);
    if (!seen.add(tuple)) continue;
    distinct.push(state as UserPresenceState);
    wire.push(tuple);
  }
  const packed = packr.pack(wire);
  const bytes = buffers.acquire(packed.byteLength);
  bytes.set(packed);
  return { distinct, bytes };
}

function toWire(state: unknown, i: number): WireState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw inputError(`states[${i}]`, `expected a presence state map (got ${describe(state)})`);
  }
  const s = state as Record<string, unknown>;
  // for...in rather than Object.keys: no array per state. It also sees inherited enumerable keys, which a
  // state should not have either.
  for (const key in s) {
    if (!isField(key)) throw fieldError(i, clip(key), `unknown field (a state has ${STATE_FIELDS.join(', ')})`);
  }
  const { user_id, state: presence, last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active } = s;
  if (!isUserId(user_id)) throw fieldError(i, 'user_id', notUserIdMessage(user_id));
  if (!isPresenceState(presence)) throw refused(i, 'state', presence);
  if (!isTimestamp(last_active_ts)) throw refused(i, 'last_active_ts', last_active_ts);
  if (!isTimestamp(last_federation_update_ts)) throw refused(i, 'last_federation_update_ts', last_federation_update_ts);
  if (!isTimestamp(last_user_sync_ts)) throw refused(i, 'last_user_sync_ts', last_user_sync_ts);
  // A lone surrogate too: else every module would fault on the caller's input (host/text.ts).
  if (!isStatusMsg(status_msg)) {
    throw typeof status_msg === 'string' ? fieldError(i, 'status_msg', NOT_UNICODE_TEXT) : refused(i, 'status_msg', status_msg);
  }
  if (typeof currently_active !== 'boolean') throw refused(i, 'currently_active', currently_active);
  return [user_id, presence as string, last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active];
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
