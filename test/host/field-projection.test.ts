/**
 * Field projection (docs/abi.md, ABI 1.1): a module declaring `presence_fields` is sent only those fields,
 * on every path, after the host has checked all of them; a projected batch routes exactly as a full one.
 * Real hosts, real workers, the bundled Wasm and a hand-written fixture that traps unless it is sent
 * user IDs only.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, recorder, onlineState, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';
import { encode, toTuple } from '../helpers/wire.js';
import { BUNDLED } from '../generators/module-configs.js';
import { batch } from '../generators/presence.js';

const GENEROUS = { call_timeout_ms: 60_000, load_timeout_ms: 60_000 };
let dir: string;
let fixture: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fields-'));
  fixture = await writeWatFixture('fields_user_ids', dir);
});

/** Each destination's states as indices into `states` (first occurrence), sorted: comparable across hosts. */
function asIndices(routing: Map<string, Set<UserPresenceState>>, states: UserPresenceState[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [destination, set] of [...routing].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[destination] = [...set].map((s) => states.indexOf(s)).sort((a, b) => a - b);
  }
  return out;
}

function sortedBatchRouting(routing: Map<string, number[]>): Record<string, number[]> {
  return Object.fromEntries([...routing].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('a module declaring user IDs only', () => {
  const states = [onlineState('@a:x.org'), onlineState('@b:x.org', { status_msg: 'hé 🎧' }), onlineState('@a:x.org'), onlineState('@a:x.org', { currently_active: false })];

  it('is sent [[user_id], ...] by the library path and the binary wire, and routes', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: fixture, sandbox: GENEROUS }] }, rec.options);
    try {
      // Equal states count once; states differing only in a field the module does not read are two.
      expect(asIndices(await host.getUsersForStates(states), states)).toEqual({ '@wat:example.com': [0, 1, 3] });
      expect(sortedBatchRouting(await host.getUsersForStatesBatch(encode(states.map(toTuple))))).toEqual({ '@wat:example.com': [0, 1, 3] });
      expect(rec.faults).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('still has every field checked: a bad field it does not read is the caller\'s error', async () => {
    const host = await PresenceHost.create({ modules: [{ module: fixture, sandbox: GENEROUS }] });
    try {
      const bad = [onlineState('@a:x.org'), onlineState('@b:x.org', { last_user_sync_ts: -1 })];
      await expect(host.getUsersForStates(bad)).rejects.toMatchObject({ code: 'invalid_input', path: 'states[1].last_user_sync_ts' });
      await expect(host.getUsersForStatesBatch(encode(bad.map(toTuple)))).rejects.toMatchObject({ code: 'invalid_input', path: 'states[1].last_user_sync_ts' });
    } finally {
      await host.close();
    }
  });

  it('gets full states when they are forced (the test-only switch), and then traps: the switch is real', async () => {
    const rec = recorder();
    const host = await PresenceHost.create({ modules: [{ module: fixture, sandbox: GENEROUS }] }, { ...rec.options, sendFullStates: true });
    try {
      expect((await host.getUsersForStates(states)).size).toBe(0);
      expect((await host.getUsersForStatesBatch(encode(states.map(toTuple)))).size).toBe(0);
      expect(rec.faults.map((f) => f.code)).toEqual(['trap', 'trap']);
    } finally {
      await host.close();
    }
  });

  it('next to a module reading every field: each gets its own batch from the one call', async () => {
    const example = { module: 'example_presence_router', config: { always_send_to_users: ['@all:x.org'] }, sandbox: GENEROUS };
    const both = await PresenceHost.create({ modules: [{ module: fixture, sandbox: GENEROUS }, example] });
    const alone = await PresenceHost.create({ modules: [example] });
    try {
      const expected = { ...asIndices(await alone.getUsersForStates(states), states), '@wat:example.com': [0, 1, 3] };
      expect(asIndices(await both.getUsersForStates(states), states)).toEqual(expected);
      expect(sortedBatchRouting(await both.getUsersForStatesBatch(encode(states.map(toTuple))))).toEqual(expected);
    } finally {
      await both.close();
      await alone.close();
    }
  });
});

describe('a projected batch routes exactly like a full one', () => {
  // One host per module and per mode, each serving many batches: whatever presence_fields the bundled
  // modules declare (or none), the routing with it must be the routing with full states.
  const hosts: { module: string; projected: PresenceHost; full: PresenceHost }[] = [];
  afterAll(async () => {
    await Promise.all(hosts.flatMap((h) => [h.projected.close(), h.full.close()]));
  });

  for (const { module, config } of BUNDLED) {
    it(`for ${module}, on the library path and the binary wire`, async () => {
      const configs = fc.sample(config, 3);
      for (const moduleConfig of configs) {
        const modules = [{ module, config: moduleConfig, sandbox: GENEROUS }];
        const h = { module, projected: await PresenceHost.create({ modules }), full: await PresenceHost.create({ modules }, { sendFullStates: true }) };
        hosts.push(h);
        await fc.assert(
          fc.asyncProperty(batch, async (states) => {
            expect(asIndices(await h.projected.getUsersForStates(states), states)).toEqual(asIndices(await h.full.getUsersForStates(states), states));
            const bytes = encode(states.map(toTuple));
            expect(sortedBatchRouting(await h.projected.getUsersForStatesBatch(bytes))).toEqual(sortedBatchRouting(await h.full.getUsersForStatesBatch(bytes)));
          }),
          { numRuns: 30 },
        );
      }
    });
  }
});
