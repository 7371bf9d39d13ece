/**
 * Reload and shutdown with real processes and real HTTP: a reload under load fails no call, a bad config
 * is refused while the old one keeps serving, SIGHUP reloads, SIGTERM finishes the calls in flight and
 * exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { writeWatFixture } from '../helpers/wat.js';

const main = fileURLToPath(new URL('../../dist/host/cli/main.js', import.meta.url));
// Generous deadlines: a reload that admits a module, or a call to one, must never fail because the machine is busy.
const GENEROUS = 'sandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
const CUSTOM = `modules:\n  - module: custom_presence_router\n${GENEROUS}`;
const EXAMPLE = `modules:\n  - module: example_presence_router\n    config:\n      always_send_to_users: ["@alice:example.com"]\n${GENEROUS}`;
const ALICE = '/v1/interested_users?user_id=@alice:example.com';
const BOB_STATE = {
  user_id: '@bob:example.com',
  state: 'online',
  last_active_ts: 1,
  last_federation_update_ts: 0,
  last_user_sync_ts: 0,
  status_msg: null,
  currently_active: true,
};

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

describe('reload', () => {
  it('under load: no call fails, and the new config answers once swapped', async () => {
    const file = await configFile('reload.yaml', CUSTOM);
    const service = await PresenceService.start({ config: file, port: 0, logger: pino({ level: 'silent' }) });
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
      // Each phase lasts until the lanes have made 32 more calls (however slow the machine), not a fixed time.
      const moreCalls = async (n: number) => {
        const target = calls + n;
        for (let i = 0; i < 6000 && calls < target; i++) await new Promise((r) => setTimeout(r, 10));
        expect(calls).toBeGreaterThanOrEqual(target);
      };
      await moreCalls(32);
      for (const yaml of [EXAMPLE, CUSTOM, EXAMPLE]) {
        await writeFile(file, yaml);
        const res = await post(`${service.url}/admin/reload`, {});
        expect(res.status).toBe(200);
        await moreCalls(32);
      }
      // A bad config is refused with the reason logged; the previous one keeps serving.
      await writeFile(file, 'modules:\n  - module: no_such_router\n');
      const refused = await post(`${service.url}/admin/reload`, {});
      expect(refused.status).toBe(409);
      await moreCalls(32);
      stop = true;
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      expect((await get(service.url + ALICE)).body).toEqual({ users: 'ALL' });
    } finally {
      await service.close();
    }
  });
});

function startCli(config: string): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [main, 'serve', '--config', config, '--port', '0']);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url, exit, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

describe('signals', () => {
  it('SIGHUP reloads the config file', async () => {
    const file = await configFile('sighup.yaml', CUSTOM);
    const { child, url, exit } = await startCli(file);
    try {
      expect((await get(url + ALICE)).body).toEqual({ users: ['@bob:example.com', '@charlie:somewhere.org'] });
      await writeFile(file, EXAMPLE);
      child.kill('SIGHUP');
      let answer;
      // Poll until the reload has happened, for up to a minute: re-admitting takes longer on a busy machine.
      for (let i = 0; i < 1200; i++) {
        answer = (await get(url + ALICE)).body;
        if (answer.users === 'ALL') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(answer).toEqual({ users: 'ALL' });
    } finally {
      child.kill('SIGTERM');
      await exit;
    }
  });

  it('SIGTERM with calls in flight: they all answer, then the process exits 0', async () => {
    // The looping module holds each call for its 3 s deadline (well inside the shutdown grace period); the
    // good module's deadline is generous, so its share never depends on the machine's load.
    const file = await configFile(
      'sigterm.yaml',
      'modules:\n  - module: ./route_all_to_one.wasm\n    sandbox: { call_timeout_ms: 60000 }\n  - module: ./loop_in_users_for_states.wasm\n    sandbox: { call_timeout_ms: 3000 }\nsandbox:\n  threads: 4\n  quarantine_after_faults: 100\n',
    );
    const { child, url, exit, stderr } = await startCli(file);
    let answered = 0;
    const inFlight = Array.from({ length: 4 }, () => post(`${url}/v1/users_for_states`, { states: [BOB_STATE] }).finally(() => answered++));
    // A handshake, not a fixed wait: SIGTERM once the service reports all four calls pending.
    while (answered === 0 && !/^presence_sandbox_pending_calls 4$/m.test((await get(`${url}/metrics`)).body)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    for (const a of answers) expect(Object.keys(a.body.routing)).toEqual(['@wat:example.com']);
    expect(await exit).toBe(0);
    expect(stderr()).toContain('"msg":"stopped"');
    await expect(fetch(url + '/healthz')).rejects.toThrow();
  });
});
