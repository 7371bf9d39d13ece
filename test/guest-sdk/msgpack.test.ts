// The guest's msgpack reader and writer (guest-sdk/msgpack/), compiled from AssemblyScript and checked
// against msgpackr, the encoder the host uses.

import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hex, loadHarness, toHex } from './harness.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: false });
let codec: Harness;

beforeAll(async () => {
  codec = await loadHarness('codec');
});

function float64(v: number): Uint8Array {
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeDoubleBE(v, 1);
  return Uint8Array.from(b);
}

function float32(v: number): Uint8Array {
  const b = Buffer.alloc(5);
  b[0] = 0xca;
  b.writeFloatBE(v, 1);
  return Uint8Array.from(b);
}

describe('reading integers', () => {
  it.each([
    ['00', '0'], ['7f', '127'], ['e0', '-32'], ['ff', '-1'],
    ['cc ff', '255'], ['cd ffff', '65535'], ['ce ffffffff', '4294967295'],
    ['cf 7fffffffffffffff', '9223372036854775807'],
    ['d0 80', '-128'], ['d1 8000', '-32768'], ['d2 80000000', '-2147483648'],
    ['d3 8000000000000000', '-9223372036854775808'],
    ['cc 05', '5'], ['d3 0000000000000005', '5'],
  ])('decodes %s as %s', (bytes, expected) => {
    expect(codec.str('readInt', hex(bytes))).toBe(`ok:${expected}`);
  });

  it('reads every width msgpackr writes, float64 included above 2^32', () => {
    const values = [
      0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53,
      -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53),
    ];
    for (const v of values) expect(codec.str('readInt', packr.pack(v)), String(v)).toBe(`ok:${v}`);
    // The reason float64 must be accepted: msgpackr really writes this integer as a float64.
    expect(packr.pack(2 ** 32 + 1)[0]).toBe(0xcb);
  });

  it('reads 64-bit integers msgpackr writes from BigInt', () => {
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 40n, -(2n ** 40n)]) {
      expect(codec.str('readInt', packr.pack(v))).toBe(`ok:${v}`);
    }
  });

  it('reads float64 integers near 2^53 exactly', () => {
    for (const v of [2 ** 53 - 2, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 62, -(2 ** 53)]) {
      expect(codec.str('readInt', float64(v))).toBe(`ok:${BigInt(v)}`);
    }
    expect(codec.str('readInt', float32(16777216))).toBe('ok:16777216');
  });

  it('refuses non-integral floats, floats beyond i64 and uint64 beyond i64', () => {
    expect(codec.str('readInt', float64(1.5))).toBe('err:integer out of range at byte 0');
    expect(codec.str('readInt', float64(2 ** 63))).toBe('err:integer out of range at byte 0');
    expect(codec.str('readInt', float64(NaN))).toBe('err:integer out of range at byte 0');
    expect(codec.str('readInt', float64(Infinity))).toBe('err:integer out of range at byte 0');
    expect(codec.str('readInt', hex('cf 8000000000000000'))).toBe('err:integer out of range at byte 0');
    expect(codec.str('readUint64', hex('cf ffffffffffffffff'))).toBe('ok:18446744073709551615');
    expect(codec.str('readInt', hex('a1 61'))).toBe('err:expected an integer at byte 0');
  });
});

describe('reading strings', () => {
  const samples = [
    '', 'a', 'é', '€', '𝄞', '🎉', '👩‍👩‍👧 family', 'héllo wörld ✓', 'x'.repeat(31), 'x'.repeat(32),
    'é'.repeat(128), '🎉'.repeat(64), 'y'.repeat(65535), 'z'.repeat(65536),
  ];

  it('decodes fixstr, str8, str16 and str32 as UTF-8', () => {
    for (const s of samples) expect(codec.str('readString', packr.pack(s))).toBe(`ok:${s}`);
    expect(codec.str('readString', hex('d9 03 616263'))).toBe('ok:abc');
    expect(codec.str('readString', hex('da 0003 616263'))).toBe('ok:abc');
    expect(codec.str('readString', hex('db 00000003 616263'))).toBe('ok:abc');
  });

  it.each([
    ['a2 c3 28', 1], // a lead byte without its continuation
    ['a2 c0 80', 1], // overlong NUL
    ['a3 ed a0 80', 1], // a UTF-16 surrogate
    ['a4 f4 90 80 80', 1], // above U+10FFFF
    ['a3 61 e2 82', 2], // a sequence cut short by the string's end
    ['a1 ff', 1],
  ])('refuses invalid UTF-8 %s at byte %i', (bytes, offset) => {
    expect(codec.str('readString', hex(bytes))).toBe(`err:invalid UTF-8 in string at byte ${offset}`);
  });

  it("validates UTF-8 exactly as TextDecoder's fatal mode does", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
      let valid = true;
      try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { valid = false; }
      expect(codec.call('utf8Prefix', bytes) === bytes.length).toBe(valid);
    }), { numRuns: 2000 });
  });
});

describe('refusing truncated input and trailing bytes', () => {
  it.each([
    ['93 01 02', 0], // the array at byte 0 announces more elements than bytes remain
    ['92 01 cd', 2], // the second element, a uint16 at byte 2, is cut short
    ['a5 61 62', 0], // the string at byte 0 runs past the end
    ['cd 01', 0],
    ['82 a1 61 01 a1 62', 6],
    ['91 cb 00 00', 1],
    ['dd ffffffff', 0], // a header announcing more elements than there are bytes
    ['', 0],
  ])('%s: truncated input at byte %i', (bytes, offset) => {
    expect(codec.str('readArrayHeader', hex(bytes)) + '|' + codec.str('skipValue', hex(bytes)))
      .toContain(`truncated input at byte ${offset}`);
    codec.call('roundTrip', hex(bytes));
    expect(codec.str('lastDecodeError')).toBe(`truncated input at byte ${offset}`);
  });

  it('refuses every proper prefix of a real message', () => {
    const whole = packr.pack({ a: [1, 300, -5, '🎉 party', null, true, 2 ** 40], b: { c: 1.5 } });
    for (let n = 0; n < whole.length; n++) {
      codec.call('roundTrip', whole.subarray(0, n));
      expect(codec.str('lastDecodeError')).toMatch(/^truncated input at byte \d+$/);
    }
    codec.call('roundTrip', whole);
    expect(codec.str('lastDecodeError')).toBe('');
  });

  it('refuses trailing bytes with their offset', () => {
    expect(codec.str('readInt', hex('01 02'))).toBe('err:trailing bytes at byte 1');
    expect(codec.str('readArrayHeader', hex('91 01 c0'))).toBe('err:trailing bytes at byte 2');
    const packed = packr.pack({ a: 'b' });
    codec.call('roundTrip', Uint8Array.from([...packed, 0xc0]));
    expect(codec.str('lastDecodeError')).toBe(`trailing bytes at byte ${packed.length}`);
  });
});

describe('skipping values', () => {
  it.each([
    'c0', 'c2', 'c3', '7f', 'cf 0000000000000001', 'cb 3ff8000000000000', 'ca 3fc00000',
    'c4 02 0102', 'c5 0002 0102', 'c6 00000002 0102',
    'd4 01 00', 'd5 01 0000', 'd6 01 00000000', 'd7 01 0000000000000000', 'd8 01 ' + '00'.repeat(16),
    'c7 02 01 0102', 'c8 0002 01 0102', 'c9 00000002 01 0102',
    'a3 616263', 'd9 01 61', '92 c4 01 00 81 a1 61 d4 01 00',
  ])('skips %s whole', (bytes) => {
    expect(codec.str('skipValue', hex(bytes))).toBe(`ok:${hex(bytes).length}`);
  });

  it('refuses the reserved byte and absurd nesting', () => {
    expect(codec.str('skipValue', hex('c1'))).toBe('err:reserved type byte 0xc1 at byte 0');
    const deep = Uint8Array.from([...new Array(100).fill(0x91), 0x00]);
    expect(codec.str('skipValue', deep)).toBe('err:values nested too deeply at byte 64');
  });
});

describe('writing', () => {
  it.each([
    [0n, '00'], [127n, '7f'], [128n, 'cc80'], [255n, 'ccff'], [256n, 'cd0100'], [65535n, 'cdffff'],
    [65536n, 'ce00010000'], [2n ** 32n - 1n, 'ceffffffff'], [2n ** 32n, 'cf0000000100000000'],
    [2n ** 64n - 1n, 'cfffffffffffffffff'],
  ])('writes uint %s in its smallest form %s', (v, expected) => {
    const out = codec.bytes('writeUint', v);
    expect(toHex(out)).toBe(expected);
    expect(unpackr.unpack(out)).toBe(v > 2n ** 32n - 1n ? v : Number(v));
  });

  it.each([
    [-1n, 'ff'], [-32n, 'e0'], [-33n, 'd0df'], [-128n, 'd080'], [-129n, 'd1ff7f'], [-32768n, 'd18000'],
    [-32769n, 'd2ffff7fff'], [-(2n ** 31n), 'd280000000'], [-(2n ** 31n) - 1n, 'd3ffffffff7fffffff'],
    [5n, '05'],
  ])('writes int %s in its smallest form %s', (v, expected) => {
    const out = codec.bytes('writeInt', v);
    expect(toHex(out)).toBe(expected);
    expect(BigInt(unpackr.unpack(out) as number | bigint)).toBe(v);
  });

  it('writes strings with their UTF-8 byte length, not their UTF-16 length', () => {
    const cases: Array<[string, string]> = [
      ['x'.repeat(31), 'bf'], ['x'.repeat(32), 'd920'], ['🎉'.repeat(8), 'd920'], ['é'.repeat(16), 'd920'],
      ['€'.repeat(85), 'd9ff'], ['€'.repeat(86), 'da0102'], ['x'.repeat(65536), 'db00010000'],
    ];
    for (const [s, header] of cases) {
      const out = codec.bytes('writeString', s);
      expect(toHex(out.subarray(0, header.length / 2))).toBe(header);
      expect(out.length).toBe(header.length / 2 + Buffer.byteLength(s));
      expect(unpackr.unpack(out)).toBe(s);
    }
  });

  it('writes a lone surrogate as U+FFFD so the output stays valid UTF-8', () => {
    expect(toHex(codec.bytes('writeString', 'a\ud800b'))).toBe('a561efbfbd62');
  });

  it.each([0, 15, 16, 65535, 65536])('writes array and map headers for %i items', (n) => {
    const arr = codec.bytes('writeArray', n);
    const map = codec.bytes('writeMap', n);
    const [a, m] = n < 16 ? [0x90 | n, 0x80 | n] : n <= 0xffff ? [0xdc, 0xde] : [0xdd, 0xdf];
    expect([arr[0], map[0]]).toEqual([a, m]);
    expect((unpackr.unpack(arr) as unknown[]).length).toBe(n);
    expect((unpackr.unpack(map) as Map<number, null>).size).toBe(n);
    expect(codec.str('readArrayHeader', arr)).toBe(`ok:${n}`);
    expect(codec.str('readMapHeader', map)).toBe(`ok:${n}`);
  }, 30_000);

  it('writes float64', () => {
    expect(toHex(codec.bytes('writeFloat', 1.5))).toBe('cb3ff8000000000000');
  });
});

describe('round trips against msgpackr', () => {
  const key = fc.string({ unit: 'grapheme', maxLength: 8 }).filter((k) => k !== '__proto__');
  const leaf = fc.oneof(
    fc.constant(null), fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.maxSafeInteger(), fc.double(), fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 20 }),
      fc.dictionary(key, tie('node'), { maxKeys: 20 })),
  })).node;

  it('decodes and re-encodes any value msgpackr writes to the same value', () => {
    fc.assert(fc.property(value, (v) => {
      const packed = packr.pack(v);
      const back = codec.bytes('roundTrip', packed);
      expect(codec.str('lastDecodeError')).toBe('');
      expect(unpackr.unpack(back)).toEqual(unpackr.unpack(packed));
    }), { numRuns: 300 });
  });
});
