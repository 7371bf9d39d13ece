/**
 * A worker's Reply as the Outcome the main thread works with: a bare value (a clean interested_users
 * call, envelopes.ts) is an ok outcome with nothing else to deliver. Built here, on the receiving side,
 * because a few fields written on the main thread cost far less than cloning them across the thread.
 */
import type { Outcome, Reply } from './envelopes.js';

export function outcomeOf<T>(reply: Reply<T>): Outcome<T> {
  if (typeof reply === 'string' || Array.isArray(reply)) return { ok: true, value: reply as T, logs: [], sends: [], fuelUsed: null };
  return reply as Outcome<T>;
}
