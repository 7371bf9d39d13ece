/** Routing as plain data for JSON and msgpack answers (CLI and service): keys sorted, states in input order. */
import type { InterestedUsers, UserPresenceState, UsersForStates } from '../presence.js';

export function routingToObject(routing: UsersForStates, input: readonly unknown[]): Record<string, UserPresenceState[]> {
  // A state object given twice is ordered by its first occurrence, as the service's answer orders it.
  const order = new Map<unknown, number>();
  for (let i = input.length - 1; i >= 0; i--) order.set(input[i], i);
  const out: Record<string, UserPresenceState[]> = {};
  for (const destination of [...routing.keys()].sort()) {
    out[destination] = [...routing.get(destination)!].sort((a, b) => order.get(a)! - order.get(b)!);
  }
  return out;
}

export function interestToJson(users: InterestedUsers): 'ALL' | string[] {
  return users === 'ALL' ? 'ALL' : [...users].sort();
}
