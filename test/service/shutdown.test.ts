/**
 * SIGTERM never waits on a client: with a client that sends its headers slowly and one that does not read
 * its answer, the CLI still exits 0 within the grace period plus a second; a second signal exits at once.
 * Sequenced by handshakes (the service's own metrics and log), never by sleeping.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSocket } from '../helpers/raw-http.js';
import { metric, startCli, until } from '../helpers/service.js';
import { writeWatFixture } from '../helpers/wat.js';

// Synapse's example router sends every state to its gobbler, so a big batch makes a big answer; its
// deadline is generous, so the answer's size never depends on the machine's load.
const CONFIG = `presence:
  presence_router:
    module: example_presence_router
    config: { always_send_to_users: ["@gobbler:example.org"] }
    sandbox: { call_timeout_ms: 60000 }
`;
const STATE = { user_id: '@u:example.com', state: 'online', last_active_ts: 1, last_federation_update_ts: 0, last_user_sync_ts: 0, status_msg: null, currently_active: true };

let config: string;
let looping: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  config = join(dir, 'shutdown.yaml');
  await writeFile(config, CONFIG);
  await writeWatFixture('loop_in_users_for_states', dir);
  looping = join(dir, 'looping.yaml');
  await writeFile(looping, 'modules:\n  - module: ./loop_in_users_for_states.wasm\n    sandbox: { call_timeout_ms: 60000, fuel_metering: false }\n');
});

/** Two hostile clients, each confirmed held by the server before this resolves. */
async function hostileClients(url: string): Promise<Socket[]> {
  const before = await metric(url, 'presence_sandbox_http_connections');
  const slow = await openSocket(url);
  slow.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '); // the rest never comes
  await until(async () => (await metric(url, 'presence_sandbox_http_connections')) >= before + 1, 'the slow client held');
  const deaf = await openSocket(url);
  deaf.pause(); // never reads
  const body = JSON.stringify({ states: Array.from({ length: 200 }, (_, i) => ({ ...STATE, user_id: `@u${i}:example.com`, status_msg: 'x'.repeat(100_000) })) });
  deaf.write(`POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
  deaf.write(body);
  await until(async () => (await metric(url, 'presence_sandbox_http_answers_waiting_on_client')) >= 1, 'the deaf client stuck on its 20 MB answer');
  for (const s of [slow, deaf]) s.on('error', () => {});
  return [slow, deaf];
}

describe('shutdown', () => {
  it('SIGTERM with a slow-header client and a non-reading client: exit 0 within the grace period plus a second', async () => {
    const grace = 1000;
    const { child, url, exit, stderr } = await startCli(['--config', config, '--port', '0', '--shutdown-grace-ms', String(grace)]);
    const clients = await hostileClients(url);
    const signalled = performance.now();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const took = performance.now() - signalled;
    console.log(`SIGTERM to exit with two hostile clients: ${took.toFixed(0)} ms (grace ${grace} ms)`);
    expect(took).toBeLessThan(grace + 1000);
    expect(stderr()).toContain('"msg":"stopped"');
    for (const s of clients) s.destroy();
  });

  it('a call still running when the grace period ends is cut: exit 0 within the grace period plus a second', async () => {
    // The looping module holds the call for a minute; the grace period is one second.
    const grace = 1000;
    const { child, url, exit, stderr } = await startCli(['--config', looping, '--port', '0', '--shutdown-grace-ms', String(grace)]);
    const call = fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ states: [STATE] }) }).then(
      (r) => r.status,
      () => 'cut',
    );
    await until(async () => (await metric(url, 'presence_sandbox_pending_calls')) === 1, 'the call in flight');
    const signalled = performance.now();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const took = performance.now() - signalled;
    console.log(`SIGTERM to exit with a call the module holds for a minute: ${took.toFixed(0)} ms (grace ${grace} ms)`);
    expect(took).toBeLessThan(grace + 1000);
    expect(await call).toBe('cut');
    expect(stderr()).toContain('grace period over: closing the connections still open');
  });

  it('a second signal exits at once, without waiting out the grace period', async () => {
    // A call the looping module holds for a minute keeps the first shutdown waiting, whatever the load, so
    // only the second signal can end the process here.
    const { child, url, exit, stderr } = await startCli(['--config', looping, '--port', '0', '--shutdown-grace-ms', '600000']);
    const call = fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ states: [STATE] }) }).then(
      (r) => r.status,
      () => 'cut',
    );
    await until(async () => (await metric(url, 'presence_sandbox_pending_calls')) === 1, 'the call in flight');
    child.kill('SIGTERM');
    await until(() => stderr().includes('"msg":"stopping"'), 'the first signal taken');
    child.kill('SIGTERM');
    expect(await exit).toBe(143);
    expect(stderr()).toContain('second signal: exiting now');
    expect(await call).toBe('cut');
  });
});
