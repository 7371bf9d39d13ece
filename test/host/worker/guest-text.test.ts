/** host/worker/guest-text.ts: the one rule for text read out of a guest. */
import { describe, expect, it } from 'vitest';
import { failure } from '../../helpers/guest.js';
import { readUtf16leCut, readUtf8, readUtf8Cut } from '../../../dist/host/worker/guest-text.js';

describe('the one decoding rule', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));

  it('keeps a BOM and refuses what is not UTF-8, never replacing it', () => {
    expect(readUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), 'x')).toBe('\uFEFFA');
    expect(failure(() => readUtf8(new Uint8Array([0x41, 0xff]), 'x')).message).toBe('x: not valid UTF-8');
  });

  it('cuts UTF-8 at the last character boundary at or before the cap, checking the character across it', () => {
    expect(readUtf8Cut(utf8('abc'), 3, 'x')).toEqual({ text: 'abc', cut: false });
    expect(readUtf8Cut(utf8('abcd'), 3, 'x')).toEqual({ text: 'abc', cut: true });
    expect(readUtf8Cut(utf8('ab€d'), 3, 'x')).toEqual({ text: 'ab', cut: true });
    expect(readUtf8Cut(utf8('ab€d'), 4, 'x')).toEqual({ text: 'ab', cut: true });
    expect(readUtf8Cut(utf8('ab€d'), 5, 'x')).toEqual({ text: 'ab€', cut: true });
    expect(readUtf8Cut(utf8('a😀b'), 2, 'x')).toEqual({ text: 'a', cut: true });
    expect(readUtf8Cut(utf8('a😀b'), 4, 'x')).toEqual({ text: 'a', cut: true });
    // The character across the cut is invalid (a lead byte then a non-continuation): refused.
    expect(failure(() => readUtf8Cut(new Uint8Array([0x61, 0xe2, 0x82, 0x41]), 2, 'x')).code).toBe('bad_output');
    // A fourth continuation byte after the cut is invalid, and refused.
    expect(failure(() => readUtf8Cut(new Uint8Array([0xf0, 0x9f, 0x98, 0x80, 0x80, 0x41]), 1, 'x')).code).toBe('bad_output');
    // Invalid bytes before the cut are refused; those after the straddling character are never read.
    expect(failure(() => readUtf8Cut(new Uint8Array([0xff, 0x41, 0x41]), 2, 'x')).code).toBe('bad_output');
    expect(readUtf8Cut(new Uint8Array([0x41, 0x41, 0xff]), 2, 'x')).toEqual({ text: 'AA', cut: true });
  });

  it('cuts UTF-16LE between code points; refuses a lone surrogate and an odd length', () => {
    expect(readUtf16leCut(utf16('\uFEFFok'), 1024, 'x')).toEqual({ text: '\uFEFFok', cut: false });
    expect(readUtf16leCut(utf16('abc'), 4, 'x')).toEqual({ text: 'ab', cut: true });
    expect(readUtf16leCut(utf16('a😀b'), 4, 'x')).toEqual({ text: 'a', cut: true });
    expect(readUtf16leCut(utf16('a😀b'), 6, 'x')).toEqual({ text: 'a😀', cut: true });
    expect(failure(() => readUtf16leCut(utf16('a\ud800b'), 1024, 'x')).message).toBe('x: not valid UTF-16 (a lone surrogate)');
    expect(failure(() => readUtf16leCut(utf16('a\udc00b'), 2, 'x')).code).toBe('bad_output');
    expect(failure(() => readUtf16leCut(new Uint8Array(3), 1024, 'x')).code).toBe('bad_output');
  });
});
