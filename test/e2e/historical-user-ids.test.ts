/**
 * Issue 12 item 9: a historical user ID that Synapse serves (`@zoë:example.org`, a non-ASCII localpart)
 * routes end to end: in a batch, as an interested_users argument, in a bundled module's config
 * (example_presence_router's always_send_to_users) and so in the module's result, through the library
 * API and the JSON and msgpack HTTP API. Malformed user IDs are still refused, naming the field and why.
 * Real workers, the bundled Wasm, real HTTP; the expected routing comes from test/reference.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, PresenceService, PRESENCE_ALL_USERS, RefusalReason, recorder, type SandboxError } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { canonical, exampleRouter, synapse, type State } from '../reference/synapse-seeds.js';
import { EXAMPLE_ROUTERS } from '../helpers/rust-module.js';

const ZOE = '@zoë:example.org';
const CONFIG = {
  always_send_to_users: [ZOE, '@presence_gobbler:example.org'],
  blacklisted_users: ['@ünïcödé:example.com', '@alice:example.com'],
};
const reference = synapse([exampleRouter(CONFIG)]);
/** One thread, and deadlines no busy machine makes the example router miss. */
const SANDBOX = { threads: 1, call_timeout_ms: 60_000, load_timeout_ms: 60_000 };

const st = (user_id: string, extra: Partial<State> = {}): State => ({
  user_id,
  state: 'online',
  last_active_ts: 1_700_000_000_000,
  last_federation_update_ts: 0,
  last_user_sync_ts: 0,
  status_msg: null,
  currently_active: true,
  ...extra,
});

/** Historical user IDs a homeserver may send, and ordinary ones, in one batch. */
const BATCH = [
  st(ZOE), st('@日本語:example.org', { status_msg: 'ça va' }), st('@ünïcödé:example.com'), st('@bob:example.com'),
  st('@\u{1F600} x:[2001:db8::1]:8448', { state: 'unavailable' }), st(`@${'é'.repeat(120)}:example.org`),
];

/** One of each kind of malformed user ID, with what the refusal must say. */
const BAD: Array<[string, string, string]> = [
  ['a NUL', '@zo\u0000ë:example.org', 'U+0000'],
  ['a lone surrogate', '@zo\ud800:example.org', 'lone UTF-16 surrogate'],
  ['more than 255 bytes of UTF-8', `@${'ë'.repeat(127)}:x.org`, 'longer than 255 bytes'], // 133 characters, 261 bytes
  ['an empty localpart', '@:example.org', 'the localpart is empty'],
  ['a bad server name', '@zoë:exa_mple.org', 'server name'],
  ['a non-ASCII server name', '@zoë:zoë.org', 'server name'],
];

// The example router in both languages: the Rust twin checks its config's user IDs with its own grammar.
describe.each(EXAMPLE_ROUTERS)('a historical user ID through the library API (%s)', (example) => {
  let host: PresenceHost;
  const rec = recorder();
  beforeAll(async () => {
    host = await PresenceHost.create({ modules: [{ module: example, config: CONFIG }], sandbox: SANDBOX }, rec.options);
  });
  afterAll(() => host.close());

  it('routes a batch with non-ASCII localparts, to a destination named in the module config', async () => {
    const routing = await host.getUsersForStates(BATCH);
    expect(canonical(routing)).toEqual(canonical(reference.getUsersForStates(BATCH)));
    expect([...routing.get(ZOE)!]).toContain(BATCH[0]);
    expect(rec.faults).toEqual([]);
  });

  it('answers interested_users for a historical user ID', async () => {
    expect(await host.getInterestedUsers(ZOE)).toBe(PRESENCE_ALL_USERS);
    expect(await host.getInterestedUsers('@日本語:example.org')).toEqual(new Set());
  });

  it.each(BAD)('refuses a state whose user ID has %s, naming the field', async (_, id, why) => {
    const err = await host.getUsersForStates([st(ZOE), st(id)]).catch((e: SandboxError) => e);
    expect((err as SandboxError).code).toBe('invalid_input');
    expect((err as SandboxError).path).toBe('states[1].user_id');
    expect((err as SandboxError).message).toContain(why);
  });

  it.each(BAD)('refuses an interested_users user ID with %s', async (_, id, why) => {
    const err = await host.getInterestedUsers(id).catch((e: SandboxError) => e);
    expect((err as SandboxError).code).toBe('invalid_input');
    expect((err as SandboxError).path).toBe('user_id');
    expect((err as SandboxError).message).toContain(why);
  });

  it('still answers after the refusals', async () => {
    expect(canonical(await host.getUsersForStates(BATCH))).toEqual(canonical(reference.getUsersForStates(BATCH)));
  });
});

describe.each(EXAMPLE_ROUTERS)('a module config naming users (%s)', (example) => {
  // A lone surrogate is the host's to refuse (it cannot be encoded for the module): tested in config.test.ts.
  it.each(BAD.filter(([what]) => what !== 'a lone surrogate'))('refuses %s, naming the key', async (_, id) => {
    const err = await PresenceHost.create({
      modules: [{ module: example, config: { always_send_to_users: [ZOE, id] } }],
      sandbox: SANDBOX,
    }).catch((e: SandboxError) => e);
    expect((err as SandboxError).reason).toBe(RefusalReason.CONFIG_REJECTED);
    expect((err as SandboxError).message).toContain('always_send_to_users: ');
    expect((err as SandboxError).message).toContain('is not a valid user ID');
  });
});

describe('a historical user ID over HTTP', () => {
  let service: PresenceService;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'historical-ids-'));
    const config = join(dir, 'presence-sandbox.yaml');
    // JSON is YAML: the config file as an operator might write it, the users spelled in UTF-8.
    await writeFile(config, JSON.stringify({
      presence: { presence_router: { module: 'example_presence_router', config: CONFIG } },
      sandbox: SANDBOX,
    }));
    service = await PresenceService.start({ config, port: 0, logger: pino({ level: 'silent' }) });
  });
  afterAll(() => service.close());

  it('POST /v1/users_for_states routes it, JSON and msgpack', async () => {
    for (const msgpack of [false, true]) {
      const res = await post(`${service.url}/v1/users_for_states`, { states: BATCH }, msgpack);
      expect(res.status).toBe(200);
      expect(canonical(new Map(Object.entries(res.body.routing)))).toEqual(canonical(reference.getUsersForStates(BATCH)));
      expect(Object.keys(res.body.routing)).toContain(ZOE);
    }
  });

  it('GET /v1/interested_users takes it percent-encoded', async () => {
    const res = await get(`${service.url}/v1/interested_users?user_id=${encodeURIComponent(ZOE)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ users: 'ALL' });
  });

  it.each(BAD)('a user ID with %s is a 400 naming the field', async (_, id, why) => {
    const res = await post(`${service.url}/v1/users_for_states`, { states: [st(ZOE), st(id)] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.path).toBe('states[1].user_id');
    expect(res.body.error.message).toContain(why);
  });
});
