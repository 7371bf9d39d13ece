/**
 * End to end: a real Synapse loads presence_sandbox_synapse with the README's homeserver.yaml snippet and
 * routes presence through the real sidecar. @alice and @bob share no room, so everything alice learns of
 * bob comes through the router (the bundled config's custom_presence_router: alice receives bob).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWatFixture } from '../helpers/wat.js';
import { presenceOf, User } from './harness/matrix.js';
import { Child, freePort, REPO, startSidecar, until } from './harness/processes.js';
import { compileWatFile } from './harness/wat-file.js';
import { README_SIDECAR_URL, readmeSnippet, startSynapse, type Synapse } from './harness/synapse.js';

const BUNDLED = join(REPO, 'modules/presence-sandbox.yaml');
// A pending long-poll this long is never what ends a test: being woken is.
const LONG_POLL_MS = 120_000;
const WOKEN_WELL_BEFORE_MS = 60_000;

let synapse: Synapse;
let sidecar: Child | undefined;
let sidecarPort: number;
let alice: User;
let bob: User;
let carol: User;
let configs: { trap: string; send: string };

async function serve(config: string): Promise<void> {
  await sidecar?.stop();
  sidecar = await startSidecar(config, sidecarPort);
}

async function count(text: string): Promise<number> {
  return (await synapse.log()).split(text).length - 1;
}

/** bob's presence as alice's fresh initial sync (a new device) shows it. */
async function bobSeenByAliceInitialSync(): Promise<{ presence?: string; status_msg?: string } | undefined> {
  const device = await alice.newDevice();
  const answer = await device.sync();
  expect(answer.status).toBe(200);
  return presenceOf(answer, bob.id)?.content;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-sandbox-synapse-e2e-'));
  const trap = await writeWatFixture('trap_in_users_for_states', dir);
  const send = join(dir, 'send_to_alice.wasm');
  await writeFile(send, await compileLocalWat('send_to_alice'));
  configs = { trap: join(dir, 'trap.yaml'), send: join(dir, 'send.yaml') };
  await writeFile(configs.trap, `modules:\n  - module: ${trap}\n`);
  await writeFile(configs.send, `modules:\n  - module: custom_presence_router\n  - module: ${send}\n`);

  sidecarPort = await freePort();
  await serve(BUNDLED);
  const modules = (await readmeSnippet()).replace(README_SIDECAR_URL, `http://127.0.0.1:${sidecarPort}`);
  synapse = await startSynapse(await freePort(), modules);
  [alice, bob, carol] = await Promise.all([User.register(synapse, 'alice'), User.register(synapse, 'bob'), User.register(synapse, 'carol')]);
  await until('the module subscribed to the events stream', async () => (await count('presence-sandbox events: subscribed')) >= 1);
}, 240_000);

afterAll(async () => {
  await sidecar?.stop();
  await synapse?.stop();
}, 120_000);

async function compileLocalWat(name: string): Promise<Uint8Array> {
  return compileWatFile(join(REPO, 'test/synapse/fixtures', `${name}.wat`));
}

describe('Synapse routes presence through the sandbox', () => {
  it("bob's presence wakes alice's pending /sync long-poll and reaches it (users_for_states)", async () => {
    const initial = await alice.sync();
    expect(initial.status).toBe(200);
    let since = initial.nextBatch;
    // Drain anything already pending, so the long-poll below waits.
    for (let answer = await alice.sync(since); answer.presence.length > 0; answer = await alice.sync(since)) since = answer.nextBatch;

    const started = Date.now();
    const longPoll = alice.sync(since, LONG_POLL_MS);
    // Act only once Synapse has the long-poll: its access log says so.
    await until('Synapse received the long-poll', async () => (await synapse.log()).includes(`since=${encodeURIComponent(since)}`) || (await synapse.log()).includes(`since=${since}`));
    expect(await bob.setPresence('online', 'woken')).toBe(200);
    const answer = await longPoll;
    const elapsed = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(presenceOf(answer, bob.id)?.content).toMatchObject({ status_msg: 'woken' });
    expect(elapsed).toBeLessThan(WOKEN_WELL_BEFORE_MS);
  }, 180_000);

  it("alice's initial sync on a new device includes bob's current presence (interested_users)", async () => {
    expect(await bob.setPresence('unavailable', 'initial')).toBe(200);
    expect(await until("bob's current presence in alice's initial sync", async () => {
      const seen = await bobSeenByAliceInitialSync();
      return seen?.status_msg === 'initial' ? seen : undefined;
    })).toMatchObject({ presence: 'unavailable', status_msg: 'initial' });
    // carol is routed to nobody: alice never sees her.
    expect(await carol.setPresence('online', 'carol')).toBe(200);
    const device = await alice.newDevice();
    expect(presenceOf(await device.sync(), carol.id)).toBeUndefined();
  }, 180_000);

  it("a module's send_local_online_presence_to reaches Synapse: alice gets bob's unchanged presence again", async () => {
    const subscriptions = await count('presence-sandbox events: subscribed');
    await serve(configs.send); // custom_presence_router, plus a module that asks Synapse to send alice presence
    await until('the module resubscribed to the restarted sidecar', async () => (await count('presence-sandbox events: subscribed')) > subscriptions);

    // bob changes once (Synapse times a non-syncing user out to offline 30 s after this, so the rest is quick).
    expect(await bob.setPresence('online', 'announced')).toBe(200);
    let since = (await alice.sync()).nextBatch;
    // Drain until an incremental sync is quiet: nothing of bob's is pending for alice any more.
    await until('a quiet incremental sync for alice', async () => {
      const answer = await alice.sync(since);
      since = answer.nextBatch;
      return answer.presence.length === 0;
    });
    // Now bob's presence can only come again if Synapse was asked to send it: carol's updates reach
    // nobody, but each makes the module call send_local_online_presence_to(["@alice:example.com"]).
    let trigger = 0;
    const again = await until("bob's presence sent to alice again", async () => {
      expect(await carol.setPresence('online', `trigger ${trigger++}`)).toBe(200);
      const answer = await alice.sync(since, 2_000);
      since = answer.nextBatch;
      return presenceOf(answer, bob.id);
    });
    expect(again.content).toMatchObject({ status_msg: 'announced' });
    expect(await count('users) failed')).toBe(0); // no delivery to Synapse failed
    await serve(BUNDLED);
  }, 240_000);

  it('with the sidecar stopped, Synapse keeps serving (200s, presence not routed) and recovers when it is back', async () => {
    await sidecar?.stop();
    const failures = await count('Failed to run module API callback');
    expect(await bob.setPresence('online', 'during outage')).toBe(200);
    const during = await alice.newDevice();
    const answer = await during.sync();
    expect(answer.status).toBe(200);
    expect(presenceOf(answer, bob.id)).toBeUndefined();
    expect(await count('Failed to run module API callback')).toBeGreaterThan(failures);

    await serve(BUNDLED);
    expect(await bob.setPresence('online', 'after outage')).toBe(200);
    await until('routing back after the outage', async () => (await bobSeenByAliceInitialSync())?.status_msg === 'after outage', 120_000);
  }, 240_000);

  it('with a module that traps, Synapse keeps serving (200s, presence not routed) and recovers when it is fixed', async () => {
    await serve(configs.trap);
    expect(await bob.setPresence('online', 'trapped')).toBe(200);
    const during = await alice.newDevice();
    const answer = await during.sync();
    expect(answer.status).toBe(200);
    expect(presenceOf(answer, bob.id)).toBeUndefined();

    await serve(BUNDLED);
    expect(await bob.setPresence('online', 'fixed')).toBe(200);
    await until('routing back with the fixed config', async () => (await bobSeenByAliceInitialSync())?.status_msg === 'fixed', 120_000);
  }, 240_000);
});
