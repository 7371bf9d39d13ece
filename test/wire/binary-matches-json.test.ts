/**
 * The binary wire routes exactly as the JSON path does (issue 13's acceptance): on random batches, with
 * repeated and equal states (written in different msgpack encodings), several users, the bundled config
 * and a config where every bundled module routes, over real HTTP on loopback and through the library.
 * An index in a binary answer is mapped back to the request's state and compared with what the JSON path
 * answers; it must also be that state's first occurrence, and each destination's list ascending.
 */
import fc from 'fast-check';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpack } from 'msgpackr';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, PresenceService, type UserPresenceState } from '../helpers/host.js';
import { post } from '../helpers/http.js';
import { ROUTING_TYPE, encode, postBatch, toTuple, type Choose } from '../helpers/wire.js';
import { batch } from '../generators/presence.js';
import { key } from '../reference/synapse-seeds.js';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
/** Every bundled module, each with a config that routes the generators' seed users and servers. */
const ROUTING_CONFIG = {
  modules: [
    { module: 'custom_presence_router', config: { routes: { '@alice:example.com': ['@bob:example.com', '@charlie:somewhere.org'], '@bob:example.com': ['@presence_gobbler:example.org'] } } },
    { module: 'team_groups_router', config: { groups: { core: ['@alice:example.com', '@bob:example.com'], ops: ['@charlie:somewhere.org', '@bob:example.com', '@presence_gobbler:example.org'] } } },
    { module: 'server_watch_router', config: { watchers: ['@watcher:corp.example:8448'], server_names: ['example.com', 'corp.example:8448'] } },
  ],
  presence: { presence_router: { module: 'example_presence_router', config: { always_send_to_users: ['@presence_gobbler:example.org', '@alice:example.com'], blacklisted_users: ['@bob:example.com'] } } },
};

/** Encodings chosen from a list of picks, round and round: every value may be spelled its own way. */
const choices = fc.array(fc.nat(), { minLength: 1, maxLength: 40 });
function chooser(picks: number[]): Choose {
  let k = 0;
  return (n) => picks[k++ % picks.length]! % n;
}
const wire = (states: UserPresenceState[], picks: number[]) => encode(states.map(toTuple), chooser(picks));

const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) };

/** The binary answer as states, checked for its own promises: ascending, no repeats, first occurrences. */
function statesOf(routing: Record<string, number[]>, states: UserPresenceState[]): Record<string, UserPresenceState[]> {
  const firstOf = new Map<string, number>();
  states.forEach((s, i) => firstOf.has(key(s)) || firstOf.set(key(s), i));
  const out: Record<string, UserPresenceState[]> = {};
  for (const [destination, indices] of Object.entries(routing)) {
    indices.forEach((i, k) => {
      expect(i).toBeLessThan(states.length);
      expect(firstOf.get(key(states[i]!))).toBe(i);
      if (k > 0) expect(i).toBeGreaterThan(indices[k - 1]!);
    });
    out[destination] = indices.map((i) => states[i]!);
  }
  return out;
}

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wire-'));
  await writeFile(join(dir, 'routing.yaml'), JSON.stringify(ROUTING_CONFIG));
});

for (const [name, file] of [
  ['the bundled config', () => bundled],
  ['every bundled module routing', () => join(dir, 'routing.yaml')],
] as const) {
  describe(`binary wire = JSON path, ${name}`, () => {
    let service: PresenceService;
    let host: PresenceHost;
    beforeAll(async () => {
      service = await PresenceService.start({ config: file(), port: 0, logger: pino({ level: 'silent' }) });
      host = await PresenceHost.fromFile(file(), { log: () => {} });
    });
    afterAll(async () => {
      await service?.close();
      await host?.close();
    });

    it('over HTTP on loopback', async () => {
      await fc.assert(
        fc.asyncProperty(batch, choices, async (states, choose) => {
          const binary = await postBatch(service.url, wire(states, choose));
          expect(binary.status).toBe(200);
          expect(binary.type).toBe(ROUTING_TYPE);
          const json = await post(`${service.url}/v1/users_for_states`, { states });
          expect(json.status).toBe(200);
          expect(sorted(statesOf(binary.body, states))).toEqual(sorted(json.body.routing));
        }),
        runs,
      );
    });

    it('through the library: the same objects as getUsersForStates, by identity', async () => {
      await fc.assert(
        fc.asyncProperty(batch, choices, async (states, choose) => {
          const byIndices = await host.getUsersForStatesBatch(wire(states, choose));
          const byObjects = await host.getUsersForStates(states);
          expect([...byIndices.keys()].sort()).toEqual([...byObjects.keys()].sort());
          for (const [destination, set] of byObjects) {
            const indices = [...set].map((s) => states.indexOf(s)).sort((a, b) => a - b);
            expect(byIndices.get(destination)).toEqual(indices);
          }
          const answer = await host.getUsersForStatesBatchAnswer(wire(states, choose));
          expect(statesOf(Object.fromEntries(byIndices), states)).toEqual(statesOf(unpack(answer), states));
        }),
        runs,
      );
    });
  });
}
