/**
 * Admin access, the Unix socket and readiness on real HTTP: a reload a browser page could forge is refused
 * (cross-origin, text/plain, no token), the bearer token and the separate admin listener are the two ways
 * in, the Unix socket serves the same routes with the mode the operator set, /readyz says degraded and why
 * while a module is quarantined and 503 while the service stops; module log lines that read like a fault
 * still reach the log, told apart from faults by a field.
 */
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { openSocket, readAnswer } from '../helpers/raw-http.js';
import { BOB_STATE as STATE, metric, startCli, until } from '../helpers/service.js';
import { writeWatFixture } from '../helpers/wat.js';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
const quiet = pino({ level: 'silent' });
const TOKEN = 'admin-token-for-tests-0123456789';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-'));
  for (const f of ['trap_in_users_for_states', 'route_all_to_one', 'loop_in_users_for_states', 'log_like_a_fault']) await writeWatFixture(f, dir);
});

async function configFile(yaml: string): Promise<string> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return file;
}

const reload = (url: string, headers: Record<string, string> = {}, body?: string) =>
  fetch(`${url}/admin/reload`, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) }).then(async (r) => ({
    status: r.status,
    headers: r.headers,
    body: await r.json(),
  }));

/** GET over a Unix socket. */
function unixGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, headers: { host: 'anything' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('admin access', () => {
  it('on the data listener without a token, admin routes are refused, forged or not', async () => {
    const service = await PresenceService.start({ config: bundled, port: 0, logger: quiet });
    try {
      // What a page on another site can send without a CORS preflight.
      const forged = await reload(service.url, { 'content-type': 'text/plain', origin: 'http://attacker.example' }, 'x');
      expect(forged.status).toBe(403);
      const plain = await reload(service.url);
      expect(plain.status).toBe(403);
      expect(plain.body.error.code).toBe('forbidden');
      expect(plain.body.error.message).toContain('service.admin_token');
    } finally {
      await service.close();
    }
  });

  it('with a bearer token: needed, compared exactly, and a browser request is refused even with it', async () => {
    const service = await PresenceService.start({ config: bundled, port: 0, logger: quiet, settings: { admin_token: TOKEN } });
    try {
      const none = await reload(service.url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect((await reload(service.url, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await reload(service.url, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
      const fromPage = await reload(service.url, { authorization: `Bearer ${TOKEN}`, origin: 'http://attacker.example' });
      expect(fromPage.status).toBe(403);
      const fetchMeta = await reload(service.url, { authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'cross-site' });
      expect(fetchMeta.status).toBe(403);
      // A forged text/plain body is a 415 before anything else happens.
      expect((await reload(service.url, { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, 'x')).status).toBe(415);
      expect((await reload(service.url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect((await reload(service.url, { authorization: `bearer ${TOKEN}`, 'content-type': 'application/json' }, '{}')).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('a separate admin listener serves them (off by default); the data listener still refuses them', async () => {
    const service = await PresenceService.start({ config: bundled, port: 0, logger: quiet, settings: { admin_port: 0 } });
    try {
      expect(service.urls.admin).toHaveLength(1);
      const admin = service.urls.admin[0]!;
      expect((await reload(admin)).status).toBe(200);
      expect((await reload(admin, { origin: 'http://attacker.example' })).status).toBe(403);
      expect((await reload(service.url)).status).toBe(403);
    } finally {
      await service.close();
    }
    const plain = await PresenceService.start({ config: bundled, port: 0, logger: quiet });
    try {
      expect(plain.urls.admin).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('the CLI takes the token from PRESENCE_SANDBOX_ADMIN_TOKEN', async () => {
    const { child, url, exit } = await startCli(['--config', bundled, '--port', '0'], { PRESENCE_SANDBOX_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'error' });
    try {
      expect((await reload(url)).status).toBe(401);
      expect((await reload(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});

describe('the Unix domain socket', () => {
  it('serves the same routes, with the file mode the operator set, and no TCP unless asked', async () => {
    const socket = join(dir, 'presence.sock');
    const service = await PresenceService.start({ config: bundled, logger: quiet, settings: { socket, socket_mode: '0600' } });
    try {
      expect(service.url).toBe(`unix:${socket}`);
      expect((await stat(socket)).mode & 0o777).toBe(0o600);
      const health = await unixGet(socket, '/healthz');
      expect(health.status).toBe(200);
      const interested = await unixGet(socket, '/v1/interested_users?user_id=@alice:example.com');
      expect(JSON.parse(interested.body)).toEqual({ users: ['@bob:example.com', '@charlie:somewhere.org'] });
    } finally {
      await service.close();
    }
  });

  it('replaces a socket file a dead process left; refuses a live one and a file that is not a socket', async () => {
    const socket = join(dir, 'stale.sock');
    const first = await PresenceService.start({ config: bundled, logger: quiet, settings: { socket } });
    await expect(PresenceService.start({ config: bundled, logger: quiet, settings: { socket } })).rejects.toThrow('another process is serving on this socket');
    await first.close();
    // The CLI killed outright leaves its socket file behind.
    const { child, exit } = await startCli(['--config', bundled, '--socket', socket], { LOG_LEVEL: 'error' });
    child.kill('SIGKILL');
    await exit;
    const second = await PresenceService.start({ config: bundled, logger: quiet, settings: { socket } });
    expect((await unixGet(socket, '/healthz')).status).toBe(200);
    await second.close();
    const notSocket = join(dir, 'plain-file');
    await writeFile(notSocket, 'keep me');
    await expect(PresenceService.start({ config: bundled, logger: quiet, settings: { socket: notSocket } })).rejects.toThrow('is not a socket');
  });

  it('serve --socket PATH prints the socket and serves on it', async () => {
    const socket = join(dir, 'cli.sock');
    const { child, url, exit } = await startCli(['--config', bundled, '--socket', socket, '--socket-mode', '0660'], { LOG_LEVEL: 'error' });
    try {
      expect(url).toBe(`unix:${socket}`);
      expect((await stat(socket)).mode & 0o777).toBe(0o660);
      expect((await unixGet(socket, '/readyz')).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});

describe('health', () => {
  it('/readyz is ready, then degraded naming the quarantined module and its last fault', async () => {
    const config = await configFile(
      'modules:\n  - module: ./route_all_to_one.wasm\n  - module: ./trap_in_users_for_states.wasm\n    sandbox: { quarantine_after_faults: 1, quarantine_ms: 3600000, quarantine_max_ms: 3600000 }\n',
    );
    const service = await PresenceService.start({ config, port: 0, logger: quiet });
    try {
      const ready = await get(`${service.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      expect((await post(`${service.url}/v1/users_for_states`, { states: [STATE] })).status).toBe(200);
      const degraded = await get(`${service.url}/readyz`);
      expect(degraded.status).toBe(200);
      expect(degraded.body.status).toBe('degraded');
      const trap = degraded.body.modules.find((m: any) => m.module.includes('trap_in_users_for_states'));
      expect(trap).toMatchObject({ quarantined: true, last_fault: { callback: 'users_for_states', code: 'trap' } });
      expect((await get(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('/readyz is 503 while the service stops', async () => {
    const config = await configFile(
      'modules:\n  - module: ./route_all_to_one.wasm\n    sandbox: { call_timeout_ms: 60000 }\n  - module: ./loop_in_users_for_states.wasm\n    sandbox: { call_timeout_ms: 10000, fuel_metering: false }\nsandbox: { quarantine_after_faults: 100 }\n',
    );
    const service = await PresenceService.start({ config, port: 0, logger: quiet, settings: { shutdown_grace_ms: 60000 } });
    // One connection: a call the looping module holds, then (pipelined) /readyz, asked once stopping began.
    const socket = await openSocket(service.url);
    const body = JSON.stringify({ states: [STATE] });
    const answers = readAnswer(socket, true);
    socket.write(`POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await until(async () => (await metric(service.url, 'presence_sandbox_pending_calls')) === 1);
    const closed = service.close();
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Both answers, in order; the second asks the client to close, and the server does.
    const { status, text } = await answers;
    expect(status).toBe(200);
    const second = text.slice(text.indexOf('HTTP/1.1', 8));
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toContain('"status":"stopping"');
    await closed;
  });
});

describe('logs', () => {
  it('a module line that reads like a fault reaches the log as the module\'s; a real fault is logged once, with its fields', async () => {
    const lines: any[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const config = await configFile('modules:\n  - module: ./log_like_a_fault.wasm\n  - module: ./trap_in_users_for_states.wasm\n');
    const service = await PresenceService.start({ config, port: 0, logger });
    try {
      expect((await post(`${service.url}/v1/users_for_states`, { states: [STATE] })).status).toBe(200);
      const mimic = lines.filter((l) => l.msg === 'users_for_states skipped (trap): not really');
      expect(mimic).toHaveLength(1);
      expect(mimic[0].module).toContain('log_like_a_fault');
      const faults = lines.filter((l) => l.module?.includes('trap_in_users_for_states') && l.code === 'trap');
      expect(faults).toHaveLength(1);
      expect(faults[0]).toMatchObject({ callback: 'users_for_states', level: 40 });
      expect(lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('users_for_states skipped (trap)') && l.module?.includes('trap_in'))).toEqual([]);
    } finally {
      await service.close();
    }
  });
});
