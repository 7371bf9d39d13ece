/**
 * host/routing/distinct.ts: equal states count once, whatever the batch, against the plainest oracle
 * (the JSON of the seven fields). Batches draw from few users and few values per field, so the same user
 * with different states, and the same state repeated, are both common.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DistinctStates } from '../../../dist/host/routing/distinct.js';
import type { WireState } from '../../../dist/host/protocol/abi.js';

const wireState: fc.Arbitrary<WireState> = fc.tuple(
  fc.constantFrom('@a:x.org', '@b:x.org', '@c:y.org'),
  fc.constantFrom('online', 'offline'),
  fc.constantFrom(0, 1, 2 ** 53),
  fc.constantFrom(0, 7),
  fc.constantFrom(0, 2 ** 32),
  fc.constantFrom(null, '', 'null', '\u0001', 'x\u00000\u00001'),
  fc.boolean(),
);

function firstOfEach(states: WireState[]): boolean[] {
  const seen = new Set<string>();
  return states.map((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('DistinctStates', () => {
  it('keeps the first of each set of equal states, and only those', () => {
    fc.assert(fc.property(fc.array(wireState, { maxLength: 40 }), (states) => {
      const distinct = new DistinctStates();
      // Copies, so equality is by value and never by identity.
      expect(states.map((s) => distinct.add([...s] as WireState))).toEqual(firstOfEach(states));
    }), { numRuns: 2000 });
  });

  it('tells a null status message from an empty or literal "null" one', () => {
    const base: WireState = ['@a:x.org', 'online', 0, 0, 0, null, true];
    const distinct = new DistinctStates();
    expect([null, '', 'null', null].map((msg) => distinct.add([...base.slice(0, 5), msg, true] as WireState))).toEqual([true, true, true, false]);
  });
});
