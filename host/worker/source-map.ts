/**
 * A module's source map (version 3, as AssemblyScript's debug build writes it next to the .wasm),
 * decoded into a table from Wasm byte offset to source position, for naming where a trap happened.
 * Wasm source maps have one generated line whose columns are byte offsets in the binary.
 *
 * The map comes with the module and is untrusted: anything unexpected (bad JSON, a wrong version, a
 * VLQ past 32 bits, a source index out of range, more segments than MAX_SEGMENTS) yields undefined, so
 * the trap keeps today's message. The work is linear in the map's size, which admission caps
 * (MAX_SOURCE_MAP_BYTES), and it runs only when a call traps.
 *
 * Why not a library (source-map, @jridgewell/trace-mapping): only the first line's segments and one
 * lookup are needed, and decoding by hand keeps every bound explicit on hostile input; a dependency for
 * ~80 lines would not earn its place.
 */

/** Largest map read at admission: AssemblyScript's map of a bundled router is about 600 KB. */
export const MAX_SOURCE_MAP_BYTES = 8 * 1024 * 1024;
/** Most mappings kept; a map of MAX_SOURCE_MAP_BYTES cannot hold many more (each takes >= 1 byte). */
const MAX_SEGMENTS = 4 * 1024 * 1024;
/** Most sources named; a source's name longer than MAX_NAME_LENGTH is cut. */
const MAX_SOURCES = 65_536;
const MAX_NAME_LENGTH = 256;

export interface SourcePosition {
  source: string;
  line: number;
  column: number;
}

export interface SourceMapTable {
  sources: string[];
  /** Ascending byte offsets; segment i covers offsets[i] up to offsets[i + 1]. */
  offsets: Uint32Array;
  source: Uint32Array;
  /** 1-based, as an editor shows them. */
  line: Uint32Array;
  column: Uint32Array;
}

const BASE64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;

/** The map's table, or undefined when the text is not a source map this can use. */
export function decodeSourceMap(text: string): SourceMapTable | undefined {
  if (text.length > MAX_SOURCE_MAP_BYTES) return undefined;
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { version, sources, mappings } = (map ?? {}) as Record<string, unknown>;
  if (version !== 3 || !Array.isArray(sources) || typeof mappings !== 'string') return undefined;
  if (sources.length > MAX_SOURCES || !sources.every((s) => typeof s === 'string')) return undefined;
  return decodeMappings(mappings, (sources as string[]).map(printable));
}

function decodeMappings(mappings: string, sources: string[]): SourceMapTable | undefined {
  const offsets: number[] = [];
  const source: number[] = [];
  const line: number[] = [];
  const column: number[] = [];
  // Fields are deltas from the previous segment's (the generated column from the previous on this line).
  const state = [0, 0, 0, 0];
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  const end = mappings.indexOf(';') === -1 ? mappings.length : mappings.indexOf(';');
  for (let i = 0; i <= end; i++) {
    const c = i === end ? 44 : mappings.charCodeAt(i);
    if (c === 44 /* , */) {
      if (shift !== 0) return undefined; // a VLQ cut off by the comma
      if (fields.length === 0) continue;
      const count = fields.length;
      if (count !== 1 && count !== 4 && count !== 5) return undefined;
      for (let f = 0; f < Math.min(count, 4); f++) state[f]! += fields[f]!;
      fields.length = 0;
      const [offset, src, ln, col] = state as [number, number, number, number];
      if (offset < 0 || offset > 0xffff_ffff || (offsets.length > 0 && offset < offsets[offsets.length - 1]!)) return undefined;
      if (src < 0 || src >= sources.length || ln < 0 || col < 0) return undefined;
      if (offsets.length >= MAX_SEGMENTS) return undefined;
      // A one-field segment maps its offsets to nothing: it ends the previous mapping's range.
      offsets.push(offset);
      source.push(count === 1 ? 0xffff_ffff : src);
      line.push(ln + 1);
      column.push(col + 1);
      continue;
    }
    const digit = c < 128 ? BASE64[c]! : -1;
    if (digit < 0 || shift > 30) return undefined;
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return {
    sources,
    offsets: Uint32Array.from(offsets),
    source: Uint32Array.from(source),
    line: Uint32Array.from(line),
    column: Uint32Array.from(column),
  };
}

/** The source position of the byte at `offset`, or undefined when no mapping covers it. */
export function lookup(table: SourceMapTable, offset: number): SourcePosition | undefined {
  let lo = 0;
  let hi = table.offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.offsets[mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - 1;
  if (i < 0) return undefined;
  const src = table.source[i]!;
  if (src === 0xffff_ffff) return undefined;
  return { source: table.sources[src]!, line: table.line[i]!, column: table.column[i]! };
}

/** A source name fit for a one-line message: control characters replaced, length cut. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > MAX_NAME_LENGTH ? `${clean.slice(0, MAX_NAME_LENGTH)}…` : clean;
}
