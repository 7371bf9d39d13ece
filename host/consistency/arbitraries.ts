/**
 * fast-check generators for the checker: user IDs from a module's pool, states with every edge the wire
 * carries (all four states, null and Unicode status messages, timestamps up to 2^53), and three kinds
 * of batch: small mixed ones, ones where a few users have several states each, and large ones of
 * Synapse's sizes. Everything is drawn from fast-check's seeded generator, never from the clock, so a
 * seed replays the same run.
 */
import fc from 'fast-check';
import { MAX_TIMESTAMP_MS, PRESENCE_STATES, type UserPresenceState } from '../presence.js';
import type { UserPool } from './config-users.js';

/** Largest small batch: big enough to mix many users, small enough to shrink quickly. */
export const MAX_BATCH = 16;

/**
 * Largest large batch. Synapse hands users_for_states every state a presence update or a timeout
 * sweep touched, hundreds at a time on a busy server; a module that only breaks past some count (a
 * fixed-size buffer, a cap) only shows it in batches that big.
 */
export const MAX_LARGE_BATCH = 300;

/** The characters of Matrix's historical-safe localparts. */
const LOCALPART_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._=-/+';

// Strings are built from arrays of numbers: fast-check's stringMatching and binary strings cost about a
// millisecond a value, and a large batch draws hundreds.
const randomLocalpart = fc
  .array(fc.nat(LOCALPART_CHARS.length - 1), { minLength: 1, maxLength: 12 })
  .map((indices) => indices.map((i) => LOCALPART_CHARS[i]).join(''));

/** Any Unicode scalar value: ASCII (control characters included), then the BMP and the astral planes, no surrogates. */
const codePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff }));

/** User IDs: mostly the config's own users, otherwise known or random localparts on the pool's servers. */
export function userIdArbitrary(pool: UserPool): fc.Arbitrary<string> {
  const localpart = fc.oneof(fc.constantFrom(...pool.localparts), randomLocalpart);
  const generated = fc.tuple(localpart, fc.constantFrom(...pool.servers)).map(([local, server]) => `@${local}:${server}`);
  if (pool.configUsers.length === 0) return generated;
  // The config's users first: fast-check shrinks a oneof towards its first branch, so counterexamples
  // end up naming users the operator recognises.
  return fc.oneof({ arbitrary: fc.constantFrom(...pool.configUsers), weight: 2 }, { arbitrary: generated, weight: 1 });
}

const timestamp = fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 2 ** 32, MAX_TIMESTAMP_MS - 1, MAX_TIMESTAMP_MS));

const statusMsg = fc.option(
  fc.oneof(
    fc.array(codePoint, { maxLength: 24 }).map((points) => String.fromCodePoint(...points)),
    fc.constantFrom('', 'ünïcödé ✓ 🎉', 'busy\u0000\n'),
  ),
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

/** Up to 3 equal copies of states already in the batch: equal states are one state to Synapse. */
function withCopies(states: fc.Arbitrary<UserPresenceState[]>, maxIndex: number): fc.Arbitrary<UserPresenceState[]> {
  // Repeats as indices modulo the length (not a chain), so both parts shrink independently.
  return fc
    .tuple(states, fc.array(fc.nat(maxIndex), { maxLength: 3 }))
    .map(([batch, repeats]) => (batch.length === 0 ? batch : [...batch, ...repeats.map((i) => ({ ...batch[i % batch.length]! }))]));
}

/**
 * One to three users with two to four different states each, after a few other states. With a
 * config of a thousand users, two states of one user almost never meet in a random batch; Synapse
 * sends them together whenever a user's presence changes twice before a batch is processed.
 */
function repeatedUsersArbitrary(pool: UserPool): fc.Arbitrary<UserPresenceState[]> {
  const user = userIdArbitrary(pool);
  const severalStates = user.chain((id) => fc.array(stateArbitrary(fc.constant(id)), { minLength: 2, maxLength: 4 }));
  return fc
    .tuple(fc.array(stateArbitrary(user), { maxLength: 6 }), fc.array(severalStates, { minLength: 1, maxLength: 3 }))
    .map(([others, repeated]) => [...others, ...repeated.flat()]);
}

/**
 * Non-empty batches: mostly small mixed ones (shrunk by fast-check), often ones where users have
 * several states, sometimes large ones of up to MAX_LARGE_BATCH states. A large batch is not shrunk by
 * fast-check (each try routes hundreds of states, state by state); the checker's own minimiser cuts
 * it down (host/consistency/minimise.ts).
 */
export function batchArbitrary(pool: UserPool, maxLength = MAX_BATCH): fc.Arbitrary<UserPresenceState[]> {
  const small = withCopies(fc.array(stateArbitrary(userIdArbitrary(pool)), { minLength: 1, maxLength }), maxLength);
  const large = fc.noShrink(
    fc
      .integer({ min: maxLength + 1, max: Math.max(maxLength + 1, MAX_LARGE_BATCH) })
      .chain((length) => fc.array(stateArbitrary(userIdArbitrary(pool)), { minLength: length, maxLength: length })),
  );
  return fc.oneof(
    { arbitrary: small, weight: 6 },
    { arbitrary: repeatedUsersArbitrary(pool), weight: 2 },
    { arbitrary: large, weight: 1 },
  );
}
