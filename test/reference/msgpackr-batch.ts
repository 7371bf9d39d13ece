/**
 * The batch encoder as it was before routing/batch.ts fused checking and writing: each state checked field
 * by field into a tuple, equal tuples dropped (routing/distinct.ts DistinctStates), then msgpackr's pack of
 * the tuples. Kept as the reference the fused encoder must match byte for byte and error for error.
 */
import { Packr } from 'msgpackr';
import { clip, describe, inputError, type SandboxError } from '../../dist/host/errors.js';
import type { WireState } from '../../dist/host/protocol/abi.js';
import { DistinctStates } from '../../dist/host/routing/distinct.js';
import { STATE_FIELDS, expected, fieldError, isPresenceState, isTimestamp, NOT_UNICODE_TEXT, type StateField } from '../../dist/host/routing/state-fields.js';
import { isUserId, notUserIdMessage } from '../../dist/host/userid.js';

const packr = new Packr({ useRecords: false });

/** The distinct tuples and msgpackr's bytes for them; throws today's error for a bad batch. */
export function referenceEncode(states: unknown, maxStates: number): { distinct: unknown[]; tuples: WireState[]; bytes: Uint8Array } {
  if (!Array.isArray(states)) throw inputError('states', `expected a list of presence states (got ${describe(states)})`);
  if (states.length > maxStates) throw inputError('states', `${states.length} states exceeds sandbox.max_batch_states (${maxStates})`);
  const distinct: unknown[] = [];
  const tuples: WireState[] = [];
  const seen = new DistinctStates();
  states.forEach((state, i) => {
    const tuple = toWire(state, i);
    if (!seen.add(tuple)) return;
    distinct.push(state);
    tuples.push(tuple);
  });
  return { distinct, tuples, bytes: packr.pack(tuples) };
}

/** msgpackr's pack of any value (for projected tuples). */
export const msgpackrPack = (value: unknown): Uint8Array => packr.pack(value);

function toWire(state: unknown, i: number): WireState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw inputError(`states[${i}]`, `expected a presence state map (got ${describe(state)})`);
  }
  const s = state as Record<string, unknown>;
  for (const key in s) {
    if (!(STATE_FIELDS as readonly string[]).includes(key)) throw fieldError(i, clip(key), `unknown field (a state has ${STATE_FIELDS.join(', ')})`);
  }
  const { user_id, state: presence, last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active } = s;
  if (!isUserId(user_id)) throw fieldError(i, 'user_id', notUserIdMessage(user_id));
  if (!isPresenceState(presence)) throw refused(i, 'state', presence);
  if (!isTimestamp(last_active_ts)) throw refused(i, 'last_active_ts', last_active_ts);
  if (!isTimestamp(last_federation_update_ts)) throw refused(i, 'last_federation_update_ts', last_federation_update_ts);
  if (!isTimestamp(last_user_sync_ts)) throw refused(i, 'last_user_sync_ts', last_user_sync_ts);
  const statusOk = status_msg === null || (typeof status_msg === 'string' && status_msg.isWellFormed());
  if (!statusOk) throw typeof status_msg === 'string' ? fieldError(i, 'status_msg', NOT_UNICODE_TEXT) : refused(i, 'status_msg', status_msg);
  if (typeof currently_active !== 'boolean') throw refused(i, 'currently_active', currently_active);
  return [user_id, presence, last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active];
}

function refused(i: number, field: StateField, value: unknown): SandboxError {
  return fieldError(i, field, expected(field, describe(value)));
}
