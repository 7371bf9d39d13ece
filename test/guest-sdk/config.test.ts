// guest-sdk/config.ts: the accessors' answers and their errors, word for word, since the operator sees
// these messages as the module's load error.

import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hex, loadHarness } from './harness.js';

const packr = new Packr({ useRecords: false });
let sdk: Harness;

beforeAll(async () => {
  sdk = await loadHarness('sdk');
});

const access = (config: unknown, accessor: string, arg = '') =>
  sdk.str('access', config instanceof Uint8Array ? config : packr.pack(config), accessor, arg);

describe('the config map', () => {
  it('accepts a map, and nil as an empty map', () => {
    expect(access({}, 'none')).toBe('ok:null');
    expect(access(null, 'has', 'a')).toBe('ok:false');
  });

  it('refuses anything else, non-string keys and broken msgpack', () => {
    expect(access([1], 'none')).toBe('err:config: expected a map');
    expect(access('x', 'none')).toBe('err:config: expected a map');
    expect(access(new Map([[1, 2]]), 'none')).toBe('err:config: keys must be strings');
    expect(access(hex('81 a1 61'), 'none')).toBe('err:config: invalid msgpack: truncated input at byte 3');
    expect(access(hex('80 c0'), 'none')).toBe('err:config: invalid msgpack: trailing bytes at byte 1');
  });
});

describe('userIdList', () => {
  const key = 'always_send_to_users';

  it('returns the list, and an empty list when absent or null', () => {
    expect(access({ [key]: ['@a:example.com', '@b:[::1]:8448'] }, 'userIdList', key))
      .toBe('ok:["@a:example.com","@b:[::1]:8448"]');
    expect(access({}, 'userIdList', key)).toBe('ok:[]');
    expect(access({ [key]: null }, 'userIdList', key)).toBe('ok:[]');
    expect(access({ [key]: [] }, 'userIdList', key)).toBe('ok:[]');
  });

  it.each([['@a:example.com'], [5], [{ a: 1 }], [[1]], [[null]], [['@a:x', 2]], [true]])(
    "refuses %j with the key's name",
    (value) => {
      expect(access({ [key]: value }, 'userIdList', key)).toBe(`err:${key}: expected a list of user IDs`);
    },
  );

  it('names a malformed user ID and says what is wrong with it', () => {
    expect(access({ [key]: ['@a:x', 'bob'] }, 'userIdList', key))
      .toBe(`err:${key}: "bob" is not a valid user ID (must start with @)`);
    expect(access({ [key]: ['@bob'] }, 'userIdList', key))
      .toBe(`err:${key}: "@bob" is not a valid user ID (missing ':' before the server name)`);
    expect(access({ [key]: ['@bob:exa mple.com'] }, 'userIdList', key))
      .toBe(`err:${key}: "@bob:exa mple.com" is not a valid user ID (invalid server name)`);
  });
});

describe('allowKeys', () => {
  it('names the first unknown key and the allowed ones', () => {
    expect(access({ always_send_to_users: [], foo: 1 }, 'allowKeys', 'always_send_to_users,blacklisted_users'))
      .toBe('err:unknown key "foo" (allowed: always_send_to_users, blacklisted_users)');
    expect(access({ bar: 1 }, 'allowKeys', '')).toBe('err:unknown key "bar" (allowed: none)');
    expect(access({ always_send_to_users: [] }, 'allowKeys', 'always_send_to_users,blacklisted_users'))
      .toBe('ok:null');
  });
});

describe('the other accessors', () => {
  it('stringList', () => {
    expect(access({ k: ['a', 'é'] }, 'stringList', 'k')).toBe('ok:["a","é"]');
    expect(access({ k: 'a' }, 'stringList', 'k')).toBe('err:k: expected a list of strings');
    expect(access({ k: ['a', 1] }, 'stringList', 'k')).toBe('err:k: expected a list of strings');
  });

  it('serverNameList', () => {
    expect(access({ k: ['example.com', '[::1]:8448', '10.0.0.1'] }, 'serverNameList', 'k'))
      .toBe('ok:["example.com","[::1]:8448","10.0.0.1"]');
    expect(access({ k: ['example.com', 'bad name'] }, 'serverNameList', 'k'))
      .toBe('err:k: "bad name" is not a valid server name');
    expect(access({ k: 'example.com' }, 'serverNameList', 'k')).toBe('err:k: expected a list of server names');
  });

  it('string and bool, with their fallbacks', () => {
    expect(access({ k: 'v' }, 'string', 'k')).toBe('ok:"v"');
    expect(access({}, 'string', 'k')).toBe('ok:"fallback"');
    expect(access({ k: null }, 'string', 'k')).toBe('ok:"fallback"');
    expect(access({ k: 5 }, 'string', 'k')).toBe('err:k: expected a string');
    expect(access({ k: true }, 'bool', 'k')).toBe('ok:true');
    expect(access({}, 'bool', 'k')).toBe('ok:false');
    expect(access({ k: 'yes' }, 'bool', 'k')).toBe('err:k: expected true or false');
  });

  it('has: present and not null', () => {
    expect(access({ k: 0 }, 'has', 'k')).toBe('ok:true');
    expect(access({ k: null }, 'has', 'k')).toBe('ok:false');
    expect(access({ j: 1 }, 'has', 'k')).toBe('ok:false');
  });

  it('userIdListMap', () => {
    expect(access({ groups: { sales: ['@a:x.org', '@b:x.org'], ops: [] } }, 'userIdListMap', 'groups'))
      .toBe('ok:{"sales":["@a:x.org","@b:x.org"],"ops":[]}');
    expect(access({}, 'userIdListMap', 'groups')).toBe('ok:{}');
    expect(access({ groups: ['@a:x.org'] }, 'userIdListMap', 'groups'))
      .toBe('err:groups: expected a map from names to lists of user IDs');
    expect(access({ groups: new Map([[1, ['@a:x.org']]]) }, 'userIdListMap', 'groups'))
      .toBe('err:groups: expected a map from names to lists of user IDs');
    expect(access({ groups: { sales: '@a:x.org' } }, 'userIdListMap', 'groups'))
      .toBe('err:groups.sales: expected a list of user IDs');
    expect(access({ groups: { sales: ['@a:x.org', 'a'] } }, 'userIdListMap', 'groups'))
      .toBe('err:groups.sales: "a" is not a valid user ID (must start with @)');
  });

  it('keeps the first error and answers empty after it', () => {
    expect(access({}, 'fail', 'mine')).toBe('err:mine');
    expect(sdk.str('afterError', packr.pack({ a: ['@a:x.org'], b: 'v' }))).toBe('err:first|[]|fb');
  });

  it('reads configs with values the accessors skip (floats, nesting, big integers)', () => {
    const config = { a: 1.5, b: { c: [1, { d: null }] }, e: 2n ** 64n - 1n, f: -(2n ** 63n), k: ['@a:x.org'] };
    expect(access(config, 'userIdList', 'k')).toBe('ok:["@a:x.org"]');
    expect(access(hex('82 a1 6b 91 a4 40 61 3a 78 a1 62 c4 02 0102'), 'userIdList', 'k')).toBe('ok:["@a:x"]');
  });
});
