/**
 * Deterministic, realistic presence batches and the module configs every question uses. Same seed, same
 * batches, on every machine: four presence states, Unicode status messages, millisecond timestamps past
 * 2^32 (msgpackr writes those as float64, which the guest must accept), users on a handful of servers.
 * Every state in a batch is distinct by value, so "equal states count once" never changes a count and
 * the in-process baselines may use plain identity sets.
 */
import type { UserPresenceState } from '../../host/index.js';

export const BATCH_SIZES = [1, 10, 100, 1000, 10_000] as const;
export const SEED = 0x5eed_2026;

/** mulberry32: a tiny seeded PRNG, good enough to pick users and messages. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVERS = ['example.com', 'example.org', 'somewhere.org', 'matrix.org', 'corp.example:8448'] as const;
const LOCALPARTS = ['alice', 'bob', 'charlie', 'dana', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'zoe'];
const STATES = ['online', 'unavailable', 'offline', 'org.matrix.msc3026.busy'] as const;
const STATUS = [
  null, null, null,
  'In a meeting',
  'On holiday 🏖️ back Monday',
  'Déjeuner — de retour à 14h',
  '会議中です',
  'Работаю из дома',
  '🎧 focus mode',
  'בפגישה',
  'Out sick 🤒',
  '',
] as const;

/** The user population: 20 000 users on five servers (a number suffix keeps localparts ASCII and distinct). */
export const USERS: readonly string[] = Array.from({ length: 20_000 }, (_, i) => {
  const local = LOCALPARTS[i % LOCALPARTS.length]!;
  return `@${local}.${i}:${SERVERS[i % SERVERS.length]}`;
});

/** A batch of `size` distinct states, the same for the same size and seed. */
export function makeBatch(size: number, seed = SEED): UserPresenceState[] {
  const rand = prng(seed ^ size);
  const now = 1_763_800_000_000; // November 2025, in ms: well past 2^32
  const states: UserPresenceState[] = [];
  for (let i = 0; i < size; i++) {
    const state = STATES[Math.floor(rand() * STATES.length)]!;
    const active = now - Math.floor(rand() * 86_400_000);
    states.push({
      user_id: USERS[Math.floor(rand() * USERS.length)]!,
      state,
      // The index keeps every state distinct by value even when a user repeats.
      last_active_ts: active - i,
      last_federation_update_ts: rand() < 0.4 ? 0 : active + Math.floor(rand() * 60_000),
      last_user_sync_ts: active + Math.floor(rand() * 120_000),
      status_msg: STATUS[Math.floor(rand() * STATUS.length)]!,
      currently_active: state === 'online' && rand() < 0.7,
    });
  }
  return states;
}

/** Users who receive everything (example router) and a few blacklisted ones, drawn from the population. */
export const EXAMPLE_CONFIG = {
  always_send_to_users: ['@presence_gobbler:example.org', '@audit:example.com', '@bridge_bot:corp.example:8448'],
  blacklisted_users: [USERS[3]!, USERS[17]!, USERS[4242]!, USERS[19_999]!],
};

function pick(rand: () => number, n: number): string[] {
  return Array.from({ length: n }, () => USERS[Math.floor(rand() * USERS.length)]!);
}

function buildRoutes(): Record<string, string[]> {
  const rand = prng(SEED + 1);
  const routes: Record<string, string[]> = {};
  // 500 receivers with up to 40 senders each, drawn from the whole population.
  for (const receiver of pick(rand, 500)) routes[receiver] = [...new Set(pick(rand, 40))];
  return routes;
}

function buildGroups(): Record<string, string[]> {
  const rand = prng(SEED + 2);
  const groups: Record<string, string[]> = {};
  // 400 teams of up to 25 members drawn from the whole population.
  for (let g = 0; g < 400; g++) groups[`team-${g}`] = [...new Set(pick(rand, 25))];
  return groups;
}

/** Every bundled module with the config the benchmark serves it with. */
export const MODULES = {
  example_presence_router: EXAMPLE_CONFIG,
  custom_presence_router: { routes: buildRoutes() },
  team_groups_router: { groups: buildGroups() },
  server_watch_router: { watchers: ['@helpdesk:corp.example:8448', '@ops:example.org'], server_names: ['corp.example:8448', 'example.org'] },
} as const;

export type ModuleName = keyof typeof MODULES;
export const MODULE_NAMES = Object.keys(MODULES) as ModuleName[];

/** The wire form of a state, as host/routing/batch.ts puts it on the wire (docs/abi.md). */
export function toTuple(s: UserPresenceState): unknown[] {
  return [s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active];
}
