/**
 * The per-call report (issue 15, item 4) through `onModuleCall`, on real workers running real Wasm:
 * a report for init and each callback with the bytes and entries of the call, one for each way a call
 * ends (ok, a trap, a timeout, skipped by quarantine), the memory high water of a module that grows its
 * memory, and a throwing onModuleCall that breaks nothing.
 *
 * No verdict depends on a good module's speed: good modules get generous deadlines, the timeout is a
 * module that never returns, and the quarantine's end is an injected clock that never moves.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { onlineState, PresenceHost, PRESENCE_ALL_USERS, recorder, type ModuleCallReport } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const GENEROUS = { call_timeout_ms: 30_000, load_timeout_ms: 30_000, quarantine_after_faults: 1000 };
const PAGE = 64 * 1024;
const packr = new Packr({ useRecords: false });
const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));

const states = (n: number) => Array.from({ length: n }, (_, i) => onlineState(`@u${i}:example.com`));
/** The ABI v1 tuple of each state, as a caller of the binary wire packs it. */
const tuples = (n: number) =>
  states(n).map((s) => [s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active]);
const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'per-call-report-'));
});

/** A host of one WAT fixture that records its reports; closed after `body`. */
async function withFixture(
  fixture: string,
  body: (host: PresenceHost, reports: ModuleCallReport[]) => Promise<void>,
  entry: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
): Promise<void> {
  const reports: ModuleCallReport[] = [];
  const host = await PresenceHost.create(
    { modules: [{ module: await writeWatFixture(fixture, dir), ...entry }], sandbox: GENEROUS },
    { baseDir: dir, log: () => {}, onModuleCall: (r: ModuleCallReport) => reports.push(r), ...options },
  );
  try {
    await body(host, reports);
  } finally {
    await host.close();
  }
}

/** The one report of `callback` after `index` reports, and nothing else since. */
function only(reports: ModuleCallReport[], since: number, callback: ModuleCallReport['callback']): ModuleCallReport {
  const fresh = reports.slice(since);
  expect(fresh.map((r) => r.callback)).toEqual([callback]);
  return fresh[0]!;
}

describe('a report for init and each callback, with the bytes and entries of the call', () => {
  it('init: once at admission, its input the msgpack config', async () => {
    const config = { greeting: 'hello', n: [1, 2, 3] };
    await withFixture(
      'route_all_to_one',
      async (_host, reports) => {
        const init = only(reports, 0, 'init');
        expect(init).toMatchObject({ module: expect.stringContaining('route_all_to_one'), outcome: 'ok', outputBytes: 0, entries: 0 });
        expect(init.fuelUsed).toBeGreaterThan(0);
        expect(init.inputBytes).toBe(packr.pack(config).byteLength);
        expect(init.memoryBytes).toBe(2 * PAGE);
        expect(init.wallMs).toBeGreaterThanOrEqual(0);
        expect(init.durationMs).toBeGreaterThanOrEqual(init.wallMs);
      },
      { config },
    );
  });

  it('users_for_states: output bytes and entries of the answer; the wire call\'s input is the caller\'s batch', async () => {
    await withFixture('route_all_to_one', async (host, reports) => {
      // route_all_to_one answers {"@wat:example.com": [0, ..., n-1]}: an 18-byte head, a fixarray, n fixints.
      for (const n of [1, 3, 9]) {
        const since = reports.length;
        await host.getUsersForStates(states(n));
        const report = only(reports, since, 'users_for_states');
        expect(report).toMatchObject({ outcome: 'ok', outputBytes: 19 + n, entries: 1 + n, memoryBytes: 2 * PAGE });
        expect(report.fuelUsed).toBeGreaterThan(0);
        expect(report.inputBytes).toBeGreaterThan(n * utf8Length('@u0:example.com'));
        expect(report.durationMs).toBeGreaterThanOrEqual(report.wallMs);

        const batch = packr.pack(tuples(n));
        await host.getUsersForStatesBatch(batch);
        const wire = only(reports, since + 1, 'users_for_states');
        expect(wire).toMatchObject({ outcome: 'ok', inputBytes: batch.byteLength, outputBytes: 19 + n, entries: 1 + n });
      }
    });
  });

  it('interested_users: input the user ID\'s UTF-8, "ALL" holds no entries', async () => {
    await withFixture('route_all_to_one', async (host, reports) => {
      let since = reports.length;
      expect(await host.getInterestedUsers('@wat:example.com')).toBe(PRESENCE_ALL_USERS);
      expect(only(reports, since, 'interested_users')).toMatchObject({ outcome: 'ok', inputBytes: 16, outputBytes: 4, entries: 0 });
      since = reports.length;
      await host.getInterestedUsers('@zoë:example.com');
      expect(only(reports, since, 'interested_users')).toMatchObject({ outcome: 'ok', inputBytes: utf8Length('@zoë:example.com'), outputBytes: 1, entries: 0 });
    });
  });

  it('interested_users of a bundled module: one entry per user returned', async () => {
    const reports: ModuleCallReport[] = [];
    const host = await PresenceHost.fromFile(bundled, { log: () => {}, onModuleCall: (r: ModuleCallReport) => reports.push(r) });
    try {
      const users = await host.getInterestedUsers('@alice:example.com');
      const custom = reports.find((r) => r.callback === 'interested_users' && r.module.includes('custom_presence_router'))!;
      expect(custom).toMatchObject({ outcome: 'ok', inputBytes: utf8Length('@alice:example.com'), entries: 2 });
      expect(users).toEqual(new Set(['@bob:example.com', '@charlie:somewhere.org']));
      expect(custom.outputBytes).toBe(packr.pack(['@bob:example.com', '@charlie:somewhere.org']).byteLength);
      // Both modules' init, then both modules' call: one report per module and callback.
      expect(reports.map((r) => r.callback)).toEqual(['init', 'init', 'interested_users', 'interested_users']);
    } finally {
      await host.close();
    }
  });
});

describe('a report for each way a call ends', () => {
  it('a trap: outcome trap, with what the worker measured before it', async () => {
    await withFixture('trap_in_users_for_states', async (host, reports) => {
      const since = reports.length;
      expect(await host.getUsersForStates(states(2))).toEqual(new Map());
      const report = only(reports, since, 'users_for_states');
      expect(report).toMatchObject({ outcome: 'trap', memoryBytes: PAGE, outputBytes: 0, entries: 0 });
      expect(report.fuelUsed).toBeGreaterThan(0);
      expect(report.inputBytes).toBeGreaterThan(0);
    });
  });

  it('a timeout: outcome timeout; the terminated worker measured nothing, so wallMs is the main thread\'s', async () => {
    await withFixture(
      'loop_in_users_for_states',
      async (host, reports) => {
        const since = reports.length;
        await host.getUsersForStates(states(1));
        const report = only(reports, since, 'users_for_states');
        expect(report).toMatchObject({ outcome: 'timeout', fuelUsed: null, memoryBytes: 0, inputBytes: 0, outputBytes: 0, entries: 0 });
        expect(report.wallMs).toBe(report.durationMs);
        expect(report.wallMs).toBeGreaterThanOrEqual(500);
      },
      // A module that never returns: no good call's verdict rests on this short deadline. Unmetered, so
      // the deadline, not fuel, stops it.
      { sandbox: { call_timeout_ms: 500, fuel_metering: false } },
    );
  });

  it('out of fuel: outcome fuel_exhausted, with the fuel used past the budget', async () => {
    await withFixture(
      'fuel_exhausting_loop',
      async (host, reports) => {
        const since = reports.length;
        await host.getUsersForStates(states(1));
        const report = only(reports, since, 'users_for_states');
        expect(report).toMatchObject({ outcome: 'fuel_exhausted', memoryBytes: PAGE, outputBytes: 0, entries: 0 });
        expect(report.fuelUsed).toBeGreaterThan(1_000_000);
        expect(report.inputBytes).toBeGreaterThan(0);
      },
      { sandbox: { max_fuel_per_call: 1_000_000 } },
    );
  });

  it('skipped by quarantine: outcome quarantined, nothing measured', async () => {
    const rec = recorder();
    // The clock never moves: the quarantine lasts for the whole test, whatever the machine's load.
    await withFixture(
      'trap_in_users_for_states',
      async (host, reports) => {
        await host.getUsersForStates(states(1));
        const since = reports.length;
        await host.getUsersForStates(states(1));
        expect(only(reports, since, 'users_for_states')).toEqual({
          module: expect.any(String),
          callback: 'users_for_states',
          outcome: 'quarantined',
          fuelUsed: null,
          wallMs: 0,
          memoryBytes: 0,
          inputBytes: 0,
          outputBytes: 0,
          entries: 0,
          durationMs: 0,
        });
        expect(host.stats().modules[0]!.skipped).toBe(1);
        // interested_users has its own record, and still runs.
        await host.getInterestedUsers('@a:example.com');
        expect(reports.at(-1)).toMatchObject({ callback: 'interested_users', outcome: 'ok' });
      },
      { sandbox: { quarantine_after_faults: 1, quarantine_ms: 60_000 } },
      { log: rec.options.log, now: () => 1_000 },
    );
  });
});

it('fuel: a module whose work grows with its input reports fuel growing linearly with the batch', async () => {
  await withFixture('fuel_by_batch_size', async (host, reports) => {
    const used: number[] = [];
    // States of one encoded size (@u0 .. @u7), so each step adds the same bytes.
    for (const n of [2, 4, 6, 8]) {
      const since = reports.length;
      await host.getUsersForStates(states(n));
      used.push(only(reports, since, 'users_for_states').fuelUsed!);
    }
    const steps = used.slice(1).map((u, i) => u - used[i]!);
    expect(steps[0]).toBeGreaterThan(0);
    expect(new Set(steps).size).toBe(1);
  });
});

it('memory high water: a module that grows its memory with the batch reports (1 + N) pages', async () => {
  await withFixture('memory_grows_with_batch', async (host, reports) => {
    expect(reports[0]).toMatchObject({ callback: 'init', memoryBytes: PAGE });
    // Ascending sizes: whichever thread runs a batch, its instance has grown no further before.
    for (const n of [1, 2, 4, 8, 15]) {
      const since = reports.length;
      await host.getUsersForStates(states(n));
      expect(only(reports, since, 'users_for_states')).toMatchObject({ outcome: 'ok', memoryBytes: (1 + n) * PAGE });
    }
  });
});

it('an onModuleCall that throws is logged and breaks no call', async () => {
  const rec = recorder();
  let thrown = 0;
  const host = await PresenceHost.create(
    { modules: [{ module: await writeWatFixture('route_all_to_one', dir) }], sandbox: GENEROUS },
    {
      baseDir: dir,
      ...rec.options,
      onModuleCall: () => {
        thrown++;
        throw new Error('metrics backend down');
      },
    },
  );
  try {
    expect([...(await host.getUsersForStates(states(2))).get('@wat:example.com')!]).toHaveLength(2);
    expect(await host.getInterestedUsers('@wat:example.com')).toBe(PRESENCE_ALL_USERS);
    expect(thrown).toBe(3);
    const lines = rec.logs.filter((l) => l.message.includes('onModuleCall threw'));
    expect(lines.map((l) => l.level)).toEqual(['error', 'error', 'error']);
    expect(lines[1]!.message).toContain('users_for_states report (the call goes on): Error: metrics backend down');
    expect(rec.faults).toEqual([]);
  } finally {
    await host.close();
  }
});

it('without onModuleCall, interested_users answers as with it: a list, none, ALL; a log still arrives', async () => {
  // A host without reports answers a clean interested_users call with the value alone (envelopes.ts Reply).
  const users = ['@alice:example.com', '@bob:example.com', '@presence_gobbler:example.org', '@zoë:example.com'];
  const answersOf = async (options: Record<string, unknown>) => {
    const host = await PresenceHost.fromFile(bundled, { log: () => {}, ...options });
    try {
      return await Promise.all(users.map((u) => host.getInterestedUsers(u)));
    } finally {
      await host.close();
    }
  };
  const reported = await answersOf({ onModuleCall: () => {} });
  const bare = await answersOf({});
  expect(bare).toEqual(reported);
  expect(bare[0]).toEqual(new Set(['@bob:example.com', '@charlie:somewhere.org']));
  expect(bare[2]).toBe(PRESENCE_ALL_USERS);
  expect(bare[3]).toEqual(new Set());

  const rec = recorder();
  const host = await PresenceHost.create({ modules: [{ module: await writeWatFixture('long_text', dir) }], sandbox: GENEROUS }, { baseDir: dir, ...rec.options });
  try {
    expect(await host.getInterestedUsers('@wat:example.com')).toEqual(new Set());
    expect(rec.logs.filter((l) => l.module !== undefined).map((l) => l.message)).toEqual(['\uFEFFhello']);
  } finally {
    await host.close();
  }
});
