/**
 * The source map decoder on its own: the positions of a map encoded here by hand, and undefined (never
 * a throw) for anything that is not a map it can use, including any string at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_MAP_BYTES, decodeSourceMap, lookup } from '../../../host/worker/source-map.js';

/** Base64 VLQ of one value, as the source map spec writes it. */
function vlq(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += chars[digit];
  } while (v > 0);
  return out;
}

/** Segments [offset, source, line, column] (absolute, 0-based) as one generated line of deltas. */
function mappings(segments: number[][]): string {
  const previous = [0, 0, 0, 0];
  return segments.map((s) => s.map((v, i) => { const d = v - previous[i]!; previous[i] = v; return vlq(d); }).join('')).join(',');
}

const map = (segments: number[][], sources = ['~lib/array.ts', 'modules/x/index.ts']) =>
  JSON.stringify({ version: 3, sources, names: [], mappings: mappings(segments) });

describe('decodeSourceMap', () => {
  it('maps a byte offset to the last segment at or before it (1-based lines and columns)', () => {
    const table = decodeSourceMap(map([[100, 1, 26, 4], [120, 0, 113, 41], [300, 1, 30, 0]]))!;
    expect(lookup(table, 99)).toBeUndefined();
    expect(lookup(table, 100)).toEqual({ source: 'modules/x/index.ts', line: 27, column: 5 });
    expect(lookup(table, 119)).toEqual({ source: 'modules/x/index.ts', line: 27, column: 5 });
    expect(lookup(table, 120)).toEqual({ source: '~lib/array.ts', line: 114, column: 42 });
    expect(lookup(table, 10_000)).toEqual({ source: 'modules/x/index.ts', line: 31, column: 1 });
  });

  it('a one-field segment ends a mapping; later lines of the map are ignored', () => {
    const table = decodeSourceMap(JSON.stringify({ version: 3, sources: ['a.ts'], mappings: `${mappings([[10, 0, 0, 0]])},${vlq(10)};garbage!` }))!;
    expect(lookup(table, 15)).toEqual({ source: 'a.ts', line: 1, column: 1 });
    expect(lookup(table, 20)).toBeUndefined();
  });

  it('source names are made printable and cut', () => {
    const table = decodeSourceMap(map([[0, 0, 0, 0]], ['evil\nline\u2028' + 'x'.repeat(1000)]))!;
    const { source } = lookup(table, 0)!;
    expect(source).toMatch(/^evil\?line\?x+…$/);
    expect(source.length).toBeLessThan(300);
  });

  const refused: Record<string, string> = {
    'not JSON': '{"version":3,',
    'JSON null': 'null',
    'version 2': JSON.stringify({ version: 2, sources: ['a.ts'], mappings: 'AAAA' }),
    'sources not strings': JSON.stringify({ version: 3, sources: [1], mappings: 'AAAA' }),
    'no mappings': JSON.stringify({ version: 3, sources: ['a.ts'] }),
    'a character outside base64': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'A!AA' }),
    'a VLQ past 32 bits': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'gggggggggggggA' }),
    'a VLQ cut off': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAg' }),
    'three fields': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAA' }),
    'a source index out of range': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'ACAA' }),
    'a negative line': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AADA' }),
    'offsets going back': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'UAAA,HAAA' }),
    'over the size cap': JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA', pad: 'x'.repeat(MAX_SOURCE_MAP_BYTES) }),
  };
  for (const [name, text] of Object.entries(refused)) {
    it(`${name}: undefined`, () => expect(decodeSourceMap(text)).toBeUndefined());
  }

  it('any string, and any mappings string, gives a table or undefined, never a throw', () => {
    fc.assert(fc.property(fc.string(), (s) => { decodeSourceMap(s); }));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/,;!]{0,40}$/), fc.nat(0xffff_ffff), (m, offset) => {
        const table = decodeSourceMap(JSON.stringify({ version: 3, sources: ['a.ts', 'b.ts'], mappings: m }));
        if (table !== undefined) lookup(table, offset);
      }),
    );
  });
});
