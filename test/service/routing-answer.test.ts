/**
 * host/service/routing-answer.ts: the users_for_states answer written from the indexed routing is, byte
 * for byte, what JSON.stringify and msgpackr wrote for the answer built as objects (routing/present.ts
 * routingToObject), for arbitrary states, destinations and routings.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { routingToObject } from '../../dist/host/routing/present.js';
import { routingAnswerJson, routingAnswerMsgpack } from '../../dist/host/service/routing-answer.js';
import type { UserPresenceState } from '../helpers/host.js';
import { presenceState, userId } from '../generators/presence.js';

const packr = new Packr({ useRecords: false });

/** Distinct states, and for each destination an ascending list of indices into them (possibly empty). */
const routed = fc.array(presenceState, { minLength: 1, maxLength: 20 }).chain((distinct) =>
  fc.tuple(
    fc.constant(distinct),
    fc.dictionary(userId, fc.uniqueArray(fc.nat(distinct.length - 1), { maxLength: distinct.length }), { maxKeys: 8 }),
    // Key orders a caller may send: the answer echoes each object as it came.
    fc.array(fc.boolean(), { minLength: distinct.length, maxLength: distinct.length }),
  ),
);

describe('the users_for_states answer', () => {
  it('is the bytes the answer built as objects had, in JSON and in msgpack', () => {
    fc.assert(
      fc.property(routed, ([states, dictionary, reversed]) => {
        const distinct = states.map((s, i) => (reversed[i] ? Object.fromEntries(Object.entries(s).reverse()) : s)) as UserPresenceState[];
        const lists = new Map(Object.entries(dictionary).map(([d, l]) => [d, Uint32Array.from([...l].sort((a, b) => a - b))]));
        const sets = new Map([...lists].map(([d, l]) => [d, new Set(Array.from(l, (i) => distinct[i]!))]));
        const asObjects = { routing: routingToObject(sets, distinct) };
        expect(routingAnswerJson({ distinct, lists })).toBe(JSON.stringify(asObjects));
        const bytes = routingAnswerMsgpack({ distinct, lists }, packr);
        expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(packr.pack(asObjects)).toString('hex'));
      }),
    );
  });

  it('falls back to msgpackr for a value a checked state cannot hold, and still answers the same', () => {
    const odd = { user_id: '@a:x.org', state: 'online', extra: { nested: [1.5] } } as unknown as UserPresenceState;
    const lists = new Map([['@b:x.org', Uint32Array.of(0)]]);
    const bytes = routingAnswerMsgpack({ distinct: [odd], lists }, packr);
    expect(packr.unpack(bytes)).toEqual({ routing: { '@b:x.org': [odd] } });
  });
});
