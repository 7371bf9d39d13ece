/**
 * Synapse's merge rules (synapse/events/presence_router.py), applied to modules in serving order.
 * A module whose call faulted contributes nothing; the others still count.
 */
import { PRESENCE_ALL_USERS, type InterestedUsers, type UserPresenceState, type UsersForStates } from '../presence.js';
import type { InterestResult, RoutingResult } from '../protocol/envelopes.js';

/** Per-destination set union; a destination given an empty set is kept, as Synapse keeps the key. */
export function mergeRouting(into: UsersForStates, result: RoutingResult, distinct: UserPresenceState[]): void {
  const { destinations, offsets, indices } = result;
  for (let d = 0; d < destinations.length; d++) {
    const destination = destinations[d]!;
    let set = into.get(destination);
    if (set === undefined) into.set(destination, (set = new Set()));
    for (let k = offsets[d]!; k < offsets[d + 1]!; k++) set.add(distinct[indices[k]!]!);
  }
}

/** ALL as soon as one module says ALL (later modules are not consulted, as in Synapse); otherwise the union. */
export function mergeInterest(into: Set<string>, result: InterestResult): InterestedUsers {
  if (result === PRESENCE_ALL_USERS) return PRESENCE_ALL_USERS;
  for (const user of result) into.add(user);
  return into;
}
