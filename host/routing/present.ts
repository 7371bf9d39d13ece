/** Routing as plain data for JSON and msgpack answers (CLI and service): keys sorted, states in input order. */
import type { InterestedUsers, UserPresenceState, UsersForStates } from '../presence.js';

export function routingToObject(routing: UsersForStates, input: readonly unknown[]): Record<string, UserPresenceState[]> {
  const order = new Map(input.map((s, i) => [s, i]));
  const out: Record<string, UserPresenceState[]> = {};
  for (const destination of [...routing.keys()].sort()) {
    out[destination] = [...routing.get(destination)!].sort((a, b) => order.get(a)! - order.get(b)!);
  }
  return out;
}

export function interestToJson(users: InterestedUsers): 'ALL' | string[] {
  return users === 'ALL' ? 'ALL' : [...users].sort();
}
