/**
 * Issue 12's admission classes, each contained with its code while a good host in the same process keeps
 * answering: growable resources bounded (tables capped or refused, counts refused past their limit),
 * refused proposals (exception handling, threads), accepted ones (SIMD, tail calls), and the ABI's types
 * (presence_abi_version an immutable i32, exact export signatures).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineState, PresenceHost, PRESENCE_ALL_USERS, RefusalReason, recorder, type SandboxError, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const GOOD = '@wat:example.com';
const st = (user_id: string): UserPresenceState => onlineState(user_id);
const BATCH = [st('@a:example.com'), st('@b:example.org')];

let dir: string;
let good: PresenceHost;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admission-containment-'));
  good = await PresenceHost.create({ modules: [{ module: await wat('route_all_to_one') }] }, { baseDir: dir });
});
afterAll(async () => {
  await good?.close();
  await rm(dir, { recursive: true, force: true });
});

async function wat(name: string): Promise<string> {
  await writeWatFixture(name, dir);
  return `./${name}.wasm`;
}

/** The good host, untouched by whatever was just refused or faulted, answers in full. */
async function expectGoodHostAnswers(): Promise<void> {
  expect([...(await good.getUsersForStates(BATCH)).get(GOOD)!]).toEqual(BATCH);
  expect(await good.getInterestedUsers(GOOD)).toBe(PRESENCE_ALL_USERS);
}

async function refusal(name: string, sandbox: Record<string, number> = {}): Promise<SandboxError> {
  const module = await wat(name);
  // The good host is asked while the other admission runs, and after.
  const during = expectGoodHostAnswers();
  const err = await PresenceHost.create({ modules: [{ module, sandbox }] }, { baseDir: dir }).then(
    async (host) => {
      await host.close();
      throw new Error(`${name} was admitted`);
    },
    (e: SandboxError) => e,
  );
  await during;
  expect(err.code).toBe('module_refused');
  expect(err.message).toContain(`modules[0] (${module}) refused (${err.reason})`);
  await expectGoodHostAnswers();
  return err;
}

describe('refused at load, with a reason that names what is wrong', () => {
  const cases: [fixture: string, reason: string, message: RegExp][] = [
    ['eh_catch_all', RefusalReason.FEATURE_REFUSED, /uses exception handling \(instruction 0x6 at byte \d+\)/],
    ['uses_atomics', RefusalReason.FEATURE_REFUSED, /uses threads \(shared memory, atomics\) \(an atomic instruction at byte \d+\)/],
    ['abi_version_mutable', RefusalReason.ABI_TYPE, /presence_abi_version is a mutable i32 global; the ABI requires an immutable i32/],
    ['abi_version_f64', RefusalReason.ABI_TYPE, /presence_abi_version is an immutable f64 global; the ABI requires an immutable i32/],
    ['callbacks_i64', RefusalReason.ABI_TYPE, /export presence_users_for_states has type \(i64, i64\) -> \(i64\); the ABI requires \(i32, i32\) -> \(i32\)/],
    ['callbacks_f64', RefusalReason.ABI_TYPE, /export presence_users_for_states has type \(f64, f64\) -> \(f64\); the ABI requires \(i32, i32\) -> \(i32\)/],
    ['import_wrong_type', RefusalReason.ABI_TYPE, /import presence\.log has type \(i64, i64, i64\) -> \(\); the ABI requires \(i32, i32, i32\) -> \(\)/],
  ];
  it.each(cases)('%s → %s', async (fixture, reason, message) => {
    const err = await refusal(fixture);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
  });

  const counts: [key: string, count: number, what: string][] = [
    ['max_tables', 3, 'tables'],
    ['max_globals', 4, 'globals'],
    ['max_functions', 6, 'functions'],
    ['max_data_segments', 3, 'data segments'],
    ['max_element_segments', 3, 'element segments'],
  ];
  it.each(counts)('many_declarations with sandbox.%s below its %i → resource_limit', async (key, count, what) => {
    const err = await refusal('many_declarations', { [key]: count - 1 });
    expect(err.reason).toBe(RefusalReason.RESOURCE_LIMIT);
    expect(err.message).toContain(`over the limit of ${count - 1} (sandbox.${key})`);
    expect(err.message).toContain(what);
  });

  it('a table that starts over sandbox.max_table_elements → resource_limit', async () => {
    const err = await refusal('table_max_huge', { max_table_elements: 999 });
    expect(err.reason).toBe(RefusalReason.RESOURCE_LIMIT);
    expect(err.message).toContain('table 0 starts with 1000 elements, over the limit of 999 (sandbox.max_table_elements)');
  });
});

describe('admitted within the limits', () => {
  it('many_declarations at exactly its counts, and under the defaults, loads and answers', async () => {
    const exact = { max_tables: 3, max_globals: 4, max_functions: 6, max_data_segments: 3, max_element_segments: 3 };
    for (const sandbox of [exact, {}]) {
      const host = await PresenceHost.create({ modules: [{ module: await wat('many_declarations'), sandbox }] }, { baseDir: dir });
      try {
        expect(await host.getUsersForStates(BATCH)).toEqual(new Map());
        expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
      } finally {
        await host.close();
      }
    }
  });

  it('SIMD and tail calls are accepted', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: await wat('simd_and_tail_calls') }] }, { baseDir: dir, ...rec.options });
    try {
      expect(await host.getUsersForStates(BATCH)).toEqual(new Map());
      expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
      expect(rec.faults).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('a table maximum of 10 million is lowered to max_table_elements: its grow by 200 000 is refused', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: await wat('table_max_huge') }] }, { baseDir: dir, ...rec.options });
    try {
      // The module traps if table.grow succeeds, i.e. if its declared maximum were kept.
      expect(await host.getUsersForStates(BATCH)).toEqual(new Map());
      expect(rec.faults).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

describe('tables with no maximum, grown in a loop', () => {
  it('stop at the cap: every such call is a trap, the good module keeps its share, the process lives', async () => {
    const rec = recorder();
    const host = await PresenceHost.create(
      { modules: [{ module: await wat('route_all_to_one') }, { module: await wat('table_grow_unbounded') }], sandbox: { quarantine_after_faults: 1000 } },
      { baseDir: dir, ...rec.options },
    );
    try {
      for (let round = 0; round < 3; round++) {
        const [routing, interested] = await Promise.all([host.getUsersForStates(BATCH), host.getInterestedUsers(GOOD)]);
        expect([...routing.get(GOOD)!]).toEqual(BATCH);
        expect(routing.size).toBe(1);
        expect(interested).toBe(PRESENCE_ALL_USERS);
      }
      expect(rec.faults.map((f) => [f.module.slice(0, 10), f.callback, f.code])).toEqual(
        Array(3).fill(['modules[1]', 'users_for_states', 'trap']),
      );
      // The hostile module's other callback still works.
      expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
      await expectGoodHostAnswers();
    } finally {
      await host.close();
    }
  });
});
