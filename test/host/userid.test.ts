/**
 * host/userid.ts: the one-pass isUserId (it runs for every state of every batch) against a regular
 * expression of the same grammar (test/reference/user-id.ts) as an independent oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUserId } from '../../dist/host/userid.js';
import { isUserIdByGrammar, userIdCandidate } from '../reference/user-id.js';

describe('isUserId', () => {
  it.each([
    '@alice:example.com', '@a:1.2.3.4', '@a:[::1]', '@a:[2001:db8::1]:8448', '@a:example.com:8448', '@a:x:1',
    "@a!#$%&'*+/=?^_`{|}~-.b:x.org", '@Upper.Case:X-Y.org', `@${'a'.repeat(252)}:x`,
  ])('accepts %s', (id) => {
    expect(isUserId(id)).toBe(true);
  });

  it.each([
    '', 'alice:x', '@alice', '@:x', '@a b:x', '@é:x', '@a\u007f:x', '@a:', '@a:exa_mple.com', '@a:x:', '@a:x:123456',
    '@a:x:12a', '@a:[::1', '@a:[g::1]', '@a:[::1]x', '@a:ex ample.org', '@a::80', `@${'a'.repeat(253)}:x`,
  ])('refuses %j', (id) => {
    expect(isUserId(id)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['@a:x'], { user_id: '@a:x' }]) expect(isUserId(value)).toBe(false);
  });

  it('agrees with the grammar on arbitrary strings', () => {
    fc.assert(fc.property(userIdCandidate, (s) => { expect(isUserId(s)).toBe(isUserIdByGrammar(s)); }), { numRuns: 3000 });
  });
});
