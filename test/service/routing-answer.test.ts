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
        expect(routingAnswerJson({ distinct, lists }).toString('utf8')).toBe(JSON.stringify(asObjects));
        expect(Buffer.from(routingAnswerJson({ distinct, lists })).equals(Buffer.from(JSON.stringify(asObjects)))).toBe(true);
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

describe('the JSON answer, written as bytes', () => {
  const oneState = (state: Record<string, unknown>) => {
    const distinct = [state] as unknown as UserPresenceState[];
    const lists = new Map([['@b:x.org', Uint32Array.of(0)]]);
    return routingAnswerJson({ distinct, lists }).toString('utf8');
  };
  const expected = (state: Record<string, unknown>) => JSON.stringify({ routing: { '@b:x.org': [state] } });

  it('escapes any UTF-16 text as JSON.stringify does: controls, quotes, backslashes, lone surrogates, pairs', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const text = fc.oneof(fc.string({ unit: codeUnit, maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }));
    fc.assert(
      fc.property(text, text, (status, user) => {
        const state = { user_id: user, state: 'online', last_active_ts: 1, last_federation_update_ts: 2, last_user_sync_ts: 3, status_msg: status, currently_active: true };
        expect(oneState(state)).toBe(expected(state));
      }),
    );
  });

  it('writes every timestamp as JSON.stringify does, around each digit count and the halves it is written in', () => {
    const edges = [0, 9, 10, 99_999_999, 100_000_000, 100_000_001, 100_000_007, 1_000_000_000_000, 1_763_800_000_000, 2 ** 32, 2 ** 53 - 1, 2 ** 53];
    for (const ts of edges) {
      const state = { user_id: '@a:x.org', state: 'offline', last_active_ts: ts, last_federation_update_ts: ts, last_user_sync_ts: ts, status_msg: null, currently_active: false };
      expect(oneState(state)).toBe(expected(state));
    }
  });

  it('falls back to JSON.stringify for what a checked state cannot hold, and states in runs are copied whole', () => {
    const odd = { user_id: '@a:x.org', state: 'online', extra: { nested: [1.5] }, last_active_ts: -1 };
    expect(oneState(odd)).toBe(expected(odd));
    const distinct = [0, 1, 2, 3].map((i) => ({ user_id: `@u${i}:x.org`, state: 'online', status_msg: null })) as unknown as UserPresenceState[];
    const lists = new Map([
      ['@c:x.org', Uint32Array.of(1, 2, 3)],
      ['@b:x.org', Uint32Array.of(0, 2, 3)],
      ['@d:x.org', Uint32Array.of()],
    ]);
    const sorted = { '@b:x.org': [distinct[0], distinct[2], distinct[3]], '@c:x.org': [distinct[1], distinct[2], distinct[3]], '@d:x.org': [] };
    expect(routingAnswerJson({ distinct, lists }).toString('utf8')).toBe(JSON.stringify({ routing: sorted }));
  });
});
