/**
 * fast-check generators for the checker: user IDs from a module's pool, states with every edge the wire
 * carries (all four states, null and Unicode status messages, timestamps up to 2^53), and batches that
 * repeat states. Everything is drawn from fast-check's seeded generator, never from the clock, so a seed
 * replays the same run.
 */
import fc from 'fast-check';
import { MAX_TIMESTAMP_MS, PRESENCE_STATES, type UserPresenceState } from '../presence.js';
import type { UserPool } from './config-users.js';

/** Largest batch the checker generates; big enough to mix many users, small enough to shrink quickly. */
export const MAX_BATCH = 16;

/** User IDs: mostly the config's own users, otherwise known or random localparts on the pool's servers. */
export function userIdArbitrary(pool: UserPool): fc.Arbitrary<string> {
  const localpart = fc.oneof(fc.constantFrom(...pool.localparts), fc.stringMatching(/^[a-z0-9._=\-/+]{1,12}$/));
  const generated = fc.tuple(localpart, fc.constantFrom(...pool.servers)).map(([local, server]) => `@${local}:${server}`);
  if (pool.configUsers.length === 0) return generated;
  // The config's users first: fast-check shrinks a oneof towards its first branch, so counterexamples
  // end up naming users the operator recognises.
  return fc.oneof({ arbitrary: fc.constantFrom(...pool.configUsers), weight: 2 }, { arbitrary: generated, weight: 1 });
}

const timestamp = fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 2 ** 32, MAX_TIMESTAMP_MS - 1, MAX_TIMESTAMP_MS));

const statusMsg = fc.option(
  fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom('', 'ünïcödé ✓ 🎉', 'busy\u0000\n')),
  { nil: null },
);

export function stateArbitrary(user: fc.Arbitrary<string>): fc.Arbitrary<UserPresenceState> {
  return fc.record({
    user_id: user,
    state: fc.constantFrom(...PRESENCE_STATES),
    last_active_ts: timestamp,
    last_federation_update_ts: timestamp,
    last_user_sync_ts: timestamp,
    status_msg: statusMsg,
    currently_active: fc.boolean(),
  });
}

/**
 * Non-empty batches, sometimes repeating a state (as an equal copy): equal states are one state, and a
 * module must not route a state differently because it was repeated.
 */
export function batchArbitrary(pool: UserPool, maxLength = MAX_BATCH): fc.Arbitrary<UserPresenceState[]> {
  const states = fc.array(stateArbitrary(userIdArbitrary(pool)), { minLength: 1, maxLength });
  // Repeats as indices modulo the length (not a chain), so both parts shrink independently.
  return fc
    .tuple(states, fc.array(fc.nat(maxLength), { maxLength: 3 }))
    .map(([batch, repeats]) => [...batch, ...repeats.map((i) => ({ ...batch[i % batch.length]! }))]);
}
