// The four modules under modules/, built with the release target and driven through ABI v1 exactly as
// docs/abi.md states it: exports, imports, init errors, and both callbacks agreeing.

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { ALLOWED_IMPORTS, ALL_FIELDS, FIELD, type Guest, instantiateGuest, state } from './abi.js';
import { compileModule } from './compile.js';

const NAMES = ['example_presence_router', 'custom_presence_router', 'team_groups_router', 'server_watch_router'];
const wasm = new Map<string, Uint8Array<ArrayBuffer>>();
const packr = new Packr({ useRecords: false });

beforeAll(async () => {
  for (const name of NAMES) wasm.set(name, await compileModule(name));
}, 120_000);

/** A config for each module with several users, so that routing has something to do. */
const CONFIGS: Record<string, unknown> = {
  example_presence_router: { always_send_to_users: ['@gob:x.org', '@g2:y.org'], blacklisted_users: ['@bad:x.org'] },
  custom_presence_router: { routes: { '@r:a.org': ['@s:a.org', '@t:b.org'], '@q:a.org': ['@s:a.org'] } },
  team_groups_router: { groups: { sales: ['@a:x.org', '@b:x.org'], ops: ['@b:x.org', '@c:y.org'] } },
  server_watch_router: { watchers: ['@desk:corp.example', '@w:x.org'], server_names: ['corp.example', 'x.org'] },
};

async function guest(name: string, config: unknown): Promise<Guest> {
  const g = await instantiateGuest(wasm.get(name)!);
  expect(g.init(config)).toBeNull();
  return g;
}

describe.each(NAMES)('%s follows the ABI', (name) => {
  it('imports only the allow-list and exports the ABI', async () => {
    const module = await WebAssembly.compile(wasm.get(name)!);
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.every((i) => ALLOWED_IMPORTS.includes(i)), imports.join()).toBe(true);
    const exports = Object.fromEntries(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    expect(exports).toMatchObject({
      memory: 'memory', presence_abi_version: 'global', presence_alloc: 'function', presence_init: 'function',
      presence_users_for_states: 'function', presence_interested_users: 'function',
    });
    const g = await instantiateGuest(wasm.get(name)!);
    const version = g.exports.presence_abi_version as WebAssembly.Global;
    expect(version.value).toBe(1);
    expect(() => { version.value = 2; }).toThrow(); // immutable
  });

  it('declares that it reads only user IDs (presence_fields, an immutable i32)', async () => {
    const g = await instantiateGuest(wasm.get(name)!);
    const fields = g.exports.presence_fields as WebAssembly.Global;
    expect(fields.value).toBe(FIELD.user_id);
    expect(() => { fields.value = ALL_FIELDS; }).toThrow(); // immutable
  });

  it('traps on a malformed batch or user ID rather than routing it', async () => {
    const g = await instantiateGuest(wasm.get(name)!);
    g.init(name === 'team_groups_router' ? { groups: {} }
      : name === 'server_watch_router' ? { watchers: ['@w:x.org'], server_names: ['x.org'] } : {});
    const declared = 'expected a state array of 1 element (the fields the module declares in presence_fields)'
      + ' or of 7 (a full state) at byte 1';
    expect(() => g.usersForStatesRaw(packr.pack([['@a:x.org', 'online']]))).toThrow(`malformed batch: ${declared}`);
    // A full state is accepted too, and every field of it is still checked.
    expect(() => g.usersForStatesRaw(packr.pack([state('@a:x.org', 'away')]))).toThrow('unknown presence state at byte 11');
    expect(() => g.usersForStatesRaw(packr.pack([[...state('@a:x.org').slice(0, 2), -1, 0, 0, null, true]])))
      .toThrow('timestamp outside 0..2^53');
    expect(() => g.usersForStates([state('a:x.org')])).toThrow('malformed user ID at byte 2');
    expect(() => g.usersForStatesRaw(packr.pack([[1]]))).toThrow('expected a string at byte 2');
    expect(() => g.usersForStatesRaw(Uint8Array.from([0x90, 0xc0]))).toThrow('trailing bytes at byte 1');
    const badUtf8 = Uint8Array.from([0x91, 0x91, 0xa5, 0x40, 0x61, 0xff, 0x3a, 0x78]);
    expect(() => g.usersForStatesRaw(badUtf8)).toThrow('invalid UTF-8 in string at byte 5');
    expect(() => g.interestedUsers('nope')).toThrow('malformed user ID: must start with @');
    expect(() => g.interestedUsers(Uint8Array.from([0x40, 0xff]))).toThrow('invalid UTF-8');
  });

  it('routes a projected batch exactly as the same batch of full states', async () => {
    const g = await guest(name, CONFIGS[name]);
    const users = Object.values(CONFIGS).flatMap((c) => JSON.stringify(c).match(/@[^"]+/g) ?? []);
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...users, '@zoë:corp.example', '@x:y.org'), fc.boolean())), (picks) => {
      const batch = picks.map(([u, online], i) => [u, online ? 'online' : 'offline', i, 0, 2 ** 53, online ? null : 'é', online]);
      expect(g.usersForStates(batch)).toEqual(g.usersForStatesRaw(packr.pack(batch)));
    }), { numRuns: 200 });
  });

  it('refuses a callback before a successful init', async () => {
    const g = await instantiateGuest(wasm.get(name)!);
    expect(g.init({ no_such_key: 1 })).toMatch(/^unknown key "no_such_key" \(allowed: /);
    expect(() => g.interestedUsers('@a:x.org')).toThrow('callback before a successful presence_init');
  });
});

describe('example_presence_router', () => {
  const config = { always_send_to_users: ['@gob:x.org', '@g2:y.org'], blacklisted_users: ['@bad:x.org'] };

  it('sends every non-blacklisted state to every always_send_to_users user', async () => {
    const g = await guest('example_presence_router', config);
    const batch = [state('@a:x.org'), state('@bad:x.org', 'offline'), state('@c:z.org', 'org.matrix.msc3026.busy', '🎉 héllo')];
    expect(g.usersForStates(batch)).toEqual({ '@gob:x.org': [0, 2], '@g2:y.org': [0, 2] });
  });

  it('keeps every listed user as a destination even when nothing passes the filter', async () => {
    const g = await guest('example_presence_router', config);
    expect(g.usersForStates([state('@bad:x.org')])).toEqual({ '@gob:x.org': [], '@g2:y.org': [] });
    expect(g.usersForStates([])).toEqual({ '@gob:x.org': [], '@g2:y.org': [] });
  });

  it("filters on the state's user_id and handles large timestamps and status messages", async () => {
    const g = await guest('example_presence_router', config);
    const big = ['@a:x.org', 'online', 2 ** 53, 5e12, 2 ** 32 + 1, 'x'.repeat(70_000), false];
    expect(g.usersForStates([big, state('@bad:x.org')])).toEqual({ '@gob:x.org': [0], '@g2:y.org': [0] });
  });

  it('says ALL for always_send_to_users users and nothing for others', async () => {
    const g = await guest('example_presence_router', config);
    expect(g.interestedUsers('@gob:x.org')).toBe('ALL');
    expect(g.interestedUsers('@bad:x.org')).toEqual([]);
  });

  it('routes nothing without config', async () => {
    const g = await guest('example_presence_router', {});
    expect(g.usersForStates([state('@a:x.org')])).toEqual({});
  });

  it.each([
    [{ always_send_to_users: '@gob:x.org' }, 'always_send_to_users: expected a list of user IDs'],
    [{ blacklisted_users: [1] }, 'blacklisted_users: expected a list of user IDs'],
    [{ always_send_to_users: ['gob'] }, 'always_send_to_users: "gob" is not a valid user ID (must start with @)'],
    [{ foo: 1 }, 'unknown key "foo" (allowed: always_send_to_users, blacklisted_users)'],
  ])('refuses %j', async (bad, message) => {
    const g = await instantiateGuest(wasm.get('example_presence_router')!);
    expect(g.init(bad)).toBe(message);
  });
});

describe('custom_presence_router', () => {
  it("by default routes bob and charlie to alice, creating alice's key only when needed", async () => {
    const g = await guest('custom_presence_router', {});
    expect(g.usersForStates([state('@bob:example.com'), state('@x:y.org'), state('@charlie:somewhere.org')]))
      .toEqual({ '@alice:example.com': [0, 2] });
    expect(g.usersForStates([state('@x:y.org')])).toEqual({});
    expect(g.interestedUsers('@alice:example.com')).toEqual(['@bob:example.com', '@charlie:somewhere.org']);
    expect(g.interestedUsers('@bob:example.com')).toEqual([]);
  });

  it('takes its routes from config', async () => {
    const g = await guest('custom_presence_router', { routes: { '@r:a.org': ['@s:a.org', '@t:b.org'], '@q:a.org': ['@s:a.org'] } });
    expect(g.usersForStates([state('@s:a.org'), state('@t:b.org'), state('@bob:example.com')]))
      .toEqual({ '@r:a.org': [0, 1], '@q:a.org': [0] });
    expect(g.interestedUsers('@r:a.org')).toEqual(['@s:a.org', '@t:b.org']);
    expect(g.interestedUsers('@alice:example.com')).toEqual([]);
  });

  it.each([
    [{ routes: ['@a:x.org'] }, 'routes: expected a map from names to lists of user IDs'],
    [{ routes: { '@r:a.org': '@s:a.org' } }, 'routes.@r:a.org: expected a list of user IDs'],
    [{ routes: { bob: ['@s:a.org'] } }, 'routes: "bob" is not a valid user ID (must start with @)'],
  ])('refuses %j', async (bad, message) => {
    const g = await instantiateGuest(wasm.get('custom_presence_router')!);
    expect(g.init(bad)).toBe(message);
  });
});

describe('team_groups_router', () => {
  const groups = { sales: ['@a:x.org', '@b:x.org'], ops: ['@b:x.org', '@c:y.org'], solo: ['@d:y.org'] };

  it("routes each member's state to the other members of all their groups", async () => {
    const g = await guest('team_groups_router', { groups });
    const batch = [state('@a:x.org'), state('@b:x.org'), state('@c:y.org'), state('@d:y.org'), state('@e:y.org')];
    expect(g.usersForStates(batch)).toEqual({ '@b:x.org': [0, 2], '@a:x.org': [1], '@c:y.org': [1] });
    expect(g.interestedUsers('@b:x.org')).toEqual(['@a:x.org', '@c:y.org']);
    expect(g.interestedUsers('@d:y.org')).toEqual([]);
  });

  it("agrees with itself: U is interested in S exactly when S's state is routed to U", async () => {
    const g = await guest('team_groups_router', { groups });
    const users = ['@a:x.org', '@b:x.org', '@c:y.org', '@d:y.org', '@e:y.org'];
    const routed = g.usersForStates(users.map((u) => state(u)));
    for (const u of users) {
      const interested = g.interestedUsers(u) as string[];
      expect([...interested].sort()).toEqual((routed[u] ?? []).map((i: number) => users[i]).sort());
    }
  });

  it.each([
    [{}, 'groups: required, a map from group names to lists of user IDs'],
    [{ groups: { sales: ['@a:x.org', 'b'] } }, 'groups.sales: "b" is not a valid user ID (must start with @)'],
  ])('refuses %j', async (bad, message) => {
    const g = await instantiateGuest(wasm.get('team_groups_router')!);
    expect(g.init(bad)).toBe(message);
  });
});

describe('server_watch_router', () => {
  const config = { watchers: ['@desk:corp.example'], server_names: ['corp.example', '[::1]:8448'] };

  it('routes the states of users on the watched servers to the watchers, but not their own', async () => {
    const g = await guest('server_watch_router', config);
    const batch = [state('@a:corp.example'), state('@desk:corp.example'), state('@b:other.org'), state('@c:[::1]:8448')];
    expect(g.usersForStates(batch)).toEqual({ '@desk:corp.example': [0, 3] });
    expect(g.interestedUsers('@desk:corp.example')).toBe('ALL');
    expect(g.interestedUsers('@a:corp.example')).toEqual([]);
  });

  it.each([
    [{ server_names: ['corp.example'] }, 'watchers: required, a non-empty list of user IDs'],
    [{ watchers: ['@d:corp.example'] }, 'server_names: required, a non-empty list of server names'],
    [{ watchers: ['@d:corp.example'], server_names: ['corp example'] }, 'server_names: "corp example" is not a valid server name'],
  ])('refuses %j', async (bad, message) => {
    const g = await instantiateGuest(wasm.get('server_watch_router')!);
    expect(g.init(bad)).toBe(message);
  });
});
