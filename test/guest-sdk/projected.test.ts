// guest-sdk/batch.ts and fields.ts: a module that declares the fields it reads (presence_fields) gets
// states of only those fields, in index order (docs/abi.md "Field projection"), or full states; it reads
// the declared ones by index or as objects, and reading any other field traps naming it and the fix.

import { Packr } from 'msgpackr';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIELD, instantiateGuest, project, state } from './abi.js';
import { compileHarness } from './compile.js';
import { type Harness, loadHarness } from './harness.js';

const packr = new Packr({ useRecords: false });
const DECLARED = FIELD.user_id | FIELD.last_user_sync_ts | FIELD.status_msg;
let h: Harness;

const STATES = [
  ['@a:x.org', 'online', 1, 2, 3, 'héllo 🎉', true],
  ['@zoë:y.org', 'offline', 4, 5, 2 ** 53, null, false],
  ['@𝔘:[::1]:8448', 'unavailable', 7, 8, 0, '', true],
];

function route(batch: unknown[][], how: string): unknown {
  return JSON.parse(h.str('route', packr.pack(batch), how));
}

describe('a batch of the declared fields', () => {
  beforeEach(async () => {
    h = await loadHarness('projected');
    h.call('init');
  });

  it('exports presence_fields as an immutable i32 with the declared bits', async () => {
    const g = await instantiateGuest(await compileHarness('projected'));
    expect(g.fields).toBe(DECLARED);
  });

  it('reads the declared fields by index, from projected and from full states alike', () => {
    const expected = STATES.map(([u, , , , sync, msg]) => [u, sync, msg]);
    expect(route(STATES.map((s) => project(s, DECLARED)), 'describe')).toEqual(expected);
    expect(route(STATES, 'describe')).toEqual(expected);
    expect(route([project(STATES[0]!, DECLARED), STATES[1]!], 'describe')).toEqual(expected.slice(0, 2));
  });

  it('builds a state object only when asked, once per index', () => {
    expect(route(STATES.map((s) => project(s, DECLARED)), 'objects'))
      .toEqual(STATES.map(([u, , , , sync, msg], i) => [u, sync, msg, i, true]));
  });

  it.each([
    ['state', 'state', 'Field.STATE'],
    ['lastActiveTs', 'last_active_ts', 'Field.LAST_ACTIVE_TS'],
    ['currentlyActive', 'currently_active', 'Field.CURRENTLY_ACTIVE'],
    ['object.state', 'state', 'Field.STATE'],
    ['object.lastFederationUpdateTs', 'last_federation_update_ts', 'Field.LAST_FEDERATION_UPDATE_TS'],
  ])('traps when the router reads %s, which it did not declare', async (how, field, constant) => {
    // Even from a full state, which holds the field: the router must not depend on which one it got.
    for (const batch of [[project(STATES[0]!, DECLARED)], [STATES[0]!]]) {
      const fresh = await loadHarness('projected');
      fresh.call('init');
      expect(() => fresh.call('route', packr.pack(batch), how)).toThrow(
        `router read ${field}, a field the module does not declare in presence_fields: add ${constant} to presence_fields`,
      );
    }
  });
});

describe('a malformed projected batch traps at decode', () => {
  let wasm: Uint8Array<ArrayBuffer>;
  beforeAll(async () => { wasm = await compileHarness('projected'); });

  async function usersForStates(batch: unknown[]): Promise<unknown> {
    const g = await instantiateGuest(wasm);
    expect(g.init({})).toBeNull();
    return g.usersForStatesRaw(packr.pack(batch));
  }

  it('refuses a count that is neither the declared fields nor all seven', async () => {
    await expect(usersForStates([['@a:x.org', 3]])).rejects.toThrow(
      'expected a state array of 3 elements (the fields the module declares in presence_fields) or of 7 (a full state) at byte 1',
    );
  });

  it('checks each declared field in its place', async () => {
    await expect(usersForStates([['@a:x.org', -1, null]])).rejects.toThrow('timestamp outside 0..2^53 at byte 11');
    await expect(usersForStates([['@a:x.org', 3, 4]])).rejects.toThrow('expected a string or nil status_msg at byte 12');
    await expect(usersForStates([['@a:x.org', 'online', null]])).rejects.toThrow('expected an integer at byte 11');
    await expect(usersForStates([[...state('@a:x.org').slice(0, 6), 1]])).rejects.toThrow('expected a boolean');
  });
});
