/** fast-check generators for presence: user IDs on a few servers, states with every edge the wire has. */
import fc from 'fast-check';
import type { UserPresenceState } from '../helpers/host.js';

export const SEED_USERS = [
  '@alice:example.com',
  '@bob:example.com',
  '@charlie:somewhere.org',
  '@presence_gobbler:example.org',
] as const;

export const SERVERS = ['example.com', 'somewhere.org', 'example.org', 'corp.example:8448'] as const;

/** Historical user IDs Synapse still serves (docs/abi.md "User IDs"): every router must take them. */
export const HISTORICAL_USERS = ['@zoë:example.org', '@日本語:example.com', '@a b:somewhere.org'] as const;

export const userId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SEED_USERS),
  fc.constantFrom(...HISTORICAL_USERS),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9._=\-/+]{1,12}$/), fc.constantFrom(...SERVERS))
    .map(([local, server]) => `@${local}:${server}`),
);

const timestamp = fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 2 ** 32, 2 ** 53 - 1, 2 ** 53));

export const presenceState: fc.Arbitrary<UserPresenceState> = fc.record({
  user_id: userId,
  state: fc.constantFrom('online', 'unavailable', 'offline', 'org.matrix.msc3026.busy'),
  last_active_ts: timestamp,
  last_federation_update_ts: timestamp,
  last_user_sync_ts: timestamp,
  status_msg: fc.option(fc.string({ unit: 'binary', maxLength: 24 }), { nil: null }),
  currently_active: fc.boolean(),
});

/** Batches that often repeat a state, since equal states must count once. */
export const batch: fc.Arbitrary<UserPresenceState[]> = fc
  .array(presenceState, { maxLength: 30 })
  .chain((states) =>
    states.length === 0
      ? fc.constant(states)
      : fc.array(fc.nat(states.length - 1), { maxLength: 5 }).map((repeats) => [...states, ...repeats.map((i) => ({ ...states[i]! }))]),
  );

export const exampleConfig = fc.record(
  {
    always_send_to_users: fc.uniqueArray(userId, { maxLength: 4 }),
    blacklisted_users: fc.uniqueArray(userId, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);
