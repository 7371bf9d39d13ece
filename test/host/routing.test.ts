/**
 * Routing through real workers and real Wasm (hand-written WAT modules): the caller's own objects come
 * back, faulting modules' shares are skipped with a code while the others still count, and bad input
 * is refused with a message naming the field.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, PRESENCE_ALL_USERS, recorder, type SandboxError, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const WAT_USER = '@wat:example.com';
// Generous deadlines: no module here is meant to time out, and none may because the machine is busy.
const GENEROUS = { call_timeout_ms: 60_000, load_timeout_ms: 60_000 };

function state(user_id: string, extra: Partial<UserPresenceState> = {}): UserPresenceState {
  return {
    user_id,
    state: 'online',
    last_active_ts: 1_700_000_000_000,
    last_federation_update_ts: 0,
    last_user_sync_ts: 0,
    status_msg: null,
    currently_active: true,
    ...extra,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'routing-'));
});

describe('one good hand-written module', () => {
  let host: PresenceHost;
  beforeAll(async () => {
    host = await PresenceHost.create({ modules: [{ module: await fixtureFile('route_all_to_one') }], sandbox: GENEROUS }, { baseDir: dir });
  });
  afterAll(() => host.close());

  it('routes the caller\'s own objects, with unicode status messages and timestamps near 2^53', async () => {
    const states = [
      state('@a:example.com', { status_msg: 'en réunion 🎉 — 会議中', last_active_ts: 2 ** 53, last_user_sync_ts: 2 ** 53 - 1 }),
      state('@b:example.org', { status_msg: '\u{1F600}'.repeat(100), state: 'org.matrix.msc3026.busy', last_federation_update_ts: 2 ** 32 + 1 }),
      state('@c:[::1]:8448', { state: 'unavailable', currently_active: false }),
    ];
    const routing = await host.getUsersForStates(states);
    expect([...routing.keys()]).toEqual([WAT_USER]);
    const routed = [...routing.get(WAT_USER)!];
    expect(routed).toHaveLength(3);
    routed.forEach((s, i) => expect(s).toBe(states[i]));
  });

  it('treats equal states as one state, keeping the first object', async () => {
    const first = state('@a:example.com');
    const routing = await host.getUsersForStates([first, { ...first }, state('@a:example.com', { state: 'offline' })]);
    const routed = [...routing.get(WAT_USER)!];
    expect(routed).toHaveLength(2);
    expect(routed[0]).toBe(first);
  });

  it('gives concurrent calls each their own batch back (batch buffers are reused between calls)', async () => {
    const batches = Array.from({ length: 40 }, (_, call) =>
      Array.from({ length: 1 + (call % 7) * 50 }, (_, i) => state(`@c${call}_${i}:example.com`, { last_active_ts: call })));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(batches.map((batch) => host.getUsersForStates(batch)));
      answers.forEach((routing, call) => expect([...routing.get(WAT_USER)!]).toEqual(batches[call]));
    }
  });

  it('answers the empty batch (the module keeps its destination with an empty set)', async () => {
    expect(await host.getUsersForStates([])).toEqual(new Map([[WAT_USER, new Set()]]));
  });

  it('routes a 100 000-state batch', async () => {
    const states = Array.from({ length: 100_000 }, (_, i) => state(`@user${i}:example.com`, { last_active_ts: i }));
    const routing = await host.getUsersForStates(states);
    const routed = routing.get(WAT_USER)!;
    expect(routed.size).toBe(100_000);
    expect(routed.has(states[99_999]!)).toBe(true);
  });

  it('answers interested_users', async () => {
    expect(await host.getInterestedUsers(WAT_USER)).toBe(PRESENCE_ALL_USERS);
    expect(await host.getInterestedUsers('@someone:example.com')).toEqual(new Set());
  });

  describe('refuses bad input, naming the field', () => {
    const cases: [string, unknown, string][] = [
      ['not a list', { states: [] }, 'states: expected a list'],
      ['a state that is not a map', [42], 'states[0]: expected a presence state map'],
      ['a state without user_id', [{ ...state('@a:b.c'), user_id: undefined }], 'states[0].user_id: expected a Matrix user ID'],
      ['a user ID that is not one', [state('@a:b.c'), state('alice')], 'states[1].user_id: expected a Matrix user ID'],
      ['an unknown state', [state('@a:b.c', { state: 'away' as never })], 'states[0].state: expected one of online, unavailable, offline, org.matrix.msc3026.busy'],
      ['a timestamp past 2^53', [state('@a:b.c', { last_active_ts: 2 ** 53 + 2 })], 'states[0].last_active_ts: expected integer milliseconds'],
      ['a fractional timestamp', [state('@a:b.c', { last_user_sync_ts: 1.5 })], 'states[0].last_user_sync_ts'],
      ['a status_msg that is not a string', [state('@a:b.c', { status_msg: 7 as never })], 'states[0].status_msg: expected a string or null'],
      ['a status_msg with a lone surrogate', [state('@a:b.c'), state('@b:b.c', { status_msg: '\udc00 ok' })], 'states[1].status_msg: expected Unicode text'],
      ['an unknown field', [{ ...state('@a:b.c'), state_key: '@a:b.c' }], 'states[0].state_key: unknown field'],
    ];
    for (const [name, input, message] of cases) {
      it(name, async () => {
        const err = await host.getUsersForStates(input as UserPresenceState[]).catch((e: SandboxError) => e);
        expect((err as SandboxError).code).toBe('invalid_input');
        expect((err as SandboxError).message).toContain(message);
      });
    }
    it('an interested_users user ID that is not one', async () => {
      const err = await host.getInterestedUsers('alice').catch((e: SandboxError) => e);
      expect((err as SandboxError).code).toBe('invalid_input');
      expect((err as SandboxError).message).toContain('user_id: expected a Matrix user ID');
    });
  });
});

describe('faulting modules lose only their share', () => {
  const hostile: [string, string, string][] = [
    ['trap_in_users_for_states', 'trap', 'unreachable'],
    ['bad_index', 'bad_output', 'out of range'],
    ['bad_user_id', 'bad_output', 'is not a Matrix user ID'],
    ['malformed_msgpack', 'bad_output', 'truncated'],
    ['descriptor_out_of_bounds', 'bad_output', 'outside memory'],
    ['result_length_huge', 'output_too_large', 'exceeds the cap'],
  ];
  let host: PresenceHost;
  let rec: ReturnType<typeof recorder>;
  beforeAll(async () => {
    const modules = [{ module: await fixtureFile('route_all_to_one') }];
    for (const [name] of hostile) modules.push({ module: await fixtureFile(name) });
    rec = recorder();
    host = await PresenceHost.create({ modules, sandbox: GENEROUS }, { baseDir: dir, ...rec.options });
  });
  afterAll(() => host.close());

  it('users_for_states resolves with the good module\'s routing and one fault per bad module', async () => {
    const states = [state('@a:example.com'), state('@b:example.com')];
    for (let round = 0; round < 3; round++) {
      rec.faults.length = 0;
      const routing = await host.getUsersForStates(states);
      expect([...routing.keys()]).toEqual([WAT_USER]);
      expect([...routing.get(WAT_USER)!]).toEqual(states);
      for (const [name, code, text] of hostile) {
        const fault = rec.faults.find((f) => f.module === `modules[${hostile.findIndex(([n]) => n === name) + 1}] (./${name}.wasm)`);
        expect(fault, name).toBeDefined();
        expect(fault!.code, name).toBe(code);
        expect(fault!.message, name).toContain(text);
        expect(fault!.callback).toBe('users_for_states');
      }
    }
  });

  it('interested_users skips faulting modules and still unions the rest', async () => {
    rec.faults.length = 0;
    expect(await host.getInterestedUsers('@nobody:example.com')).toEqual(new Set());
    expect(rec.faults.map((f) => f.code).sort()).toEqual(['bad_output', 'bad_output', 'bad_output', 'output_too_large']);
  });

  it('logs each fault with the module name', () => {
    expect(rec.logs.some((l) => l.level === 'warn' && l.module?.includes('trap_in_users_for_states') && l.message.includes('skipped (trap)'))).toBe(true);
  });
});

describe('merge rules', () => {
  it('returns ALL as soon as one module does, ignoring later modules', async () => {
    const rec = recorder();
    const host = await PresenceHost.create(
      { modules: [{ module: await fixtureFile('route_all_to_one') }, { module: await fixtureFile('bad_user_id') }], sandbox: GENEROUS },
      { baseDir: dir, ...rec.options },
    );
    try {
      expect(await host.getInterestedUsers(WAT_USER)).toBe(PRESENCE_ALL_USERS);
      // bad_user_id answers garbage, but Synapse would never have asked it: no fault is reported.
      expect(rec.faults).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

describe('close', () => {
  it('finishes calls in flight, then refuses new ones with host_closed', async () => {
    const host = await PresenceHost.create({ modules: [{ module: await fixtureFile('route_all_to_one') }], sandbox: GENEROUS }, { baseDir: dir });
    const pending = host.getUsersForStates([state('@a:example.com')]);
    const closing = host.close();
    expect((await pending).get(WAT_USER)!.size).toBe(1);
    await closing;
    const err = await host.getInterestedUsers(WAT_USER).catch((e: SandboxError) => e);
    expect((err as SandboxError).code).toBe('host_closed');
  });
});

async function fixtureFile(name: string): Promise<string> {
  await writeWatFixture(name, dir);
  return `./${name}.wasm`;
}
