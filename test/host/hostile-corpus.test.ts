/**
 * The hostile corpus: one module per misbehaviour, each loaded beside a good module. For each: the
 * expected fault code, the good module's answer in every call during and after, and every call resolves.
 * Load-time cases are refused with their reason while a good host in the same process keeps answering.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineState, PresenceHost, PRESENCE_ALL_USERS, recorder, type SandboxError, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';
import { compileAsFixture } from '../helpers/as.js';

const GOOD = '@wat:example.com';
// Generous deadlines: a module that is meant to answer (the good one, and a hostile one whose fault is
// not a timeout) must never miss a deadline because the machine is busy. Modules that never finish run
// out of a small fuel budget (SMALL_FUEL); unmetered, they get a short deadline (NEVER_ENDS), which only
// makes the test quicker: their verdict is a timeout anyway.
const LIMITS = { call_timeout_ms: 30_000, load_timeout_ms: 30_000, max_memory_bytes: 32 * 1024 * 1024, quarantine_after_faults: 1000 };
const NEVER_ENDS = { call_timeout_ms: 300 };
/**
 * A module that never finishes runs out of this much fuel (docs/abi.md, "Fuel") within milliseconds, and
 * a call that answers at once uses a few hundred: the verdict is the count, never the clock.
 */
const SMALL_FUEL = { max_fuel_per_call: 5_000_000 };
/** Unmetered, a module that never finishes meets the wall-clock deadline: the backstop. */
const UNMETERED_NEVER_ENDS = { ...NEVER_ENDS, fuel_metering: false };
/** For a module that loops forever for some users and answers at once for others, unmetered: the quick calls' deadline. */
const QUICK_OR_NEVER = 2000;

const st = (user_id: string): UserPresenceState => onlineState(user_id, { status_msg: 'ok' });
const BATCH = [st('@a:example.com'), st('@slowpoke:example.com'), st('@c:example.org')];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostile-'));
});

async function wat(name: string): Promise<string> {
  return writeWatFixture(name, dir);
}

/** The good module's share, which every call must still contain. */
function expectGoodRouting(routing: Map<string, Set<UserPresenceState>>, batch = BATCH) {
  expect([...(routing.get(GOOD) ?? [])]).toEqual(batch);
}

interface RuntimeCase {
  name: string;
  module: () => Promise<string>;
  callback: 'users_for_states' | 'interested_users';
  code: string;
  /** For interested_users cases: the user to ask (some modules misbehave only for some users). */
  user?: string;
  /** The hostile module's own limits. */
  sandbox?: Record<string, unknown>;
}

const runtimeCases: RuntimeCase[] = [
  { name: 'infinite loop in users_for_states', module: () => wat('loop_in_users_for_states'), callback: 'users_for_states', code: 'fuel_exhausted', sandbox: SMALL_FUEL },
  { name: 'infinite loop in interested_users', module: () => wat('loop_in_interested_users'), callback: 'interested_users', code: 'fuel_exhausted', sandbox: SMALL_FUEL },
  { name: 'infinite loop in users_for_states, unmetered', module: () => wat('loop_in_users_for_states'), callback: 'users_for_states', code: 'timeout', sandbox: UNMETERED_NEVER_ENDS },
  { name: 'infinite loop in interested_users, unmetered', module: () => wat('loop_in_interested_users'), callback: 'interested_users', code: 'timeout', sandbox: UNMETERED_NEVER_ENDS },
  { name: 'memory.grow until refused, (memory 1) with no maximum', module: () => wat('memory_grow_unbounded'), callback: 'users_for_states', code: 'memory_limit' },
  { name: 'allocation bomb through the SDK', module: () => compileAsFixture('alloc_bomb', dir), callback: 'users_for_states', code: 'memory_limit' },
  { name: 'deep recursion', module: () => wat('deep_recursion'), callback: 'users_for_states', code: 'stack_overflow' },
  { name: 'unreachable', module: () => wat('trap_in_users_for_states'), callback: 'users_for_states', code: 'trap' },
  { name: 'result pointer outside memory', module: () => wat('descriptor_out_of_bounds'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'result length of 2^31', module: () => wat('result_length_huge'), callback: 'users_for_states', code: 'output_too_large' },
  { name: 'malformed msgpack', module: () => wat('malformed_msgpack'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'trailing bytes after the answer', module: () => wat('malformed_msgpack'), callback: 'interested_users', code: 'bad_output' },
  { name: 'indices out of range', module: () => wat('bad_index'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'malformed user IDs', module: () => wat('bad_user_id'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'a million destinations', module: () => wat('million_destinations'), callback: 'users_for_states', code: 'output_too_large' },
  { name: 'a slow answer, only for some users', module: () => wat('slow_sometimes'), callback: 'interested_users', code: 'fuel_exhausted', user: '@slowpoke:example.com', sandbox: SMALL_FUEL },
  { name: 'send_local_online_presence_to outside memory', module: () => wat('bad_send'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'a forged "all" for ALL', module: () => wat('forged_all'), callback: 'interested_users', code: 'bad_output' },
  { name: 'a BOM in front of a destination', module: () => wat('bom_prefixed'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'a BOM in front of ALL', module: () => wat('bom_prefixed'), callback: 'interested_users', code: 'bad_output' },
  { name: '16 000 000 repeated indices', module: () => wat('repeated_entries'), callback: 'users_for_states', code: 'output_too_large' },
  { name: 'a log range past the end of memory', module: () => wat('log_length_huge'), callback: 'users_for_states', code: 'bad_output' },
  { name: 'an abort message past the end of memory', module: () => wat('log_length_huge'), callback: 'interested_users', code: 'bad_output' },
];

describe('hostile modules at run time: their share is skipped, the good module keeps answering', () => {
  for (const c of runtimeCases) {
    it(`${c.name} → ${c.code}`, async () => {
      const rec = recorder();
      const host = await PresenceHost.create(
        { modules: [{ module: await wat('route_all_to_one') }, { module: await c.module(), sandbox: c.sandbox ?? {} }], sandbox: LIMITS },
        { baseDir: dir, ...rec.options },
      );
      try {
        const user = c.user ?? '@someone:example.com';
        // During: the hostile call and good-only traffic at once; after: the same again.
        for (let round = 0; round < 2; round++) {
          const hostile = c.callback === 'users_for_states' ? host.getUsersForStates(BATCH) : host.getInterestedUsers(user);
          const alongside = [host.getInterestedUsers(GOOD), host.getUsersForStates([st('@x:example.com')])];
          const answer = await hostile;
          if (c.callback === 'users_for_states') expectGoodRouting(answer as Map<string, Set<UserPresenceState>>);
          else expect(answer).toEqual(new Set());
          const [all, routing] = await Promise.all(alongside);
          expect(all).toBe(PRESENCE_ALL_USERS);
          expect([...(routing as Map<string, Set<UserPresenceState>>).get(GOOD)!].map((s) => s.user_id)).toEqual(['@x:example.com']);
        }
        const faults = rec.faults.filter((f) => f.callback === c.callback && f.module.startsWith('modules[1]'));
        expect(faults.length).toBeGreaterThanOrEqual(2);
        expect(faults.map((f) => f.code)).toEqual(faults.map(() => c.code));
        expect(rec.faults.every((f) => f.module.startsWith('modules[1]'))).toBe(true);
        const stats = host.stats().modules[1]!;
        expect(stats.faults[c.callback][c.code as 'trap']).toBeGreaterThanOrEqual(2);
        // After the faults, the good module still answers alone and correctly.
        expectGoodRouting(await host.getUsersForStates(BATCH));
      } finally {
        await host.close();
      }
    });
  }

  it('a memory maximum of 4 GiB is lowered to the cap: the module loads and serves', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: await wat('memory_max_huge') }], sandbox: LIMITS }, { baseDir: dir, ...rec.options });
    try {
      // The module traps if memory.grow(65535) succeeds, i.e. if its declared maximum were kept.
      expect(await host.getUsersForStates(BATCH)).toEqual(new Map());
      expect(rec.faults).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('a slow-sometimes module still answers the users it is quick for', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: await wat('slow_sometimes') }], sandbox: { ...LIMITS, ...SMALL_FUEL } }, { baseDir: dir, ...rec.options });
    try {
      const answers = await Promise.all([
        host.getInterestedUsers('@slowpoke:example.com'),
        host.getInterestedUsers('@quick:example.com'),
        host.getInterestedUsers('@slowcoach:example.com'),
        host.getInterestedUsers('@fast:example.com'),
      ]);
      expect(answers).toEqual([new Set(), new Set(), new Set(), new Set()]);
      expect(rec.faults.map((f) => f.code)).toEqual(['fuel_exhausted', 'fuel_exhausted']);
      expect(await host.getInterestedUsers('@quick:example.com')).toEqual(new Set());
    } finally {
      await host.close();
    }
  });

  it('the call after a kill is not charged for the replacement thread\'s start', async () => {
    const rec = recorder();
    // Each slow call kills the only thread; the quick call after it waits for the replacement, which is
    // charged to the boot allowance, not to the call's own deadline (generous, so the verdict never
    // depends on the machine's load; the readiness handshake is tested in pre-instantiation tests).
    const host = await PresenceHost.create(
      { modules: [{ module: await wat('slow_sometimes') }], sandbox: { ...LIMITS, threads: 1, call_timeout_ms: QUICK_OR_NEVER, fuel_metering: false } },
      { baseDir: dir, ...rec.options },
    );
    try {
      for (let round = 0; round < 3; round++) {
        expect(await host.getInterestedUsers('@slowpoke:example.com')).toEqual(new Set());
        expect(await host.getInterestedUsers('@quick:example.com')).toEqual(new Set());
      }
      expect(rec.faults.map((f) => f.code)).toEqual(Array(3).fill('timeout'));
    } finally {
      await host.close();
    }
  });

  it('the stack is the host\'s limit: the same recursion traps at max_stack_mb 1 and returns at 32', async () => {
    const rec = recorder();
    const module = await wat('bounded_recursion');
    const host = await PresenceHost.create(
      { modules: [{ module, sandbox: { max_stack_mb: 1 } }, { module, sandbox: { max_stack_mb: 32 } }], sandbox: LIMITS },
      { baseDir: dir, ...rec.options },
    );
    try {
      expect(await host.getUsersForStates(BATCH)).toEqual(new Map());
      expect(rec.faults.map((f) => [f.module.slice(0, 10), f.code])).toEqual([['modules[0]', 'stack_overflow']]);
    } finally {
      await host.close();
    }
  });

  it('send_local_online_presence_to and log reach the operator, with the module name', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: await wat('announce') }], sandbox: LIMITS }, { baseDir: dir, ...rec.options });
    try {
      // init's announcement is delivered once, at admission.
      expect(rec.sends).toEqual([{ users: ['@gob:example.org'], module: 'modules[0] (' + join(dir, 'announce.wasm') + ')' }]);
      await host.getUsersForStates(BATCH);
      expect(rec.sends.slice(1).map((s) => s.users)).toEqual([['@a:example.com', '@b:example.com']]);
      expect(rec.logs.some((l) => l.level === 'warn' && l.message === 'hello from wat' && l.module?.includes('announce'))).toBe(true);
    } finally {
      await host.close();
    }
  });
});

describe('quarantine', () => {
  it('skips a module after repeated faults without running it, and lets it back by itself', async () => {
    const rec = recorder();
    // The host's clock, moved by hand: the quarantine ends when the test says, however busy the machine.
    let clock = 1_000_000;
    const host = await PresenceHost.create(
      {
        modules: [{ module: await wat('route_all_to_one') }, { module: await wat('trap_in_users_for_states') }],
        sandbox: { ...LIMITS, quarantine_after_faults: 3, quarantine_ms: 300, quarantine_max_ms: 1000 },
      },
      { baseDir: dir, ...rec.options, now: () => clock },
    );
    try {
      for (let i = 0; i < 3; i++) expectGoodRouting(await host.getUsersForStates(BATCH));
      expect(rec.faults).toHaveLength(3);
      expect(host.stats().modules[1]!.quarantined).toBe(true);
      // Quarantined: skipped without running, so no new fault, and the good share still arrives.
      for (let i = 0; i < 3; i++) expectGoodRouting(await host.getUsersForStates(BATCH));
      expect(rec.faults).toHaveLength(3);
      expect(host.stats().modules[1]!.skipped).toBe(3);
      // Quarantine is per callback: the module's interested_users, which works, still runs.
      await host.getInterestedUsers('@someone:example.com');
      expect(host.stats().modules[1]!.calls.interested_users).toBe(1);
      expect(rec.logs.some((l) => l.level === 'error' && l.message.includes('quarantined for 300 ms'))).toBe(true);
      // Still quarantined just before the period ends; back by itself once it has.
      clock += 299;
      expectGoodRouting(await host.getUsersForStates(BATCH));
      expect(rec.faults).toHaveLength(3);
      expect(host.stats().modules[1]!.skipped).toBe(4);
      // One more fault on probation quarantines it for twice as long.
      clock += 1;
      expectGoodRouting(await host.getUsersForStates(BATCH));
      expect(rec.faults).toHaveLength(4);
      expect(rec.logs.some((l) => l.message.includes('quarantined for 600 ms'))).toBe(true);
      expect(host.stats().modules[1]!.quarantines).toBe(2);
    } finally {
      await host.close();
    }
  });
});

describe('backpressure', () => {
  it('refuses calls past max_pending_calls at once with overloaded; accepted calls all resolve', async () => {
    const host = await PresenceHost.create(
      { modules: [{ module: await wat('route_all_to_one') }], sandbox: { ...LIMITS, max_pending_calls: 4, threads: 1 } },
      { baseDir: dir },
    );
    try {
      const calls = Array.from({ length: 10 }, () => host.getUsersForStates(BATCH).then(
        (r) => ({ ok: true as const, r }),
        (e: SandboxError) => ({ ok: false as const, e }),
      ));
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.ok)).toHaveLength(4);
      for (const r of results) {
        if (r.ok) expectGoodRouting(r.r);
        else expect(r.e.code).toBe('overloaded');
      }
      expect(host.stats().overloaded).toBe(6);
      expectGoodRouting(await host.getUsersForStates(BATCH));
    } finally {
      await host.close();
    }
  });
});

describe('hostile modules at load time are refused while a good host keeps answering', () => {
  let good: PresenceHost;
  beforeAll(async () => {
    good = await PresenceHost.create({ modules: [{ module: await wat('route_all_to_one') }], sandbox: LIMITS }, { baseDir: dir });
  });
  afterAll(() => good.close());

  const loadCases: [string, string, string, Record<string, unknown>?][] = [
    // Metered: out of fuel, under a generous deadline; unmetered: the deadline, short to keep the test quick.
    ['infinite loop in the start function', 'start_loops', 'load_failed', { max_fuel_init: 5_000_000, load_timeout_ms: 30_000 }],
    ['infinite loop in init', 'init_loops', 'load_failed', { max_fuel_init: 5_000_000, load_timeout_ms: 30_000 }],
    ['infinite loop in the start function, unmetered', 'start_loops', 'load_timeout', { fuel_metering: false }],
    ['infinite loop in init, unmetered', 'init_loops', 'load_timeout', { fuel_metering: false }],
    ['a WASI import', 'wasi_import', 'forbidden_import'],
    ['missing exports', 'missing_exports', 'missing_export'],
    ['one callback only', 'one_callback', 'pairing'],
  ];
  for (const [name, fixture, reason, sandbox] of loadCases) {
    it(`${name} → ${reason}`, async () => {
      const attempt = PresenceHost.create({ modules: [{ module: await wat(fixture) }], sandbox: { load_timeout_ms: 500, ...sandbox } }, { baseDir: dir });
      const during = good.getUsersForStates(BATCH);
      const err = (await attempt.catch((e: SandboxError) => e)) as SandboxError;
      expect(err.code).toBe('module_refused');
      expect(err.reason).toBe(reason);
      if (reason === 'load_failed') expect(err.message).toMatch(/fuel_exhausted: ran out of fuel/);
      expectGoodRouting(await during);
      expectGoodRouting(await good.getUsersForStates(BATCH));
    });
  }
});
