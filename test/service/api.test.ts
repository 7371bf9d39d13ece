/**
 * The HTTP API on a real loopback port: answers in JSON and msgpack, each kind of bad input a 400 that
 * names the field, overload a 503 with Retry-After, a module fault never a 5xx, metrics and events.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { writeWatFixture } from '../helpers/wat.js';
import { canonical, customRouter, exampleRouter, synapse, type State } from '../reference/synapse-seeds.js';
import pino from 'pino';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
const quiet = pino({ level: 'silent' });
const st = (user_id: string, extra: Partial<State> = {}): State => ({
  user_id,
  state: 'online',
  last_active_ts: 2 ** 53,
  last_federation_update_ts: 0,
  last_user_sync_ts: 2 ** 40,
  status_msg: 'ça va ✓',
  currently_active: true,
  ...extra,
});
const BATCH = [st('@bob:example.com'), st('@charlie:somewhere.org', { status_msg: null }), st('@dana:example.com')];
const reference = synapse([
  customRouter(),
  exampleRouter({ always_send_to_users: ['@presence_gobbler:example.org'], blacklisted_users: ['@alice:example.com', '@bob:example.com'] }),
]);

describe('the bundled config over HTTP', () => {
  let service: PresenceService;
  beforeAll(async () => {
    service = await PresenceService.start({ config: bundled, port: 0, logger: quiet });
  });
  afterAll(() => service.close());

  it('POST /v1/users_for_states answers Synapse\'s routing, JSON and msgpack', async () => {
    for (const msgpack of [false, true]) {
      const res = await post(`${service.url}/v1/users_for_states`, { states: BATCH }, msgpack);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(msgpack ? 'application/msgpack' : 'application/json');
      expect(canonical(new Map(Object.entries(res.body.routing)))).toEqual(canonical(reference.getUsersForStates(BATCH)));
    }
  });

  it('GET /v1/interested_users answers a sorted list or "ALL", JSON and msgpack', async () => {
    expect((await get(`${service.url}/v1/interested_users?user_id=${encodeURIComponent('@alice:example.com')}`)).body).toEqual({
      users: ['@bob:example.com', '@charlie:somewhere.org'],
    });
    const all = await get(`${service.url}/v1/interested_users?user_id=@presence_gobbler:example.org`, true);
    expect(all.headers.get('content-type')).toBe('application/msgpack');
    expect(all.body).toEqual({ users: 'ALL' });
  });

  it('GET /healthz and GET /metrics', async () => {
    const health = await get(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const metrics = await get(`${service.url}/metrics`);
    expect(metrics.status).toBe(200);
    for (const name of [
      'presence_sandbox_module_calls_total{module="modules[0] (custom_presence_router)",callback="users_for_states",outcome="ok"}',
      'presence_sandbox_module_call_seconds_bucket',
      'presence_sandbox_module_quarantined',
      'presence_sandbox_pool_utilisation',
      'presence_sandbox_pool_queue_depth',
      'presence_sandbox_pending_calls',
      'presence_sandbox_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/healthz",code="200"}',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(metrics.body).toContain(name);
    }
  });

  describe('bad input is a 400 that names the field', () => {
    const cases: [string, unknown, string][] = [
      ['malformed JSON', '{"states": [', 'body: malformed JSON'],
      ['a body that is not a map', '[1, 2]', 'body: expected a map'],
      ['an unknown field', { states: [], extra: 1 }, 'extra: unknown field'],
      ['no states', {}, 'states: expected a list'],
      ['a state without user_id', { states: [{ ...st('@a:b.c'), user_id: undefined }] }, 'states[0].user_id: expected a Matrix user ID'],
      ['an unknown state', { states: [st('@a:b.c'), st('@b:b.c', { state: 'away' as never })] }, 'states[1].state: expected one of'],
      ['a user ID that is not one', { states: [st('bob')] }, 'states[0].user_id: expected a Matrix user ID'],
      // JSON.stringify writes the lone surrogate as the escape "\ud83d", as a homeserver's JSON would.
      ['a status_msg with a lone surrogate', { states: [st('@a:b.c', { status_msg: 'hi \ud83d' })] }, 'states[0].status_msg: expected Unicode text'],
    ];
    for (const [name, body, message] of cases) {
      it(name, async () => {
        const res = await post(`${service.url}/v1/users_for_states`, body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_input');
        expect(res.body.error.message).toContain(message);
      });
    }
    it('a missing or malformed user_id query', async () => {
      const missing = await get(`${service.url}/v1/interested_users`);
      expect(missing.status).toBe(400);
      expect(missing.body.error.path).toBe('user_id');
      const bad = await get(`${service.url}/v1/interested_users?user_id=alice`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('user_id: expected a Matrix user ID');
    });
    it('malformed msgpack', async () => {
      const res = await fetch(`${service.url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([0x81, 0xa1]) });
      expect(res.status).toBe(400);
    });
    it('an unknown route is a 404', async () => {
      expect((await get(`${service.url}/v2/nothing`)).status).toBe(404);
    });
  });
});

describe('limits over HTTP', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'service-'));
    for (const f of ['route_all_to_one', 'trap_in_users_for_states', 'loop_in_users_for_states', 'announce']) await writeWatFixture(f, dir);
  });

  async function start(yaml: string, maxBodyBytes?: number): Promise<PresenceService> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, yaml);
    return PresenceService.start({ config: file, port: 0, logger: quiet, ...(maxBodyBytes ? { settings: { max_body_bytes: maxBodyBytes } } : {}) });
  }

  it('a body over the cap is a 413', async () => {
    const service = await start('modules:\n  - module: ./route_all_to_one.wasm\n', 1024);
    try {
      const res = await post(`${service.url}/v1/users_for_states`, { states: Array.from({ length: 50 }, (_, i) => st(`@u${i}:example.com`)) });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('body_too_large');
      expect(res.body.error.message).toContain('over the cap of 1024 bytes');
    } finally {
      await service.close();
    }
  });

  it('a module fault is never a 5xx: the good share comes back with a 200', async () => {
    const service = await start('modules:\n  - module: ./route_all_to_one.wasm\n  - module: ./trap_in_users_for_states.wasm\n');
    try {
      const res = await post(`${service.url}/v1/users_for_states`, { states: BATCH });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.routing)).toEqual(['@wat:example.com']);
      expect((await get(`${service.url}/metrics`)).body).toContain('outcome="trap"');
    } finally {
      await service.close();
    }
  });

  it('overload is a 503 with Retry-After; the accepted calls answer 200', async () => {
    const service = await start(
      // The looping module holds each accepted call for its 3 s deadline, so the other four surely find the
      // host full; the good module has a generous deadline, so its share never depends on the machine's load.
      'modules:\n  - module: ./route_all_to_one.wasm\n    sandbox: { call_timeout_ms: 60000 }\n  - module: ./loop_in_users_for_states.wasm\n    sandbox: { call_timeout_ms: 3000, fuel_metering: false }\nsandbox:\n  max_pending_calls: 2\n  quarantine_after_faults: 100\n',
    );
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => post(`${service.url}/v1/users_for_states`, { states: BATCH })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      for (const a of answers) {
        if (a.status === 503) {
          expect(a.headers.get('retry-after')).toBe('1');
          expect(a.body.error.code).toBe('overloaded');
        } else expect(Object.keys(a.body.routing)).toEqual(['@wat:example.com']);
      }
    } finally {
      await service.close();
    }
  });

  it('send_local_online_presence_to reaches GET /v1/events as server-sent events', async () => {
    const service = await start('modules:\n  - module: ./announce.wasm\n');
    try {
      const controller = new AbortController();
      const stream = await fetch(`${service.url}/v1/events`, { signal: controller.signal });
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      const reader = stream.body!.getReader();
      await post(`${service.url}/v1/users_for_states`, { states: BATCH });
      let text = '';
      while (!/"users":\["@a:example.com","@b:example.com"\].*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('event: send_local_online_presence_to');
      expect(text).toContain('"users":["@a:example.com","@b:example.com"]');
      controller.abort();
    } finally {
      await service.close();
    }
  });
});
