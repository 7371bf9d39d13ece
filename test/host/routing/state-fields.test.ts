/**
 * host/routing/state-fields.ts: presenceIndex, a switch on lengths for speed, is PRESENCE_STATES' indexOf
 * for every value, so the switch and the list cannot drift apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESENCE_STATES } from '../../../dist/host/presence.js';
import { isPresenceState, presenceIndex } from '../../../dist/host/routing/state-fields.js';

const nearMisses = PRESENCE_STATES.flatMap((s) => [s.toUpperCase(), s.slice(1), `${s}x`, `${s.slice(0, -1)}x`, ` ${s.slice(1)}`]);

describe('presenceIndex', () => {
  it("is PRESENCE_STATES' index of every state, and -1 for near misses and other values", () => {
    PRESENCE_STATES.forEach((s, i) => expect(presenceIndex(s)).toBe(i));
    for (const v of [...nearMisses, '', 'away', null, undefined, 6, ['online'], { length: 6 }]) expect(presenceIndex(v)).toBe(-1);
  });

  it('agrees with indexOf on any string and value', () => {
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom<unknown>(...PRESENCE_STATES, ...nearMisses), fc.anything());
    fc.assert(
      fc.property(value, (v) => {
        expect(presenceIndex(v)).toBe((PRESENCE_STATES as readonly unknown[]).indexOf(v));
        expect(isPresenceState(v)).toBe(presenceIndex(v) >= 0);
      }),
    );
  });
});
