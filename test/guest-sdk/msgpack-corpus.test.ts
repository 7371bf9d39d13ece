// The guest's msgpack reader against an independent corpus, in both builds (debug as the harnesses
// build, release as modules ship): every encoding variant of every type, written by msgpackr where it
// can write that variant and by hand otherwise, with msgpackr's own decoding as the expected value;
// every truncation of every entry; and lying length headers near 2^31 and 2^32, which a 32-bit sum of
// header and length would wrap into "fits".

import { Packr, Unpackr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hex, loadHarness } from './harness.js';

const packr = new Packr({ useRecords: false });
const packr32 = new Packr({ useRecords: false, useFloat32: 1 }); // FLOAT32_OPTIONS.ALWAYS
const unpackr = new Unpackr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: false });

const be = (v: bigint | number, bytes: number): number[] => {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((BigInt(v) >> BigInt(8 * i)) & 0xffn));
  return out;
};
/** Type byte, big-endian length (or none), payload. */
const enc = (type: number, lenBytes: number, len: number, payload: number[] = []): Uint8Array =>
  Uint8Array.from([type, ...(lenBytes ? be(len, lenBytes) : []), ...payload]);
const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

function corpus(): Array<[string, Uint8Array]> {
  const c: Array<[string, Uint8Array]> = [];
  const add = (name: string, bytes: Uint8Array) => c.push([name, bytes]);
  add('nil', hex('c0'));
  add('false', hex('c2'));
  add('true', hex('c3'));
  for (const v of [0, 1, 127]) add(`positive fixint ${v}`, Uint8Array.of(v));
  for (const v of [-1, -32]) add(`negative fixint ${v}`, Uint8Array.of(v & 0xff));
  const ints: Array<[string, number, number, bigint[]]> = [
    ['uint8', 0xcc, 1, [0n, 5n, 255n]], ['uint16', 0xcd, 2, [0n, 5n, 65535n]],
    ['uint32', 0xce, 4, [0n, 5n, 2n ** 32n - 1n]], ['uint64', 0xcf, 8, [0n, 5n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n]],
    ['int8', 0xd0, 1, [-128n, -1n, 0n, 127n]], ['int16', 0xd1, 2, [-32768n, -1n, 5n, 32767n]],
    ['int32', 0xd2, 4, [-(2n ** 31n), -1n, 5n, 2n ** 31n - 1n]], ['int64', 0xd3, 8, [-(2n ** 63n), -1n, 5n, 2n ** 63n - 1n]],
  ];
  for (const [name, type, size, values] of ints) {
    for (const v of values) add(`${name} ${v}`, enc(type, 0, 0, be(BigInt.asUintN(size * 8, v), size)));
  }
  for (const v of [255, 65535, 2 ** 32 - 1, -128, -32768, -(2 ** 31)]) add(`msgpackr int ${v}`, packr.pack(v));
  for (const v of [2n ** 63n - 1n, -(2n ** 63n)]) add(`msgpackr bigint ${v}`, packr.pack(v));
  for (const v of [1.5, -0.25, 2 ** 40, 1e300, Number.NaN, -Infinity]) add(`float64 ${v}`, packr.pack(v));
  for (const v of [1.5, -0.25, 3.4e38]) add(`float32 ${v}`, packr32.pack(v));
  add('float32 0', hex('ca 00000000'));
  for (const s of ['', 'a', 'é🎉', 'x'.repeat(31)]) add(`fixstr ${s.length}`, packr.pack(s));
  for (const [name, type, lb] of [['str8', 0xd9, 1], ['str16', 0xda, 2], ['str32', 0xdb, 4]] as const) {
    for (const s of ['', 'abc', '€🎉', 'y'.repeat(lb === 1 ? 255 : 300)]) add(`${name} ${s.length}`, enc(type, lb, Buffer.byteLength(s), utf8(s)));
  }
  for (const n of [32, 255, 256, 65535, 65536]) add(`msgpackr str ${n}`, packr.pack('z'.repeat(n)));
  for (const [name, type, lb] of [['bin8', 0xc4, 1], ['bin16', 0xc5, 2], ['bin32', 0xc6, 4]] as const) {
    for (const n of [0, 1, 300]) if (lb > 1 || n < 256) add(`${name} ${n}`, enc(type, lb, n, new Array(n).fill(0xab)));
  }
  for (const n of [0, 5, 256, 65536]) add(`msgpackr bin ${n}`, packr.pack(Buffer.alloc(n, 7)));
  for (const [i, size] of [1, 2, 4, 8, 16].entries()) add(`fixext${size}`, enc(0xd4 + i, 0, 0, [0x01, ...new Array(size).fill(0xee)]));
  for (const [name, type, lb] of [['ext8', 0xc7, 1], ['ext16', 0xc8, 2], ['ext32', 0xc9, 4]] as const) {
    for (const n of [0, 3, 300]) if (lb > 1 || n < 256) add(`${name} ${n}`, enc(type, lb, n, [0x7f, ...new Array(n).fill(0xdd)]));
  }
  const items = [...packr.pack(1), ...packr.pack('a'), ...hex('c0')];
  add('fixarray 0', hex('90'));
  add('fixarray 3', Uint8Array.from([0x93, ...items]));
  add('array16 3', enc(0xdc, 2, 3, items));
  add('array32 3', enc(0xdd, 4, 3, items));
  for (const n of [15, 16, 65535, 65536]) add(`msgpackr array ${n}`, packr.pack(new Array(n).fill(0)));
  const pairs = [...packr.pack('k'), ...packr.pack([true, -5]), ...packr.pack('é'), ...packr.pack({ n: null })];
  add('fixmap 0', hex('80'));
  add('fixmap 2', Uint8Array.from([0x82, ...pairs]));
  add('map16 2', enc(0xde, 2, 2, pairs));
  add('map32 2', enc(0xdf, 4, 2, pairs));
  for (const n of [15, 16, 65536]) add(`msgpackr map ${n}`, packr.pack(new Map(Array.from({ length: n }, (_, i) => [i, i]))));
  add('nested', packr.pack({ a: [1, 300, -5, '🎉', null, true, 2 ** 40, 1.5], b: { c: [[[]]] } }));
  return c;
}

// What the reader's tree holds, as msgpackr reads it back: bin and ext are skipped (nil), every integer
// compared as a BigInt, and a uint64 above i64's range kept as the nearest float.
function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array || (v !== null && typeof v === 'object' && 'type' in v && 'data' in v)) return null;
  if (typeof v === 'bigint') return v > 2n ** 63n - 1n ? BigInt(Number(v)) : v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) return [...v].map(([k, x]) => [normalise(k), normalise(x)]);
  return v;
}

const decode = (bytes: Uint8Array): unknown => {
  try { return unpackr.unpack(bytes); } catch (e) {
    // msgpackr leaves ext types it does not know to the caller; the reader only needs to skip them.
    if (/extension/i.test(String(e))) return { type: 0, data: null };
    throw e;
  }
};

const CORPUS = corpus();

describe.each(['debug', 'release'] as const)('the %s build', (target) => {
  let codec: Harness;
  let sdk: Harness;
  beforeAll(async () => {
    [codec, sdk] = await Promise.all([loadHarness('codec', target), loadHarness('sdk', target)]);
  }, 300_000);

  it(`decodes and skips each of the ${CORPUS.length} corpus entries as msgpackr does`, () => {
    for (const [name, bytes] of CORPUS) {
      expect(codec.str('skipValue', bytes), name).toBe(`ok:${bytes.length}`);
      const back = codec.bytes('roundTrip', bytes);
      expect(codec.str('lastDecodeError'), name).toBe('');
      expect(normalise(unpackr.unpack(back)), name).toEqual(normalise(decode(bytes)));
    }
    expect(codec.str('readUint64', hex('cf ffffffffffffffff'))).toBe('ok:18446744073709551615');
  }, 120_000);

  it('refuses every truncation of every corpus entry (skipping and decoding)', () => {
    let checked = 0;
    for (const [name, bytes] of CORPUS) {
      if (bytes.length > 4096) continue; // the long entries' prefixes say nothing the short ones do not
      for (let n = 0; n < bytes.length; n++) {
        const prefix = bytes.subarray(0, n);
        expect(codec.str('skipValue', prefix), `${name}[0, ${n})`).toMatch(/^err:truncated input at byte \d+$/);
        codec.call('roundTrip', prefix);
        expect(codec.str('lastDecodeError'), `${name}[0, ${n})`).toMatch(/^truncated input at byte \d+$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  }, 300_000);

  // Lengths whose sum with the header wraps to a few bytes in 32 bits, and lengths across 2^31.
  const LIES = [0xffffffff, 0xfffffffe, 0xfffffffc, 0xfffffffb, 0xfffffffa, 0xfffffff7, 0x80000000, 0x7fffffff, 0x80000001];
  const HEADERS: Array<[string, number, number]> = [
    ['str32', 0xdb, 0], ['bin32', 0xc6, 0], ['ext32', 0xc9, 1], ['array32', 0xdd, 0], ['map32', 0xdf, 0],
  ];

  it.each(HEADERS)('refuses a %s header announcing lengths near 2^31 and 2^32, alone and inside an array', (_, type, extra) => {
    for (const len of LIES) {
      const body = [...new Array(extra).fill(0x01), 0xc3, 0x61, 0x62];
      const alone = enc(type, 4, len, body);
      const inside = Uint8Array.from([0x93, ...alone]);
      const what = `${type.toString(16)} ${len.toString(16)}`;
      expect(codec.str('skipValue', alone), what).toBe('err:truncated input at byte 0');
      expect(codec.str('skipValue', inside), what).toBe('err:truncated input at byte 1');
      codec.call('roundTrip', inside);
      expect(codec.str('lastDecodeError'), what).toBe('truncated input at byte 1');
      if (type === 0xdb) expect(codec.str('readString', alone), what).toBe('err:truncated input at byte 0');
      const config = Uint8Array.from([0x81, 0xa1, 0x6b, ...alone]);
      expect(sdk.str('access', config, 'none', ''), what).toBe('err:config: invalid msgpack: truncated input at byte 3');
    }
  });

  it('refuses the example from the issue: 93 c6 ffffffff c3', () => {
    codec.call('roundTrip', hex('93 c6 ffffffff c3'));
    expect(codec.str('lastDecodeError')).toBe('truncated input at byte 1');
    expect(sdk.str('access', hex('81 a1 6b 93 c6 ffffffff c3'), 'none', '')).toBe('err:config: invalid msgpack: truncated input at byte 4');
  });
});
