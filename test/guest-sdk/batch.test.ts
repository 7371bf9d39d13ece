// guest-sdk/wire.ts and presence.ts: the batch as a router sees it. The state is one of PresenceState's
// constants, status_msg is validated at decode but decoded on first read, and a state stays readable for
// as long as the router keeps it, even after its batch's input has been released and reused.

import { Packr } from 'msgpackr';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instantiateGuest, state } from './abi.js';
import { compileHarness } from './compile.js';
import { type Harness, hex, loadHarness } from './harness.js';

const packr = new Packr({ useRecords: false });
const STATES = ['online', 'unavailable', 'offline', 'org.matrix.msc3026.busy'];
let batch: Harness;

/** What the harness's router reports for a state, from the state's seven wire fields and its index. */
function seen(fields: unknown[], index: number): Record<string, unknown> {
  const [userId, presence, lastActiveTs, lastFederationUpdateTs, lastUserSyncTs, statusMsg, currentlyActive] = fields;
  return {
    userId, state: presence, constant: true, lastActiveTs, lastFederationUpdateTs, lastUserSyncTs, statusMsg,
    currentlyActive, index,
  };
}

function route(states: unknown[][], how = 'describe'): unknown {
  return JSON.parse(batch.str('route', packr.pack(states), how));
}

describe('the batch as a router sees it', () => {
  beforeEach(async () => {
    batch = await loadHarness('batch');
    batch.call('init');
  });

  it('decodes every field, with status messages absent, empty, accented, CJK and emoji', () => {
    const states = [
      ['@a:x.org', 'online', 0, 2 ** 32 + 1, 2 ** 53, null, true],
      ['@b:x.org', 'offline', 1_700_000_000_000, 0, 7, '', false],
      state('@c:y.org', 'unavailable', 'Déjeuner — de retour à 14h'),
      state('@d:y.org', 'org.matrix.msc3026.busy', '会議中です'),
      state('@e:[::1]:8448', 'online', 'On holiday 🏖️ back Monday 👩‍👩‍👧'),
      state('@f:x.org', 'online', 'x'.repeat(70_000)),
    ];
    expect(route(states)).toEqual(states.map(seen));
  });

  it('gives each of the four states as the PresenceState constant itself, however the str is encoded', () => {
    expect(route(STATES.map((s) => state('@a:x.org', s)))).toEqual(STATES.map((s, i) => seen(state('@a:x.org', s), i)));
    // "online" as a str8 rather than a fixstr: unusual, but valid msgpack.
    const [head, tail] = split(state('@a:x.org', 'online'), 'online');
    const bytes = Uint8Array.from([...head, 0xd9, 6, ...Buffer.from('online'), ...tail]);
    expect(JSON.parse(batch.str('route', bytes, 'describe'))).toEqual([seen(state('@a:x.org', 'online'), 0)]);
  });

  it('decodes status_msg on its first read, from the input, and keeps what it read', () => {
    // The router rewrites "x" to "y" in the input before its first read and "y" to "z" before its second.
    expect(route([state('@a:y.org', 'online', 'x marks the spot 🎉')], 'lazy'))
      .toEqual(['y marks the spot 🎉', 'y marks the spot 🎉']);
  });

  it("keeps a state's status_msg readable across calls, after its batch's input is released and reused", () => {
    const first = [
      state('@a:x.org', 'online', 'héllo 🎉 first batch'),
      state('@b:x.org', 'offline'),
      state('@c:x.org', 'unavailable', '会議中です first'),
    ];
    const second = [
      state('@a:x.org', 'online', 'HÉLLO 🎊 other batch'),
      state('@b:x.org', 'offline'),
      state('@c:x.org', 'unavailable', '作業中です other'),
    ];
    // Same length, so that a freed input's block would be the next input's.
    expect(packr.pack(second).length).toBe(packr.pack(first).length);
    batch.call('route', packr.pack(first), 'keep');
    for (let i = 0; i < 3; i++) {
      batch.call('collect');
      expect(route(second)).toEqual(second.map(seen));
    }
    batch.call('collect');
    expect(JSON.parse(batch.str('keptStates'))).toEqual(first.map(seen));
  });

  it('leaves the status message of a state the module builds itself as given', () => {
    expect(JSON.parse(batch.str('builtStates'))).toEqual([
      { ...seen(['@u:x', 'online', 1, 2, 3, 'héllo 🎉', true], -1) },
      { ...seen(['@v:x', 'offline', 4, 5, 6, null, false], -1) },
    ]);
  });
});

describe('a malformed batch still traps at decode, with the byte offset', () => {
  // A fresh instance for every call: the host discards an instance after a trap.
  let wasm: Uint8Array<ArrayBuffer>;

  beforeAll(async () => {
    wasm = await compileHarness('batch');
  });

  /** presence_users_for_states with raw bytes, through the ABI as docs/abi.md states it. */
  async function usersForStates(bytes: Uint8Array): Promise<() => unknown> {
    const g = await instantiateGuest(wasm);
    expect(g.init({})).toBeNull();
    return () => g.usersForStatesRaw(bytes);
  }

  it('refuses malformed UTF-8 in status_msg at the byte, though nothing reads it', async () => {
    const [head, tail] = split(state('@a:x.org', 'online', 'ok ?'), 'ok ?');
    const bytes = Uint8Array.from([...head, 0xa4, 0x6f, 0x6b, 0x20, 0xff, ...tail]);
    await expect(usersForStates(bytes).then((call) => call())).rejects.toThrow(
      `malformed batch: invalid UTF-8 in string at byte ${head.length + 4}`,
    );
  });

  it('refuses a status_msg that is neither a str nor nil', async () => {
    const [head, tail] = split(state('@a:x.org', 'online', 'ok'), 'ok');
    const bytes = Uint8Array.from([...head, 0x01, ...tail]);
    await expect(usersForStates(bytes).then((call) => call())).rejects.toThrow(
      `expected a string or nil status_msg at byte ${head.length}`,
    );
  });

  it.each([
    ['away', 'unknown presence state at byte 11'],
    ['Online', 'unknown presence state at byte 11'],
    ['online ', 'unknown presence state at byte 11'],
    ['', 'unknown presence state at byte 11'],
    ['org.matrix.msc3026.bus', 'unknown presence state at byte 11'],
  ])('refuses the state %j', async (presence, message) => {
    await expect(usersForStates(packr.pack([state('@a:x.org', presence)])).then((call) => call())).rejects.toThrow(message);
  });

  it('refuses a state that is not a str, or not UTF-8, as reading it as a string would', async () => {
    const [head, tail] = split(state('@a:x.org', 'online'), 'online');
    const notStr = Uint8Array.from([...head, 0x01, ...tail]);
    await expect(usersForStates(notStr).then((call) => call())).rejects.toThrow('expected a string at byte 11');
    const badUtf8 = Uint8Array.from([...head, 0xa6, 0x6f, 0x6e, 0xc0, 0x80, 0x6e, 0x65, ...tail]);
    await expect(usersForStates(badUtf8).then((call) => call())).rejects.toThrow('invalid UTF-8 in string at byte 14');
  });

  it('refuses a state of fewer fields, and hints at presence_fields without @global', async () => {
    await expect(usersForStates(packr.pack([['@a:x.org']])).then((call) => call())).rejects.toThrow(
      'expected a state array of 7 elements (if the module exports presence_fields, declare it @global export const'
      + ' so that the SDK sees it) at byte 1',
    );
    await expect(usersForStates(packr.pack([[...state('@a:x.org'), 1]])).then((call) => call()))
      .rejects.toThrow('malformed batch: expected a state array of 7 elements at byte 1');
  });

  it('refuses every proper prefix of a batch, and trailing bytes', async () => {
    const whole = packr.pack([state('@a:x.org', 'online', 'héllo 🎉'), state('@b:x.org', 'offline')]);
    for (let n = 1; n < whole.length; n++) {
      await expect(usersForStates(whole.subarray(0, n)).then((call) => call()), `prefix of ${n}`)
        .rejects.toThrow(/malformed batch: truncated input at byte \d+/);
    }
    await expect(usersForStates(Uint8Array.from([...whole, 0xc0])).then((call) => call()))
      .rejects.toThrow(`trailing bytes at byte ${whole.length}`);
    await expect(usersForStates(hex('91 97')).then((call) => call())).rejects.toThrow('truncated input at byte 1');
  });
});

describe('the input', () => {
  it('must be the buffer presence_alloc handed out for this call, within its size', async () => {
    const wasm = await compileHarness('batch');
    const bytes = packr.pack([state('@a:x.org')]);
    const ex = async () => {
      const g = await instantiateGuest(wasm);
      expect(g.init({})).toBeNull();
      const e = g.exports as unknown as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
      const ptr = e.presence_alloc!(bytes.length);
      new Uint8Array(e.memory.buffer, ptr, bytes.length).set(bytes);
      return { e, ptr };
    };
    const message = 'callback input is not the buffer presence_alloc returned last';
    let { e, ptr } = await ex();
    expect(() => e.presence_users_for_states!(ptr + 1, bytes.length - 1)).toThrow(message);
    ({ e, ptr } = await ex());
    expect(() => e.presence_users_for_states!(ptr, bytes.length + 1)).toThrow(message);
    ({ e, ptr } = await ex());
    e.presence_users_for_states!(ptr, bytes.length);
    expect(() => e.presence_users_for_states!(ptr, bytes.length)).toThrow(message); // already taken
  });
});

/** The packed one-state batch around the str `value`: the bytes before its header, and after it. */
function split(fields: unknown[], value: string): [Uint8Array, Uint8Array] {
  const whole = Buffer.from(packr.pack([fields]));
  const str = Buffer.from(packr.pack(value));
  const at = whole.indexOf(str);
  expect(at).toBeGreaterThan(0);
  return [whole.subarray(0, at), whole.subarray(at + str.length)];
}
