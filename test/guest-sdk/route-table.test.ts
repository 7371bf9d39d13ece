// guest-sdk/route-table.ts through a real module (assembly/route_table_module.ts reads its table from the
// config): each declaration kind, then the property the table exists for: for random tables and
// batches, users_for_states is exactly what an independent model of the declarations gives, and every
// state routed to U is from a sender in interested_users(U), or U is interested in ALL.

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Guest, instantiateGuest, state } from './abi.js';
import { compileHarness } from './compile.js';

let wasm: Uint8Array<ArrayBuffer>;
beforeAll(async () => { wasm = await compileHarness('route_table_module'); }, 120_000);

interface Table {
  senders?: Record<string, string[]>;
  receivers?: Record<string, string[]>;
  groups?: Record<string, string[]>;
  servers?: Record<string, string[]>;
  all?: string[];
  exclude?: string[];
}

async function table(t: Table): Promise<Guest> {
  const g = await instantiateGuest(wasm);
  expect(g.init(t)).toBeNull();
  return g;
}

const batchOf = (users: string[]) => users.map((u) => state(u));

describe('RouteTable declarations', () => {
  it('route: the receivers get the sender\'s states, and are interested in the sender', async () => {
    const g = await table({ senders: { '@s:a.org': ['@r:a.org', '@q:b.org'], '@t:a.org': ['@r:a.org'] } });
    expect(g.usersForStates(batchOf(['@s:a.org', '@t:a.org', '@x:a.org'])))
      .toEqual({ '@r:a.org': [0, 1], '@q:b.org': [0] });
    expect(g.usersForStates(batchOf(['@x:a.org']))).toEqual({});
    expect(g.interestedUsers('@r:a.org')).toEqual(['@s:a.org', '@t:a.org']);
    expect(g.interestedUsers('@s:a.org')).toEqual([]);
  });

  it('receive: the same route keyed by receiver, taken literally (a receiver may be its own sender)', async () => {
    const g = await table({ receivers: { '@r:a.org': ['@s:a.org', '@r:a.org'] } });
    expect(g.usersForStates(batchOf(['@r:a.org', '@s:a.org']))).toEqual({ '@r:a.org': [0, 1] });
    expect(g.interestedUsers('@r:a.org')).toEqual(['@s:a.org', '@r:a.org']);
  });

  it('group: every member gets every other member\'s states, never their own', async () => {
    const g = await table({ groups: { one: ['@a:x.org', '@b:x.org', '@a:x.org'], two: ['@b:x.org', '@c:y.org'] } });
    expect(g.usersForStates(batchOf(['@a:x.org', '@b:x.org', '@c:y.org'])))
      .toEqual({ '@b:x.org': [0, 2], '@a:x.org': [1], '@c:y.org': [1] });
    expect(g.interestedUsers('@b:x.org')).toEqual(['@a:x.org', '@c:y.org']);
    expect(g.interestedUsers('@c:y.org')).toEqual(['@b:x.org']);
  });

  it('routeServer: the receivers get every other user of the server, and say ALL', async () => {
    const g = await table({ servers: { 'corp.example': ['@desk:corp.example'], '[::1]:8448': ['@desk:corp.example', '@w:x.org'] } });
    const batch = batchOf(['@a:corp.example', '@desk:corp.example', '@b:corp.example.org', '@c:[::1]:8448']);
    expect(g.usersForStates(batch)).toEqual({ '@desk:corp.example': [0, 3], '@w:x.org': [3] });
    expect(g.interestedUsers('@desk:corp.example')).toBe('ALL');
    expect(g.interestedUsers('@w:x.org')).toBe('ALL');
    expect(g.interestedUsers('@a:corp.example')).toEqual([]);
  });

  it('receiveAll: the receivers get every state, are keys of every answer, and say ALL', async () => {
    const g = await table({ all: ['@gob:x.org', '@gob:x.org', '@g2:y.org'] });
    expect(g.usersForStates(batchOf(['@a:x.org', '@gob:x.org']))).toEqual({ '@gob:x.org': [0, 1], '@g2:y.org': [0, 1] });
    expect(g.usersForStates([])).toEqual({ '@gob:x.org': [], '@g2:y.org': [] });
    expect(g.interestedUsers('@g2:y.org')).toBe('ALL');
    expect(g.interestedUsers('@a:x.org')).toEqual([]);
  });

  it('exclude: wins over every other declaration, in both callbacks', async () => {
    const g = await table({
      senders: { '@bad:x.org': ['@r:x.org'], '@ok:x.org': ['@r:x.org'] }, groups: { g: ['@bad:x.org', '@r:x.org'] },
      servers: { 'x.org': ['@w:y.org'] }, all: ['@gob:y.org'], exclude: ['@bad:x.org'],
    });
    expect(g.usersForStates(batchOf(['@bad:x.org', '@ok:x.org', '@r:x.org'])))
      .toEqual({ '@gob:y.org': [1, 2], '@r:x.org': [1], '@w:y.org': [1, 2], '@bad:x.org': [2] });
    expect(g.usersForStates(batchOf(['@bad:x.org']))).toEqual({ '@gob:y.org': [] });
    expect(g.interestedUsers('@r:x.org')).toEqual(['@ok:x.org']);
    expect(g.interestedUsers('@bad:x.org')).toEqual(['@r:x.org']);
  });

  it('routes nothing with an empty table (Synapse\'s answers with no router)', async () => {
    const g = await table({});
    expect(g.usersForStates(batchOf(['@a:x.org']))).toEqual({});
    expect(g.interestedUsers('@a:x.org')).toEqual([]);
  });
});

// The model: the declarations read directly, one state at a time.
const USERS = ['a', 'b', 'c', 'd', 'e'].flatMap((l) => [`@${l}:x.org`, `@${l}:y.org`]);
const serverOf = (u: string) => u.slice(u.indexOf(':') + 1);

function modelRoute(t: Table, batch: string[]): Record<string, number[]> {
  const out: Record<string, Set<number>> = {};
  const give = (r: string, i: number) => { (out[r] ??= new Set()).add(i); };
  for (const r of t.all ?? []) out[r] ??= new Set();
  batch.forEach((u, i) => {
    if (t.exclude?.includes(u)) return;
    for (const r of t.all ?? []) give(r, i);
    for (const r of t.senders?.[u] ?? []) give(r, i);
    for (const [r, senders] of Object.entries(t.receivers ?? {})) if (senders.includes(u)) give(r, i);
    for (const members of Object.values(t.groups ?? {})) {
      if (members.includes(u)) for (const m of members) if (m !== u) give(m, i);
    }
    for (const r of t.servers?.[serverOf(u)] ?? []) if (r !== u) give(r, i);
  });
  return Object.fromEntries(Object.entries(out).map(([r, s]) => [r, [...s].sort((x, y) => x - y)]));
}

const users = fc.uniqueArray(fc.constantFrom(...USERS), { maxLength: 4 });
const userMap = fc.dictionary(fc.constantFrom(...USERS), users, { maxKeys: 4 });
const tableArbitrary: fc.Arbitrary<Table> = fc.record({
  senders: userMap,
  receivers: userMap,
  groups: fc.dictionary(fc.constantFrom('g1', 'g2', 'g3'), users, { maxKeys: 3 }),
  servers: fc.dictionary(fc.constantFrom('x.org', 'y.org', 'z.org'), users, { maxKeys: 2 }),
  all: fc.uniqueArray(fc.constantFrom(...USERS), { maxLength: 2 }),
  exclude: fc.uniqueArray(fc.constantFrom(...USERS), { maxLength: 3 }),
}, { requiredKeys: [] });
// The same user may appear with several states, as in a batch from Synapse.
const batchArbitrary = fc.uniqueArray(fc.tuple(fc.constantFrom(...USERS, '@f:z.org'), fc.constantFrom('online', 'offline')),
  { selector: ([u, p]) => `${u} ${p}`, maxLength: 14 });

describe('RouteTable derives both callbacks consistently', () => {
  it('routes as the declarations say, and every routed state is from someone the receiver is interested in', async () => {
    await fc.assert(fc.asyncProperty(tableArbitrary, batchArbitrary, async (t, pairs) => {
      const g = await instantiateGuest(wasm);
      expect(g.init(t)).toBeNull();
      const batch = pairs.map(([u]) => u);
      const routed = g.usersForStates(pairs.map(([u, p]) => state(u, p)));
      expect(routed).toEqual(modelRoute(t, batch));
      for (const [receiver, indices] of Object.entries(routed)) {
        const interest = g.interestedUsers(receiver);
        if (interest === 'ALL') continue;
        for (const i of indices) expect(interest, `${receiver} gets ${batch[i]}`).toContain(batch[i]);
      }
      // Conversely, a receiver who is not ALL gets the states of everyone it is interested in.
      for (const receiver of USERS) {
        const interest = g.interestedUsers(receiver);
        if (interest === 'ALL') continue;
        batch.forEach((u, i) => { if (interest.includes(u)) expect(routed[receiver] ?? [], `${receiver} misses ${u}`).toContain(i); });
      }
    }), { numRuns: 150 });
  }, 120_000);
});
