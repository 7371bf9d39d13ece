/**
 * The sidecar on a Unix socket (`serve --socket PATH`) and the module's `url: unix:/PATH`: the same
 * routing as over loopback TCP. The socket lives inside the chroot's /tmp, which is the same file for
 * the sidecar (outside) and Synapse (inside).
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presenceOf, User } from './harness/matrix.js';
import { Child, freePort, REPO, until } from './harness/processes.js';
import { README_SIDECAR_URL, chrootPath, readmeSnippet, startSynapse, type Synapse } from './harness/synapse.js';

let synapse: Synapse | undefined;
let sidecar: Child | undefined;
let socketPath: string | undefined;

afterAll(async () => {
  await sidecar?.stop();
  await synapse?.stop();
  if (socketPath) await rm(socketPath, { force: true });
}, 120_000);

describe('the sidecar on a Unix socket', () => {
  it("routes bob's presence to alice as over TCP", async () => {
    const inside = `/tmp/presence-sandbox-e2e-${process.pid}.sock`;
    const path = (socketPath = join(chrootPath(), inside));
    await rm(path, { force: true });
    sidecar = new Child(
      'sidecar',
      spawn(process.execPath, ['dist/host/cli/main.js', 'serve', '--config', 'modules/presence-sandbox.yaml', '--socket', path], {
        cwd: REPO,
        env: { ...process.env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await until('the sidecar listening on its socket', async () => {
      if (!sidecar!.running) throw new Error(`the sidecar exited: ${sidecar!.output}`);
      return sidecar!.output.includes('serving');
    });
    const modules = (await readmeSnippet()).replace(README_SIDECAR_URL, `unix:${inside}`);
    synapse = await startSynapse(await freePort(), modules);
    const [alice, bob] = await Promise.all([User.register(synapse, 'alice'), User.register(synapse, 'bob')]);
    const initial = await alice.sync();
    expect(await bob.setPresence('online', 'over the socket')).toBe(200);
    let since = initial.nextBatch;
    const seen = await until("bob's presence in alice's sync", async () => {
      const answer = await alice.sync(since, 5_000);
      since = answer.nextBatch;
      return presenceOf(answer, bob.id);
    });
    expect(seen.content).toMatchObject({ status_msg: 'over the socket' });
    const device = await alice.newDevice();
    expect(presenceOf(await device.sync(), bob.id)?.content).toMatchObject({ status_msg: 'over the socket' });
  }, 240_000);
});
