/**
 * host/userid.ts: the one-pass isUserId (it runs for every state of every batch) against the grammar as
 * Synapse states it (test/reference/user-id.ts), an independent oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isServerName, isUserId, whyNotUserId } from '../../dist/host/userid.js';
import {
  BAD_USER_IDS, GOOD_USER_IDS, type Refusal, ipv6Candidate, isIpv6ByRfc, isServerNameByGrammar, isUserIdByGrammar, serverNameCandidate, userIdCandidate,
} from '../reference/user-id.js';

/** The part of whyNotUserId's answer each kind of refusal must contain. */
const HOST_REASON: Record<Refusal, string> = {
  sigil: "it must start with '@'", colon: "no ':'", empty: 'the localpart is empty', nul: 'U+0000',
  surrogate: 'lone UTF-16 surrogate', length: 'longer than 255 bytes', server: 'server name',
};

describe('isUserId', () => {
  it.each(GOOD_USER_IDS)('accepts %j', (id) => {
    expect(isUserId(id)).toBe(true);
    expect(isUserIdByGrammar(id)).toBe(true);
  });

  it.each(BAD_USER_IDS)('refuses %j (%s)', (id, kind) => {
    expect(isUserId(id)).toBe(false);
    expect(isUserIdByGrammar(id)).toBe(false);
    expect(whyNotUserId(id)).toContain(HOST_REASON[kind]);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['@a:x'], { user_id: '@a:x' }]) expect(isUserId(value)).toBe(false);
  });

  it('agrees with the grammar on arbitrary strings', () => {
    fc.assert(fc.property(userIdCandidate, (s) => { expect(isUserId(s)).toBe(isUserIdByGrammar(s)); }), { numRuns: 5000 });
  });

  it('agrees with the grammar on server names, IPv6 literals included', () => {
    fc.assert(fc.property(serverNameCandidate, (s) => { expect(isServerName(s)).toBe(isServerNameByGrammar(s)); }), { numRuns: 5000 });
    fc.assert(fc.property(ipv6Candidate, (a) => { expect(isServerName(`[${a}]`)).toBe(isIpv6ByRfc(a)); }), { numRuns: 5000 });
  });
});
