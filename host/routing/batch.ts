/**
 * The caller's batch, checked and encoded once for every module. Each state is validated with a message
 * that names it (`states[3].state: ...`). Equal states are one state (Synapse's UserPresenceState is a
 * value), so only distinct states go on the wire and indices map back to the first object given.
 */
import { Packr } from 'msgpackr';
import { describe, inputError } from '../errors.js';
import { MAX_TIMESTAMP_MS, PRESENCE_STATES, type UserPresenceState } from '../presence.js';
import type { WireState } from '../protocol/abi.js';
import { isUserId } from '../userid.js';

const FIELDS = [
  'user_id',
  'state',
  'last_active_ts',
  'last_federation_update_ts',
  'last_user_sync_ts',
  'status_msg',
  'currently_active',
] as const;
const TIMESTAMPS = ['last_active_ts', 'last_federation_update_ts', 'last_user_sync_ts'] as const;

export interface EncodedBatch {
  /** The caller's objects, one per distinct state, in first-seen order: wire index i is distinct[i]. */
  distinct: UserPresenceState[];
  /** The msgpack batch in a SharedArrayBuffer: every module's worker reads the same bytes. */
  bytes: Uint8Array;
}

export function encodeBatch(states: unknown, packr: Packr, maxStates: number): EncodedBatch {
  if (!Array.isArray(states)) throw inputError('states', `expected a list of presence states (got ${describe(states)})`);
  if (states.length > maxStates) {
    throw inputError('states', `${states.length} states exceeds sandbox.max_batch_states (${maxStates})`);
  }
  const distinct: UserPresenceState[] = [];
  const wire: WireState[] = [];
  const seen = new Set<string>();
  states.forEach((state, i) => {
    const tuple = toWire(state, `states[${i}]`);
    const key = valueKey(tuple);
    if (seen.has(key)) return;
    seen.add(key);
    distinct.push(state as UserPresenceState);
    wire.push(tuple);
  });
  const packed = packr.pack(wire);
  const bytes = new Uint8Array(new SharedArrayBuffer(packed.byteLength));
  bytes.set(packed);
  return { distinct, bytes };
}

/**
 * A string equal for equal states and different otherwise, cheaper than JSON.stringify (which was a fifth
 * of a call's time, bench/README.md). Unambiguous: user IDs and states hold no \0, numbers are integers,
 * and the one free-form field, status_msg, comes last but one before a fixed one-character flag.
 */
export function valueKey(s: WireState): string {
  const status = s[5] === null ? '\u0001' : '\u0002' + s[5];
  return `${s[0]}\0${s[1]}\0${s[2]}\0${s[3]}\0${s[4]}\0${status}\0${s[6] ? 1 : 0}`;
}

function toWire(state: unknown, path: string): WireState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw inputError(path, `expected a presence state map (got ${describe(state)})`);
  }
  const s = state as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw inputError(`${path}.${key}`, `unknown field (a state has ${FIELDS.join(', ')})`);
    }
  }
  if (!isUserId(s.user_id)) throw inputError(`${path}.user_id`, `expected a Matrix user ID like @alice:example.com (got ${describe(s.user_id)})`);
  if (!(PRESENCE_STATES as readonly unknown[]).includes(s.state)) {
    throw inputError(`${path}.state`, `expected one of ${PRESENCE_STATES.join(', ')} (got ${describe(s.state)})`);
  }
  for (const field of TIMESTAMPS) {
    const t = s[field];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > MAX_TIMESTAMP_MS) {
      throw inputError(`${path}.${field}`, `expected integer milliseconds from 0 to 2^53 (got ${describe(t)})`);
    }
  }
  if (s.status_msg !== null && typeof s.status_msg !== 'string') {
    throw inputError(`${path}.status_msg`, `expected a string or null (got ${describe(s.status_msg)})`);
  }
  if (typeof s.currently_active !== 'boolean') {
    throw inputError(`${path}.currently_active`, `expected true or false (got ${describe(s.currently_active)})`);
  }
  return [
    s.user_id,
    s.state as string,
    s.last_active_ts as number,
    s.last_federation_update_ts as number,
    s.last_user_sync_ts as number,
    s.status_msg,
    s.currently_active,
  ];
}
