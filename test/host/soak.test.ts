/**
 * Soak: hostile and good modules together under concurrent mixed traffic for a bounded time. Zero lost
 * calls, every answer equal to what the good modules alone give (checked against the independent seed
 * implementation), and the host's memory back near where it started.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { PresenceHost, recorder } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';
import { batch, userId } from '../generators/presence.js';
import { canonical, customRouter, exampleRouter, synapse, type Router, type State } from '../reference/synapse-seeds.js';

const SOAK_MS = Number(process.env.SOAK_MS ?? 15_000);
const CONCURRENCY = 16;
// A module meant to answer (a good one, or a hostile one whose fault is not a timeout) never misses a
// deadline because the machine is busy. Of the modules that loop forever, one runs out of a small fuel
// budget, the other is unmetered and gets a short deadline (the wall-clock backstop).
const GENEROUS = { call_timeout_ms: 30_000, load_timeout_ms: 30_000 };
const SMALL_FUEL = { max_fuel_per_call: 5_000_000 };
const NEVER_ENDS = { call_timeout_ms: 200, fuel_metering: false };
const EXAMPLE_CONFIG = { always_send_to_users: ['@gobbler:example.org'], blacklisted_users: ['@alice:example.com'] };

/** route_all_to_one.wat, as the reference sees it. */
const watRouter: Router = {
  getUsersForStates: (states) => new Map([['@wat:example.com', new Map(states.map((s) => [JSON.stringify(s), s]))]]),
  getInterestedUsers: (u) => (u === '@wat:example.com' ? 'ALL' : new Set()),
};

function heapAfterGc(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

it(`soak: ${SOAK_MS} ms of mixed hostile and good calls lose nothing`, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'soak-'));
  const wat = async (name: string) => ({ module: await writeWatFixture(name, dir) });
  const rec = recorder();
  const host = await PresenceHost.create(
    {
      modules: [
        await wat('route_all_to_one'),
        { ...(await wat('loop_in_users_for_states')), sandbox: SMALL_FUEL },
        { module: 'example_presence_router', config: EXAMPLE_CONFIG },
        await wat('memory_grow_unbounded'),
        await wat('trap_in_users_for_states'),
        { module: 'custom_presence_router' },
        { ...(await wat('slow_sometimes')), sandbox: NEVER_ENDS },
        await wat('bad_index'),
      ],
      sandbox: { ...GENEROUS, max_memory_bytes: 16 * 1024 * 1024, threads: 1, quarantine_ms: 500, quarantine_max_ms: 2000 },
    },
    { baseDir: dir, ...rec.options, log: () => {} },
  );
  const reference = synapse([watRouter, exampleRouter(EXAMPLE_CONFIG), customRouter()]);
  const batches = fc.sample(batch, { numRuns: 200, seed: 7 }) as State[][];
  const users = ['@wat:example.com', '@gobbler:example.org', '@alice:example.com', '@slowpoke:example.com', ...fc.sample(userId, { numRuns: 20, seed: 7 })];

  try {
    // Warm up, then take the baseline.
    for (const b of batches.slice(0, 20)) await host.getUsersForStates(b);
    const before = heapAfterGc();

    let started = 0;
    let resolved = 0;
    const wrong: string[] = [];
    const deadline = Date.now() + SOAK_MS;
    async function lane(lane: number): Promise<void> {
      for (let i = lane; Date.now() < deadline; i += CONCURRENCY) {
        started++;
        if (i % 3 === 0) {
          const user = users[i % users.length]!;
          const got = await host.getInterestedUsers(user);
          const want = reference.getInterestedUsers(user);
          if (JSON.stringify(got === 'ALL' ? 'ALL' : [...got].sort()) !== JSON.stringify(want === 'ALL' ? 'ALL' : [...want].sort())) wrong.push(`interested ${user}`);
        } else {
          const b = batches[i % batches.length]!;
          const got = canonical(await host.getUsersForStates(b));
          if (JSON.stringify(got) !== JSON.stringify(canonical(reference.getUsersForStates(b)))) wrong.push(`batch ${i % batches.length}`);
        }
        resolved++;
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, lane_) => lane(lane_)));

    expect(resolved).toBe(started);
    expect(wrong).toEqual([]);
    const codes = new Set(rec.faults.map((f) => f.code));
    for (const code of ['fuel_exhausted', 'timeout', 'memory_limit', 'trap', 'bad_output']) expect(codes).toContain(code);
    const good = host.stats().modules.filter((m) => !/wat\)|loop|memory|trap|slow|bad_index/.test(m.module) || m.module.includes('route_all'));
    for (const m of good) expect(m.faults).toEqual({ users_for_states: {}, interested_users: {} });

    // Replaced workers and their buffers are freed in the background: poll until memory is back within
    // the bounds (for up to 30 s), rather than measure once after a fixed wait.
    let after = heapAfterGc();
    const growthMb = () => ({ heap: (after.heap - before.heap) / 2 ** 20, rss: (after.rss - before.rss) / 2 ** 20 });
    for (let i = 0; i < 300 && !(growthMb().heap < 32 && growthMb().rss < 256); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = heapAfterGc();
    }
    const { heap: heapGrowthMb, rss: rssGrowthMb } = growthMb();
    console.log(`soak: ${resolved} calls, ${rec.faults.length} faults, heap ${heapGrowthMb.toFixed(1)} MiB, rss ${rssGrowthMb.toFixed(1)} MiB`);
    expect(heapGrowthMb).toBeLessThan(32);
    expect(rssGrowthMb).toBeLessThan(256);
  } finally {
    await host.close();
  }
}, SOAK_MS + 240_000);
