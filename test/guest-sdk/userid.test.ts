// guest-sdk/userid.ts against docs/abi.md "User IDs", with the grammar as Synapse states it
// (test/reference/user-id.ts) as an independent oracle: the same oracle and cases as the host's check.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_USER_IDS, GOOD_USER_IDS, type Refusal, isServerNameByGrammar, isUserIdByGrammar, serverNameCandidate, userIdCandidate,
} from '../reference/user-id.js';
import { type Harness, loadHarness } from './harness.js';

let sdk: Harness;

beforeAll(async () => {
  sdk = await loadHarness('sdk');
});

const reason = (id: string) => sdk.str('userIdReason', id);

const SDK_REASON: Record<Refusal, string> = {
  sigil: 'must start with @',
  colon: "missing ':' before the server name",
  empty: 'the localpart is empty',
  nul: 'holds U+0000 (NUL)',
  surrogate: 'holds a lone UTF-16 surrogate',
  length: 'longer than 255 bytes of UTF-8',
  server: 'invalid server name',
};

describe('user IDs', () => {
  it.each(GOOD_USER_IDS)('accepts %j', (id) => {
    expect(reason(id)).toBe('');
  });

  it.each(BAD_USER_IDS)('refuses %j (%s)', (id, kind) => {
    expect(reason(id)).toBe(SDK_REASON[kind]);
  });

  it('agrees with the grammar on arbitrary strings', () => {
    fc.assert(fc.property(userIdCandidate, (s) => { expect(reason(s) === '').toBe(isUserIdByGrammar(s)); }), { numRuns: 3000 });
  });

  it('serverName is everything after the first colon', () => {
    expect(sdk.str('serverNameOf', '@a:x.org:8448')).toBe('x.org:8448');
    expect(sdk.str('serverNameOf', '@a:[::1]')).toBe('[::1]');
    expect(sdk.str('serverNameOf', '@zoë:example.org')).toBe('example.org');
    expect(sdk.str('serverNameOf', 'nocolon')).toBe('');
  });

  it('server names on their own', () => {
    for (const good of ['x', 'example.com', '1.2.3.4:80', '[::1]', '[::ffff:1.2.3.4]:8448', 'x:123456']) {
      expect(sdk.call('serverNameValid', good), good).toBe(1);
    }
    for (const bad of ['', ':80', '[::1]:', 'a/b', '[' + '1'.repeat(46) + ']', 'x.', 'zoë.org', '[fe80::1%eth0]']) {
      expect(sdk.call('serverNameValid', bad), bad).toBe(0);
    }
    fc.assert(fc.property(serverNameCandidate, (s) => {
      expect(sdk.call('serverNameValid', s) === 1).toBe(isServerNameByGrammar(s));
    }), { numRuns: 3000 });
  });
});
