/**
 * Fuel metering (docs/abi.md, "Fuel"): a call that runs out fails with fuel_exhausted at the same count
 * every time, the count of a call depends only on the module, its config and its input (not on the
 * machine's load), it grows linearly with the input a module reads, and the guest cannot reach the
 * counter. Every verdict here is a fuel count or an admission answer; no test waits on a clock.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { admit, callUsersForStates, startCpuHogs, stateTuple } from '../helpers/fuel.js';
import { PresenceHost, recorder, type SandboxError } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fuel-'));
});

/** Generous deadlines: fuel, never the clock, decides every verdict here. */
const BACKSTOP = { call_timeout_ms: 120_000, load_timeout_ms: 120_000, quarantine_after_faults: 1000 };

const users = (n: number, from = 0) => Array.from({ length: n }, (_, i) => stateTuple(`@u${String(from + i).padStart(6, '0')}:example.com`));

describe('a loop that runs out of fuel', () => {
  it('fails with fuel_exhausted, having used the same fuel on every call', async () => {
    const path = await writeWatFixture('fuel_exhausting_loop', dir);
    const admitted = await admit(path, { ...BACKSTOP, max_fuel_per_call: 5_000_000 });
    try {
      const counts: (number | null)[] = [];
      for (let i = 0; i < 5; i++) {
        const outcome = await callUsersForStates(admitted, users(3));
        expect(outcome.ok).toBe(false);
        if (outcome.ok) return;
        expect(outcome.failure.code).toBe('fuel_exhausted');
        expect(outcome.failure.message).toMatch(/sandbox\.max_fuel_per_call/);
        counts.push(outcome.fuelUsed);
      }
      expect(counts[0]).toBeGreaterThan(5_000_000);
      expect(new Set(counts).size).toBe(1);
    } finally {
      await admitted.pool.close();
    }
  });

  it('is reported to the operator as a fault with its code, and the other module still answers', async () => {
    const rec = recorder();
    const host = await PresenceHost.create(
      {
        modules: [{ module: await writeWatFixture('route_all_to_one', dir) }, { module: await writeWatFixture('fuel_exhausting_loop', dir) }],
        sandbox: { ...BACKSTOP, max_fuel_per_call: 1_000_000 },
      },
      { baseDir: dir, ...rec.options },
    );
    try {
      const routing = await host.getUsersForStates([{ user_id: '@a:example.com', state: 'online', last_active_ts: 1, last_federation_update_ts: 2, last_user_sync_ts: 3, status_msg: null, currently_active: true }]);
      expect([...routing.keys()]).toEqual(['@wat:example.com']);
      expect(rec.faults.map((f) => [f.module, f.code])).toEqual([['modules[1] (' + join(dir, 'fuel_exhausting_loop.wasm') + ')', 'fuel_exhausted']]);
    } finally {
      await host.close();
    }
  });

  it('in the start function or init refuses the module at admission, naming max_fuel_init', async () => {
    for (const name of ['start_loops', 'init_loops']) {
      const path = await writeWatFixture(name, dir);
      const refused = await admit(path, { ...BACKSTOP, max_fuel_init: 1_000_000 }).then(
        () => expect.fail(`${name} was admitted`),
        (err: SandboxError) => err,
      );
      expect(refused.reason).toBe('load_failed');
      expect(refused.message).toMatch(/fuel_exhausted: ran out of fuel .*sandbox\.max_fuel_init/);
    }
  });
});

describe('fuel is deterministic', () => {
  it('a module that keeps no state uses exactly the same fuel on 50 runs of one call, on every thread, while CPU hogs run', async () => {
    const admitted = await admit(await writeWatFixture('fuel_by_batch_size', dir), { ...BACKSTOP, threads: 2 });
    const hogs = startCpuHogs(3);
    try {
      const counts = await Promise.all(Array.from({ length: 50 }, () => callUsersForStates(admitted, users(100)).then((o) => o.fuelUsed)));
      expect(new Set(counts).size).toBe(1);
      expect(counts[0]).toBeGreaterThan(100);
    } finally {
      await hogs.stop();
      await admitted.pool.close();
    }
  });

  // A bundled module's instance keeps garbage between calls and collects it every few calls (the SDK's
  // collect.ts): a call's fuel depends on the instance's history as well as its input. The same calls on a
  // fresh instance use the same fuel, call for call, idle or loaded.
  it('a bundled module uses the same fuel, call for call, over 50 runs of one call, idle and while CPU hogs run', async () => {
    const run = async (hogCount: number) => {
      const admitted = await admit('example_presence_router', { ...BACKSTOP, threads: 1 }, {
        always_send_to_users: ['@gobbler:example.org'],
        blacklisted_users: ['@u000003:example.com'],
      });
      const hogs = startCpuHogs(hogCount);
      try {
        const counts: (number | null)[] = [];
        for (let i = 0; i < 50; i++) {
          const outcome = await callUsersForStates(admitted, users(2000));
          expect(outcome.ok).toBe(true);
          counts.push(outcome.fuelUsed);
        }
        return counts;
      } finally {
        await hogs.stop();
        await admitted.pool.close();
      }
    };
    const idle = await run(0);
    const loaded = await run(3);
    expect(loaded).toEqual(idle);
    expect(Math.min(...(idle as number[]))).toBeGreaterThan(2000);
  });

  it('the fuel a module uses grows linearly with the input it reads', async () => {
    const admitted = await admit(await writeWatFixture('fuel_by_batch_size', dir), BACKSTOP);
    try {
      // Batches of 20 to 160 states: one msgpack array header size (array16), IDs of one length.
      const used: number[] = [];
      for (const n of [20, 40, 80, 160]) {
        const outcome = await callUsersForStates(admitted, users(n));
        expect(outcome.ok).toBe(true);
        used.push(outcome.fuelUsed!);
      }
      const perState = (used[1]! - used[0]!) / 20;
      expect(perState).toBeGreaterThan(0);
      expect(used[2]! - used[1]!).toBe(perState * 40);
      expect(used[3]! - used[2]!).toBe(perState * 80);
    } finally {
      await admitted.pool.close();
    }
  });

  it('metering off: no fuel is reported, and the module answers as metered', async () => {
    const metered = await admit('example_presence_router', BACKSTOP);
    const unmetered = await admit('example_presence_router', { ...BACKSTOP, fuel_metering: false });
    try {
      const [a, b] = [await callUsersForStates(metered, users(50)), await callUsersForStates(unmetered, users(50))];
      expect(typeof a.fuelUsed).toBe('number');
      expect(b.fuelUsed).toBeNull();
      expect(b.ok && a.ok && b.value).toEqual(a.ok && a.value);
    } finally {
      await metered.pool.close();
      await unmetered.pool.close();
    }
  });
});

describe('the guest cannot reach the counter', () => {
  const refusal = (path: string, sandbox = {}) =>
    admit(path, { ...BACKSTOP, ...sandbox }).then(
      async (admitted) => {
        await admitted.pool.close();
        return undefined;
      },
      (err: SandboxError) => err,
    );

  for (const name of ['fuel_counter_reach_code', 'fuel_counter_reach_export']) {
    it(`${name}: the counter's global index is refused, metered or not (not_wasm)`, async () => {
      const path = await writeWatFixture(name, dir);
      for (const fuel_metering of [true, false]) {
        const refused = await refusal(path, { fuel_metering });
        expect(refused?.reason).toBe('not_wasm');
      }
    });
  }

  it('a module exporting the counter\'s reserved name is refused when metered, and loads when not', async () => {
    const path = await writeWatFixture('fuel_reserved_export', dir);
    const refused = await refusal(path);
    expect(refused?.reason).toBe('reserved_name');
    expect(refused?.message).toMatch(/presence_sandbox_fuel/);
    expect(await refusal(path, { fuel_metering: false })).toBeUndefined();
  });
});


