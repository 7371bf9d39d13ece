/**
 * A msgpack writer for the few value types a presence state holds, into one growing scratch buffer that
 * its owner reuses from call to call. Every choice of encoding is msgpackr's (`new Packr({ useRecords:
 * false })`), so that what it writes is byte for byte what msgpackr would: the property test
 * test/host/routing/batch-encoder.test.ts holds the two together. Not msgpackr: a general encoder walks a
 * tuple built per state and checks each value's type again; this one is told the type, and writes UTF-8 by
 * hand with the lone-surrogate check in the same loop (bench question encode_vs_msgpackr).
 */
import { Buffer } from 'node:buffer';

/** Strings at least this long are written by Node's native UTF-8 encoder, as msgpackr does. */
const NATIVE_FROM_CHARS = 0x40;
const INITIAL_BYTES = 64 * 1024;

/**
 * Buffer's own utf8Write when this Node has it (every release does, undocumented; msgpackr uses it the
 * same way): `write(s, at, 'utf8')` checks its arguments in JavaScript first.
 */
const nativeUtf8Write = (Buffer.prototype as { utf8Write?: (s: string, at: number, max: number) => number }).utf8Write;

/** Where a writer's bytes live: a Buffer of at least `bytes` bytes, and the one it outgrew, given back. */
export interface WriterStorage {
  allocate(bytes: number): Buffer;
  free(outgrown: Buffer): void;
}

/** Plain memory of the writer's own, collected with it. */
const OWN_MEMORY: WriterStorage = { allocate: (bytes) => Buffer.allocUnsafeSlow(bytes), free: () => {} };

export class MsgpackWriter {
  bytes: Buffer;
  at = 0;
  /** Over `bytes`, for the callers that write at their own position (the `...At` methods). */
  view: DataView;
  private buffer: Buffer;

  constructor(initialBytes = INITIAL_BYTES, private readonly storage: WriterStorage = OWN_MEMORY) {
    this.buffer = this.bytes = storage.allocate(initialBytes);
    this.view = viewOf(this.buffer);
  }

  /** Room for `n` more bytes, growing (and copying) when there is not. */
  ensure(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const outgrown = this.bytes;
    const grown = this.storage.allocate(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(outgrown.subarray(0, this.at));
    this.storage.free(outgrown);
    this.writeInto(grown, this.at);
  }

  /** Writes into `bytes` from here on, from `at` (its first `at` bytes kept as they are). */
  writeInto(bytes: Buffer, at = 0): void {
    this.buffer = this.bytes = bytes;
    this.view = viewOf(bytes);
    this.at = at;
  }

  /** An array header for `n` elements (fixarray, array 16 or array 32). */
  arrayHeader(n: number): void {
    this.ensure(5);
    const b = this.bytes;
    if (n < 16) b[this.at++] = 0x90 | n;
    else if (n < 0x10000) {
      b[this.at++] = 0xdc;
      b[this.at++] = n >> 8;
      b[this.at++] = n & 0xff;
    } else {
      b[this.at++] = 0xdd;
      this.view.setUint32(this.at, n);
      this.at += 4;
    }
  }

  /** A map header as msgpackr writes every object's: always map 16. */
  map16(n: number): void {
    this.ensure(3);
    const b = this.bytes;
    b[this.at++] = 0xde;
    b[this.at++] = n >> 8;
    b[this.at++] = n & 0xff;
  }

  nil(): void {
    this.ensure(1);
    this.bytes[this.at++] = 0xc0;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.bytes[this.at++] = value ? 0xc3 : 0xc2;
  }

  /** A non-negative integer up to 2^53 (a timestamp): a uint up to 32 bits, else a float64, as msgpackr. */
  uint(value: number): void {
    this.ensure(9);
    this.at = this.uintAt(this.at, value);
  }

  /** uint() at `k`, with room for its 9 bytes already ensured; returns the position after it. */
  uintAt(k: number, value: number): number {
    const b = this.bytes;
    if (value >>> 0 === value) {
      if (value < 0x80) b[k++] = value;
      else if (value < 0x100) {
        b[k++] = 0xcc;
        b[k++] = value;
      } else if (value < 0x10000) {
        b[k++] = 0xcd;
        b[k++] = value >> 8;
        b[k++] = value & 0xff;
      } else {
        b[k] = 0xce;
        this.view.setUint32(k + 1, value);
        k += 5;
      }
    } else {
      b[k] = 0xcb;
      this.view.setFloat64(k + 1, value);
      k += 9;
    }
    return k;
  }

  /**
   * `s` as a str; false, with nothing written, when it holds a lone surrogate (UTF-8 cannot carry one,
   * host/text.ts). The header is reserved by the string's length and moved up when its bytes need a wider
   * one, as msgpackr does, so the result is the shortest header for the byte length.
   */
  str(s: string): boolean {
    const n = s.length;
    const reserved = strHeaderBytes(n);
    this.ensure(reserved + n * 3);
    const start = this.at;
    let length: number;
    if (n < NATIVE_FROM_CHARS) {
      length = this.utf8(s, start + reserved);
      if (length < 0) return false;
    } else {
      if (!s.isWellFormed()) return false;
      length = this.native(s, start + reserved);
    }
    this.strHeader(start, reserved, length);
    return true;
  }

  /**
   * A string already known to be well-formed (a checked user ID): bytes as they are while they are ASCII,
   * the usual case, and the general writer from the first code unit that is not.
   */
  knownText(s: string): void {
    const n = s.length;
    const reserved = strHeaderBytes(n);
    this.ensure(reserved + n * 3);
    const start = this.at;
    const b = this.bytes;
    let k = start + reserved;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[k++] = c;
    }
    const length = i === n ? n : i + this.utf8(s.substring(i), k);
    this.strHeader(start, reserved, length);
  }

  /** Bytes already in msgpack form (a key written once at start-up), appended. */
  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.at += bytes.copy(this.bytes, this.at);
  }

  /** The bytes [start, end) of this buffer, appended (earlier output written again). */
  copy(start: number, end: number): void {
    this.ensure(end - start);
    const b = this.bytes;
    // A state is some tens of bytes: a loop costs less than copyWithin's call.
    let k = this.at;
    for (let i = start; i < end; i++) b[k++] = b[i]!;
    this.at = k;
  }

  /**
   * Writes `s` as UTF-8 at `k`, by hand; returns the byte count, or -1 at a lone surrogate. The cases are
   * msgpackr's, with the one it writes as three bytes (a lone surrogate) refused instead.
   */
  private utf8(s: string, k: number): number {
    const b = this.bytes;
    const from = k;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[k++] = c;
      else if (c < 0x800) {
        b[k++] = (c >> 6) | 0xc0;
        b[k++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xf800) !== 0xd800) {
        b[k++] = (c >> 12) | 0xe0;
        b[k++] = ((c >> 6) & 0x3f) | 0x80;
        b[k++] = (c & 0x3f) | 0x80;
      } else {
        const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || (low & 0xfc00) !== 0xdc00) return -1;
        c = 0x10000 + ((c & 0x03ff) << 10) + (low & 0x03ff);
        i++;
        b[k++] = (c >> 18) | 0xf0;
        b[k++] = ((c >> 12) & 0x3f) | 0x80;
        b[k++] = ((c >> 6) & 0x3f) | 0x80;
        b[k++] = (c & 0x3f) | 0x80;
      }
    }
    return k - from;
  }

  private native(s: string, k: number): number {
    const room = this.buffer.length - k;
    return typeof nativeUtf8Write === 'function' ? nativeUtf8Write.call(this.buffer, s, k, room) : this.buffer.write(s, k, room, 'utf8');
  }

  /** Writes the header of a str of `length` bytes whose bytes were written after `reserved` header bytes. */
  private strHeader(start: number, reserved: number, length: number): void {
    // A str's bytes are never fewer than its UTF-16 code units: the header only ever grows.
    const need = strHeaderBytes(length);
    if (need > reserved) {
      this.ensure(need + length);
      this.bytes.copyWithin(start + need, start + reserved, start + reserved + length);
    }
    const out = this.bytes;
    if (need === 1) out[start] = 0xa0 | length;
    else if (need === 2) {
      out[start] = 0xd9;
      out[start + 1] = length;
    } else if (need === 3) {
      out[start] = 0xda;
      out[start + 1] = length >> 8;
      out[start + 2] = length & 0xff;
    } else {
      out[start] = 0xdb;
      this.view.setUint32(start + 1, length);
    }
    this.at = start + need + length;
  }
}

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Bytes of msgpack's shortest str header for a str of `length` bytes (fixstr, str 8, str 16, str 32). */
function strHeaderBytes(length: number): number {
  return length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}
