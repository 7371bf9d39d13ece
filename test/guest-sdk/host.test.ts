// guest-sdk/host.ts and guest-sdk/router.ts: what a module sends the host, and Routing's bookkeeping.

import { Unpackr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, loadHarness } from './harness.js';

const unpackr = new Unpackr({ useRecords: false });
let sdk: Harness;

beforeAll(async () => {
  sdk = await loadHarness('sdk');
});

describe('host helpers', () => {
  it('log passes the level and the message as UTF-8 bytes', () => {
    sdk.call('callLog', 2, 'héllo 🎉 ✓');
    expect(sdk.logs.at(-1)).toEqual([2, 'héllo 🎉 ✓']);
  });

  it('sendLocalOnlinePresenceTo passes a msgpack array of user IDs', () => {
    sdk.call('callSend', '@a:x.org,@b:[::1]:8448');
    expect(unpackr.unpack(sdk.sends.at(-1)!)).toEqual(['@a:x.org', '@b:[::1]:8448']);
    sdk.call('callSend', '');
    expect(unpackr.unpack(sdk.sends.at(-1)!)).toEqual([]);
  });

  it('sendLocalOnlinePresenceTo traps on a malformed user ID instead of sending it', () => {
    const before = sdk.sends.length;
    expect(() => sdk.call('callSend', '@a:x.org,bob')).toThrow(/malformed user ID: bob/);
    expect(sdk.sends.length).toBe(before);
  });
});

describe('Routing and InterestedUsers', () => {
  it('merges indices per destination and keeps destinations with nothing routed', () => {
    expect(sdk.str('routing', '@a:x=1,2;@b:x=;@a:x=2,3')).toBe('@a:x=1,2,3;@b:x=');
  });

  it('keeps each destination\'s indices ascending and once, whatever order they are added in', () => {
    expect(sdk.str('routing', '@a:x=5,1,3;@b:x=2;@a:x=3,0,4,5,2;@a:x=9,1')).toBe('@a:x=0,1,2,3,4,5,9;@b:x=2');
  });

  it('refuses to route a state that did not come from the batch', () => {
    expect(() => sdk.call('routeForeignState')).toThrow(/not from this batch/);
  });

  it('InterestedUsers.all() stays all', () => {
    expect(sdk.str('interestedAll')).toBe('all:0:has');
  });
});
