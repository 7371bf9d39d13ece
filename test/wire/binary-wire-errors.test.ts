/**
 * The binary wire's errors over real HTTP: each kind of invalid batch is a 400 invalid_input (JSON) that
 * names the path, and is never a module's fault, even when no module runs at all; a module that faults on
 * a valid batch has its share skipped and the answer is still a 200.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, PresenceService, recorder } from '../helpers/host.js';
import { get } from '../helpers/http.js';
import { writeWatFixture } from '../helpers/wat.js';
import { ROUTING_TYPE, encode, postBatch, type Value } from '../helpers/wire.js';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
const quiet = pino({ level: 'silent' });
const raw = (...bytes: number[]): Value => ({ raw: Uint8Array.from(bytes) });
const good = (user = '@bob:example.com'): Value[] => [user, 'online', 1_763_800_000_000, 0, 2 ** 53, 'ça va ✓', true];
const withField = (i: number, value: Value): Value[] => good().map((v, k) => (k === i ? value : v));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** [case, body, path, what the message says] */
const INVALID: [string, Uint8Array, string, string][] = [
  ['an empty body', new Uint8Array(0), 'body', 'empty'],
  ['a map, not an array', encode(raw(0x81, 0xa1, 0x61, 0x01)), 'body', 'expected a msgpack array of presence states (got a map)'],
  ['a string, not an array', encode('states'), 'body', 'expected a msgpack array'],
  ['trailing bytes', concat(encode([good()]), Uint8Array.of(0xc0)), 'body', '1 trailing bytes'],
  ['truncated inside a state', encode([good()]).subarray(0, 20), 'states[0].state', 'truncated'],
  ['an array header promising more states', encode(raw(0x92, ...encode(good()))), 'states[1]', 'truncated'],
  ['a state that is a map', encode([good(), raw(0x80)]), 'states[1]', 'expected a list of the 7 fields'],
  ['a state of 6 fields', encode([good().slice(0, 6)]), 'states[0]', '(got a list of 6)'],
  ['a state of 8 fields', encode([[...good(), null]]), 'states[0]', '(got a list of 8)'],
  ['a user ID that is not one', encode([good('bob')]), 'states[0].user_id', 'expected a Matrix user ID'],
  ['a user ID that is an integer', encode([withField(0, 7)]), 'states[0].user_id', '(got 7)'],
  ['a user ID as bin', encode([withField(0, raw(0xc4, 0x04, 0x40, 0x61, 0x3a, 0x62))]), 'states[0].user_id', 'binary data (bin)'],
  ['a user ID that is not UTF-8', encode([withField(0, raw(0xa6, 0x40, 0xff, 0x3a, 0x62, 0x2e, 0x63))]), 'states[0].user_id', 'not valid UTF-8'],
  ['an unknown state', encode([withField(1, 'away')]), 'states[0].state', 'expected one of online, unavailable, offline'],
  ['a state that is nil', encode([withField(1, null)]), 'states[0].state', '(got null)'],
  ['a negative timestamp', encode([withField(2, -1)]), 'states[0].last_active_ts', '(got -1)'],
  ['a fractional timestamp', encode([withField(3, 1.5)]), 'states[0].last_federation_update_ts', '(got 1.5)'],
  ['a timestamp past 2^53 as uint64', encode([withField(4, raw(0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0x01))]), 'states[0].last_user_sync_ts', '9007199254740993'],
  ['a NaN timestamp', encode([withField(2, NaN)]), 'states[0].last_active_ts', '(got NaN)'],
  ['a float32 timestamp', encode([withField(2, raw(0xca, 0x3f, 0x80, 0, 0))]), 'states[0].last_active_ts', 'float32'],
  ['a timestamp that is a string', encode([withField(2, '1700000000000')]), 'states[0].last_active_ts', '(got "1700000000000")'],
  ['a timestamp as the msgpack timestamp ext', encode([withField(2, raw(0xd6, 0xff, 0, 0, 0, 1))]), 'states[0].last_active_ts', 'extension type (ext)'],
  ['a status_msg that is an integer', encode([withField(5, 5)]), 'states[0].status_msg', 'expected a string or null (got 5)'],
  ['a status_msg as fixext 1', encode([withField(5, raw(0xd4, 0x01, 0x00))]), 'states[0].status_msg', 'extension type (ext)'],
  ['a status_msg as ext 8', encode([withField(5, raw(0xc7, 0x01, 0x05, 0x00))]), 'states[0].status_msg', 'extension type (ext)'],
  ['a status_msg that is not UTF-8', encode([withField(5, raw(0xa2, 0xc3, 0x28))]), 'states[0].status_msg', 'not valid UTF-8'],
  // A lone surrogate written as UTF-8 would spell it (CESU-8): what a JSON \ud83d becomes on this wire.
  ['a status_msg holding a lone surrogate', encode([withField(5, raw(0xa3, 0xed, 0xa0, 0xbd))]), 'states[0].status_msg', 'not valid UTF-8'],
  ['currently_active as 1', encode([withField(6, 1)]), 'states[0].currently_active', 'expected true or false (got 1)'],
  ['currently_active as nil', encode([withField(6, null)]), 'states[0].currently_active', '(got null)'],
  ['the byte msgpack never uses', encode([withField(6, raw(0xc1))]), 'states[0].currently_active', '0xc1'],
  ['a bad state after good ones', encode([good(), good('@a:example.com'), good('@c:example.com').map((v, k) => (k === 6 ? 'yes' : v))]), 'states[2].currently_active', '(got "yes")'],
];

async function startService(dir: string, yaml: string, maxBodyBytes?: number): Promise<PresenceService> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return PresenceService.start({ config: file, port: 0, logger: quiet, ...(maxBodyBytes ? { settings: { max_body_bytes: maxBodyBytes } } : {}) });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wire-errors-'));
  for (const f of ['route_all_to_one', 'trap_in_users_for_states', 'neither_callback']) await writeWatFixture(f, dir);
});

describe('an invalid batch is a 400 that names the path', () => {
  let service: PresenceService;
  beforeAll(async () => {
    service = await PresenceService.start({ config: bundled, port: 0, logger: quiet });
  });
  afterAll(() => service.close());

  for (const [name, body, path, message] of INVALID) {
    it(name, async () => {
      const res = await postBatch(service.url, body);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/json');
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.path).toBe(path);
      expect(res.body.error.message).toContain(`${path}: `);
      expect(res.body.error.message).toContain(message);
    });
  }

  it('none of them counted as a call or a fault of any module', async () => {
    const metrics = (await get(`${service.url}/metrics`)).body as string;
    expect(metrics).not.toMatch(/presence_sandbox_module_calls_total\{[^}]*callback="users_for_states"[^}]*\} [1-9]/);
  });

  it('the media type is matched without case or parameters', async () => {
    const res = await postBatch(service.url, encode([good()]), 'Application/VND.presence-sandbox.batch+MSGPACK; charset=binary');
    expect(res.status).toBe(200);
    expect(res.type).toBe(ROUTING_TYPE);
    // bob is blacklisted by the example router, which still names its receiver (Synapse keeps the key).
    expect(res.body).toEqual({ '@alice:example.com': [0], '@presence_gobbler:example.org': [] });
  });

  it('an empty batch: a destination named with no states is kept, with []', async () => {
    const res = await postBatch(service.url, encode([]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ '@presence_gobbler:example.org': [] });
  });
});

describe('limits, faults and no module running', () => {
  it('more states than sandbox.max_batch_states', async () => {
    const service = await startService(dir, 'modules:\n  - module: ./route_all_to_one.wasm\n    sandbox: { max_batch_states: 2 }\n');
    try {
      expect((await postBatch(service.url, encode([good('@a:b.c'), good('@b:b.c')]))).status).toBe(200);
      const res = await postBatch(service.url, encode([good('@a:b.c'), good('@b:b.c'), good('@c:b.c')]));
      expect(res.status).toBe(400);
      expect(res.body.error.path).toBe('states');
      expect(res.body.error.message).toContain('3 states exceeds sandbox.max_batch_states (2)');
    } finally {
      await service.close();
    }
  });

  it('a body over the cap is refused, naming the body', async () => {
    const service = await startService(dir, 'modules:\n  - module: ./route_all_to_one.wasm\n', 1024);
    try {
      const res = await postBatch(service.url, encode(Array.from({ length: 50 }, (_, i) => good(`@u${i}:example.com`))));
      expect(res.status).toBe(413);
      expect(res.body.error.path).toBe('body');
    } finally {
      await service.close();
    }
  });

  it('a module that faults on a valid batch: 200 without its share', async () => {
    const service = await startService(dir, 'modules:\n  - module: ./route_all_to_one.wasm\n  - module: ./trap_in_users_for_states.wasm\n');
    try {
      const res = await postBatch(service.url, encode([good(), good(), good('@a:example.com')]));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ '@wat:example.com': [0, 2] });
      expect((await get(`${service.url}/metrics`)).body).toContain('outcome="trap"');
    } finally {
      await service.close();
    }
  });

  it('an invalid batch never faults a module, not even one that traps on every batch', async () => {
    const r = recorder();
    const host = await PresenceHost.create({ modules: [{ module: './trap_in_users_for_states.wasm' }], sandbox: { quarantine_after_faults: 1 } }, { baseDir: dir, ...r.options });
    try {
      for (let k = 0; k < 3; k++) await expect(host.getUsersForStatesBatch(encode([withField(1, 'away')]))).rejects.toMatchObject({ code: 'invalid_input', path: 'states[0].state' });
      expect(r.faults).toEqual([]);
      expect(host.stats().modules[0]).toMatchObject({ calls: { users_for_states: 0 }, faults: { users_for_states: {} }, quarantined: false });
      // A valid batch reaches the module, which traps: its share is skipped, and it is quarantined.
      expect(await host.getUsersForStatesBatch(encode([good()]))).toEqual(new Map());
      expect(r.faults.map((f) => f.code)).toEqual(['trap']);
      expect(host.stats().modules[0]!.quarantined).toBe(true);
      // Quarantined, nothing runs: the batch is checked on the main thread, still the caller's error.
      await expect(host.getUsersForStatesBatch(encode([withField(2, -1)]))).rejects.toMatchObject({ code: 'invalid_input', path: 'states[0].last_active_ts' });
      expect(await host.getUsersForStatesBatch(encode([good()]))).toEqual(new Map());
      expect(r.faults).toHaveLength(1);
    } finally {
      await host.close();
    }
  });

  it('no module with callbacks: an invalid batch is still a 400, a valid one routes nothing', async () => {
    const service = await startService(dir, 'modules:\n  - module: ./neither_callback.wasm\n');
    try {
      const bad = await postBatch(service.url, encode([good('nobody')]));
      expect(bad.status).toBe(400);
      expect(bad.body.error.path).toBe('states[0].user_id');
      const ok = await postBatch(service.url, encode([good()]));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({});
    } finally {
      await service.close();
    }
  });

  it('no modules configured: the same', async () => {
    const host = await PresenceHost.create({ modules: [] }, { log: () => {} });
    try {
      await expect(host.getUsersForStatesBatch(encode(raw(0x80)))).rejects.toMatchObject({ code: 'invalid_input', path: 'body' });
      expect(await host.getUsersForStatesBatch(encode([good(), good()]))).toEqual(new Map());
    } finally {
      await host.close();
    }
  });
});
