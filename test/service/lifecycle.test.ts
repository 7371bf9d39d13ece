/**
 * Reload and shutdown with real processes and real HTTP: a reload under load fails no call, a bad or
 * empty config is refused (its reason in the 409 body) while the old one keeps serving, SIGHUP reloads,
 * SIGTERM finishes the calls in flight and exits 0. Sequenced by handshakes (counters, metrics), never
 * by sleeping.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { BOB_STATE, startCli, until, metric } from '../helpers/service.js';
import { writeWatFixture } from '../helpers/wat.js';

// Generous deadlines: a reload that admits a module, or a call to one, must never fail because the machine is busy.
const GENEROUS = 'sandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
const CUSTOM = `modules:\n  - module: custom_presence_router\n${GENEROUS}`;
const EXAMPLE = `modules:\n  - module: example_presence_router\n    config:\n      always_send_to_users: ["@alice:example.com"]\n${GENEROUS}`;
const ALICE = '/v1/interested_users?user_id=@alice:example.com';
const TOKEN = 'test-token-0123456789abcdef';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifecycle-'));
  await writeWatFixture('loop_in_users_for_states', dir);
  await writeWatFixture('route_all_to_one', dir);
});

async function configFile(name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}

async function reload(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
}

describe('reload', () => {
  it('under load: no call fails, and the new config answers once swapped', async () => {
    const file = await configFile('reload.yaml', CUSTOM);
    const service = await PresenceService.start({ config: file, port: 0, logger: pino({ level: 'silent' }), settings: { admin_token: TOKEN } });
    try {
      let stop = false;
      const failures: string[] = [];
      let calls = 0;
      const lane = async () => {
        while (!stop) {
          const [a, b] = await Promise.all([get(service.url + ALICE), post(`${service.url}/v1/users_for_states`, { states: [BOB_STATE] })]);
          calls += 2;
          if (a.status !== 200) failures.push(`interested ${a.status} ${JSON.stringify(a.body)}`);
          if (b.status !== 200) failures.push(`route ${b.status} ${JSON.stringify(b.body)}`);
        }
      };
      const lanes = Array.from({ length: 8 }, lane);
      // Each reload happens while calls are running: wait for the lanes to make progress between them.
      const progress = async (n: number) => {
        const from = calls;
        await until(() => calls >= from + n);
      };
      await progress(20);
      for (const yaml of [EXAMPLE, CUSTOM, EXAMPLE]) {
        await writeFile(file, yaml);
        const res = await reload(service.url);
        expect(res.status).toBe(200);
        await progress(20);
      }
      // A bad config is refused with the reason in the answer; the previous one keeps serving.
      await writeFile(file, 'modules:\n  - module: no_such_router\n');
      const refused = await reload(service.url);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('reload_refused');
      expect(refused.body.error.reason).toBe('module_refused');
      expect(refused.body.error.message).toContain('no_such_router');
      await progress(20);
      stop = true;
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      expect((await get(service.url + ALICE)).body).toEqual({ users: 'ALL' });
    } finally {
      await service.close();
    }
  });

  it('an empty, blank, comment-only or truncated file is refused (409, reason in the body) and the old config keeps serving; modules: [] is allowed', async () => {
    const file = await configFile('empty.yaml', EXAMPLE);
    const service = await PresenceService.start({ config: file, port: 0, logger: pino({ level: 'silent' }), settings: { admin_token: TOKEN } });
    try {
      for (const [text, why] of [
        ['', 'is empty'],
        ['  \n\t\n', 'is empty'],
        ['# all commented out\n', 'holds no settings'],
        ['modules:\n', 'names no module'],
      ] as const) {
        await writeFile(file, text);
        const res = await reload(service.url);
        expect(res.status).toBe(409);
        expect(res.body.error.reason).toBe('config_invalid');
        expect(res.body.error.message).toContain(why);
        expect(res.body.error.message).toContain('modules: []');
        expect((await get(service.url + ALICE)).body).toEqual({ users: 'ALL' });
      }
      await writeFile(file, 'modules: []\n');
      expect((await reload(service.url)).status).toBe(200);
      expect((await get(service.url + ALICE)).body).toEqual({ users: [] });
    } finally {
      await service.close();
    }
  });
});

describe('signals', () => {
  it('SIGHUP reloads the config file', async () => {
    const file = await configFile('sighup.yaml', CUSTOM);
    const { child, url, exit } = await startCli(['--config', file, '--port', '0']);
    try {
      expect((await get(url + ALICE)).body).toEqual({ users: ['@bob:example.com', '@charlie:somewhere.org'] });
      await writeFile(file, EXAMPLE);
      child.kill('SIGHUP');
      // Polled until swapped: the reload admits the module first, however long the machine takes.
      await until(async () => (await get(url + ALICE)).body.users === 'ALL');
    } finally {
      child.kill('SIGTERM');
      await exit;
    }
  });

  it('SIGTERM with calls in flight: they all answer, then the process exits 0', async () => {
    // The looping module (unmetered: only its deadline stops it) holds each call for 10 s, so the calls
    // are surely seen in flight however slowly the metric is polled on a loaded machine; the good module's
    // deadline is generous, and so is the grace period: no verdict depends on the load.
    const file = await configFile(
      'sigterm.yaml',
      'modules:\n  - module: ./route_all_to_one.wasm\n    sandbox: { call_timeout_ms: 60000 }\n  - module: ./loop_in_users_for_states.wasm\n    sandbox: { call_timeout_ms: 10000, fuel_metering: false }\nsandbox:\n  threads: 4\n  quarantine_after_faults: 100\nservice:\n  shutdown_grace_ms: 60000\n',
    );
    const { child, url, exit, stderr } = await startCli(['--config', file, '--port', '0']);
    const inFlight = Array.from({ length: 4 }, () => post(`${url}/v1/users_for_states`, { states: [BOB_STATE] }));
    await until(async () => (await metric(url, 'presence_sandbox_pending_calls')) === 4);
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    for (const a of answers) expect(Object.keys(a.body.routing)).toEqual(['@wat:example.com']);
    expect(await exit).toBe(0);
    expect(stderr()).toContain('"msg":"stopped"');
    await expect(fetch(url + '/healthz')).rejects.toThrow();
  });
});
