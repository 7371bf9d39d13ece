// guest-sdk/userid.ts against docs/abi.md "User IDs", with a regular expression of the same grammar as
// an independent oracle.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, loadHarness } from './harness.js';

let sdk: Harness;

beforeAll(async () => {
  sdk = await loadHarness('sdk');
});

const reason = (id: string) => sdk.str('userIdReason', id);
const SERVER = /^(?:[A-Za-z0-9.-]{1,255}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;
const USER_ID = /^@[\x21-\x39\x3b-\x7e]+:(.*)$/s;
const oracle = (id: string) => id.length <= 255 && USER_ID.test(id) && SERVER.test(id.slice(id.indexOf(':') + 1));

describe('user IDs', () => {
  it.each([
    '@alice:example.com', '@a:1.2.3.4', '@a:[::1]', '@a:[2001:db8::1]:8448', '@a:example.com:8448',
    "@a!#$%&'*+/=?^_`{|}~-.b:x.org", '@Upper.Case:X-Y.org', `@${"a".repeat(252)}:x`,
  ])('accepts %s', (id) => {
    expect(reason(id)).toBe('');
  });

  it.each([
    ['', 'must start with @'],
    ['alice:x', 'must start with @'],
    ['@alice', "missing ':' before the server name"],
    ['@:x', "the localpart must be printable ASCII other than ':'"],
    ['@a b:x', "the localpart must be printable ASCII other than ':'"],
    ['@é:x', "the localpart must be printable ASCII other than ':'"],
    ['@a\u007f:x', "the localpart must be printable ASCII other than ':'"],
    ['@a:', 'invalid server name'],
    ['@a:exa_mple.com', 'invalid server name'],
    ['@a:x:', 'invalid server name'],
    ['@a:x:123456', 'invalid server name'],
    ['@a:x:12a', 'invalid server name'],
    ['@a:[::1', 'invalid server name'],
    ['@a:[g::1]', 'invalid server name'],
    ['@a:[:]', 'invalid server name'],
    ['@a:[::1]x', 'invalid server name'],
    ['@a:ex ample.org', 'invalid server name'],
    [`@${"a".repeat(253)}:x`, 'longer than 255 bytes'],
  ])('refuses %j: %s', (id, expected) => {
    expect(reason(id)).toBe(expected);
  });

  it('agrees with the grammar on arbitrary strings', () => {
    const char = fc.constantFrom(...'@:[]ab.-09xZ_ é'.split(''));
    const id = fc.oneof(
      fc.string({ unit: char, maxLength: 16 }),
      fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), fc.string({ unit: char, maxLength: 10 }))
        .map(([l, s]) => `@${l}:${s}`),
    );
    fc.assert(fc.property(id, (s) => { expect(reason(s) === '').toBe(oracle(s)); }), { numRuns: 3000 });
  });

  it('serverName is everything after the first colon', () => {
    expect(sdk.str('serverNameOf', '@a:x.org:8448')).toBe('x.org:8448');
    expect(sdk.str('serverNameOf', '@a:[::1]')).toBe('[::1]');
    expect(sdk.str('serverNameOf', 'nocolon')).toBe('');
  });

  it('server names on their own', () => {
    for (const good of ['x', 'example.com', '1.2.3.4:80', '[::1]', '[fe80::1%]'.replace('%', '')]) {
      expect(sdk.call('serverNameValid', good), good).toBe(1);
    }
    for (const bad of ['', ':80', '[::1]:', 'a/b', '[' + '1'.repeat(46) + ']', 'x'.repeat(256)]) {
      expect(sdk.call('serverNameValid', bad), bad).toBe(0);
    }
  });
});
