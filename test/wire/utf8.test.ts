/**
 * host/wire/utf8.ts: the in-place UTF-8 check decides exactly as Node's isUtf8 (and TextDecoder's fatal
 * mode) on any bytes, and on the edges one by one: overlongs, surrogates, past U+10FFFF, cut sequences.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8At, isUtf8At } from '../../dist/host/wire/utf8.js';

/** Bytes near UTF-8's boundaries, so that random sequences hit the edge cases often. */
const edgeByte = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff);

describe('isUtf8At', () => {
  it('agrees with node:buffer isUtf8 on arbitrary bytes, and at any offset', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(edgeByte, fc.integer({ min: 0, max: 255 })), { maxLength: 24 }), fc.nat(4), (bytes, pad) => {
        const u = Uint8Array.from([...Array(pad).fill(0xff), ...bytes, 0xff]);
        expect(isUtf8At(u, pad, pad + bytes.length)).toBe(isUtf8(Uint8Array.from(bytes)));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every well-formed string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      const u = new TextEncoder().encode(s);
      expect(isUtf8At(u, 0, u.length)).toBe(true);
    }));
  });

  it('refuses each kind of ill-formed sequence', () => {
    for (const bad of [[0x80], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98]]) {
      expect(isUtf8At(Uint8Array.from(bad), 0, bad.length)).toBe(false);
    }
  });
});

describe('firstInvalidUtf8At', () => {
  it('names where the first ill-formed sequence starts: the bytes before it are valid, the sequence there is not', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(edgeByte, fc.integer({ min: 0, max: 255 })), { maxLength: 24 }), (bytes) => {
        const u = Uint8Array.from(bytes);
        const at = firstInvalidUtf8At(u, 0, u.length);
        if (at < 0) {
          expect(isUtf8(u)).toBe(true);
          return;
        }
        expect(isUtf8(u.subarray(0, at))).toBe(true);
        // No well-formed sequence of 1 to 4 bytes starts there.
        for (let n = 1; n <= 4 && at + n <= u.length; n++) expect(isUtf8(u.subarray(at, at + n))).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
