/**
 * host/wire/encode-routing.ts, the binary wire's answer: what it writes is the msgpack map it was given,
 * read back by an independent decoder, across every header width and integer width it may use.
 */
import fc from 'fast-check';
import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeRouting } from '../../dist/host/wire/encode-routing.js';

const reader = new Unpackr({ useRecords: false, mapsAsObjects: false });

describe('encodeRouting', () => {
  it('round-trips destinations of any length and indices of any width', () => {
    const destination = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.string({ minLength: 250, maxLength: 300 })).map((s) => `@${s}:x.org`);
    const indices = fc.array(fc.oneof(fc.nat(0x7f), fc.nat(0xff), fc.nat(0xffff), fc.nat(0xffffffff)), { maxLength: 20 });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(destination, indices), { selector: ([d]) => d, maxLength: 20 }), (entries) => {
        const routing = new Map(entries.map(([d, ix]) => [d, Uint32Array.from(ix)]));
        const back = reader.unpack(encodeRouting(routing)) as Map<string, number[]>;
        expect([...back.entries()]).toEqual(entries.map(([d, ix]) => [d, ix]));
      }),
    );
  });

  it('uses 16- and 32-bit map and array headers past their fix forms', () => {
    for (const n of [15, 16, 0xffff, 0x10000]) {
      const routing = new Map([['@a:x.org', Uint32Array.from({ length: n }, (_, i) => i)]]);
      expect((reader.unpack(encodeRouting(routing)) as Map<string, number[]>).get('@a:x.org')).toHaveLength(n);
      const many = new Map(Array.from({ length: n }, (_, i) => [`@u${i}:x.org`, new Uint32Array(0)]));
      expect((reader.unpack(encodeRouting(many)) as Map<string, number[]>).size).toBe(n);
    }
  });
});
