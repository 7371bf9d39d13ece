/**
 * What a valid presence state is, field by field, and how a refusal reads: the one statement of the rules
 * that both ways in apply, the caller's objects (routing/batch.ts, main thread) and the binary wire's
 * msgpack batch (wire/read-batch.ts, in the worker). Each way finds the field's value its own way; the
 * verdict and the message come from here, so the two wires refuse the same states with the same words.
 */
import { inputError, type SandboxError } from '../errors.js';
import { MAX_TIMESTAMP_MS, PRESENCE_STATES } from '../presence.js';
import { NOT_UNICODE_TEXT } from '../text.js';

/** Synapse's UserPresenceState fields, in Synapse's order: also the order of a state on the wire. */
export const STATE_FIELDS = [
  'user_id',
  'state',
  'last_active_ts',
  'last_federation_update_ts',
  'last_user_sync_ts',
  'status_msg',
  'currently_active',
] as const;
export type StateField = (typeof STATE_FIELDS)[number];

export function isPresenceState(value: unknown): value is string {
  return presenceIndex(value) >= 0;
}

/**
 * The index of `value` in PRESENCE_STATES, or -1. The four states have four lengths: a switch on the length
 * and one comparison, for every state on the main thread, cost less than includes() (a test of every
 * state keeps the two together).
 */
export function presenceIndex(value: unknown): number {
  if (typeof value !== 'string') return -1;
  switch (value.length) {
    case 6:
      return value === 'online' ? 0 : -1;
    case 11:
      return value === 'unavailable' ? 1 : -1;
    case 7:
      return value === 'offline' ? 2 : -1;
    case 23:
      return value === 'org.matrix.msc3026.busy' ? 3 : -1;
    default:
      return -1;
  }
}

export function isTimestamp(t: unknown): t is number {
  return typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= MAX_TIMESTAMP_MS;
}

/**
 * The message for a field whose value is refused; `got` describes the value as the caller sent it
 * (errors.ts `describe` for objects, the msgpack type for the binary wire). Called only on refusal.
 */
export function expected(field: StateField, got: string): string {
  switch (field) {
    case 'user_id':
      return `expected a Matrix user ID like @alice:example.com (got ${got})`;
    case 'state':
      return `expected one of ${PRESENCE_STATES.join(', ')} (got ${got})`;
    case 'status_msg':
      return `expected a string or null (got ${got})`;
    case 'currently_active':
      return `expected true or false (got ${got})`;
    default:
      return `expected integer milliseconds from 0 to 2^53 (got ${got})`;
  }
}

/** The message for a status_msg that is a string but holds a lone surrogate. */
export { NOT_UNICODE_TEXT };

export function fieldError(i: number, field: string, message: string): SandboxError {
  return inputError(`states[${i}].${field}`, message);
}
