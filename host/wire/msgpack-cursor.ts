/**
 * A strict cursor over untrusted msgpack: the few types a presence batch may hold, read in place,
 * without building a value tree. A read whose type does not match returns a "no" (-1, NaN, undefined)
 * and leaves the cursor where it was, so the caller can name the field and describe what is there; a
 * read past the end throws Truncated. Not msgpackr: a general decoder accepts extension types and
 * builds objects that would then be walked again (the same reasons as worker/output-reader.ts).
 */
import { Buffer } from 'node:buffer';
import { describe } from '../errors.js';
import { isUtf8At } from './utf8.js';

/**
 * Buffer's own latin1Slice when this Node has it (every release does, undocumented; msgpackr detects it
 * the same way): toString('latin1', ...) checks its arguments in JavaScript first, which cost a third of
 * decoding a user ID. The documented call otherwise.
 */
const nativeLatin1 = (Buffer.prototype as { latin1Slice?: (start: number, end: number) => string }).latin1Slice;
const latin1: (buffer: Buffer, start: number, end: number) => string =
  typeof nativeLatin1 === 'function' ? (buffer, start, end) => nativeLatin1.call(buffer, start, end) : (buffer, start, end) => buffer.toString('latin1', start, end);

/** Thrown when the input ends inside a value; `at` is where that value starts. */
export class Truncated extends Error {
  constructor(readonly at: number) {
    super(`truncated at byte ${at}`);
  }
}

export class MsgpackCursor {
  pos = 0;
  /** Start of the bytes of the string just read by str(). */
  strStart = 0;
  /**
   * The input's length, kept as a field: reading `byteLength` on every bounds check made a walk over a
   * batch several times slower (bench/README.md, the binary wire).
   */
  readonly length: number;
  private readonly view: DataView;
  /** Node's string decoding works on a Buffer; this one shares the input's memory (no copy). */
  private readonly buffer: Buffer;

  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.byteLength;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Moves past n bytes; returns where they start. */
  private take(n: number, valueStart: number): number {
    const at = this.pos;
    if (at + n > this.length) throw new Truncated(valueStart);
    this.pos = at + n;
    return at;
  }

  private typeByte(): number {
    if (this.pos >= this.length) throw new Truncated(this.pos);
    return this.bytes[this.pos]!;
  }

  /** An array's element count, or -1 (cursor unmoved) if the value is not an array. */
  arrayHeader(): number {
    const at = this.pos;
    const b = this.typeByte();
    if ((b & 0xf0) === 0x90) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) return this.view.getUint16(this.take(3, at) + 1);
    if (b === 0xdd) return this.view.getUint32(this.take(5, at) + 1);
    return -1;
  }

  /** A string's byte length, its bytes starting at strStart (in bounds), or -1 (cursor unmoved). */
  str(): number {
    const at = this.pos;
    const b = this.typeByte();
    let len: number;
    if ((b & 0xe0) === 0xa0) {
      len = b & 0x1f;
      this.pos++;
    } else if (b === 0xd9) len = this.bytes[this.take(2, at) + 1]!;
    else if (b === 0xda) len = this.view.getUint16(this.take(3, at) + 1);
    else if (b === 0xdb) len = this.view.getUint32(this.take(5, at) + 1);
    else return -1;
    this.strStart = this.take(len, at);
    return len;
  }

  /** The string at [start, start + len) if it is valid UTF-8, else undefined. */
  text(start: number, len: number): string | undefined {
    const end = start + len;
    const bytes = this.bytes;
    // ASCII, the usual case for user IDs, decodes natively as latin1 without a validation pass.
    for (let k = start; k < end; k++) {
      if (bytes[k]! >= 0x80) return isUtf8At(bytes, k, end) ? this.buffer.toString('utf8', start, end) : undefined;
    }
    return latin1(this.buffer, start, end);
  }

  /** True when [start, start + len) is valid UTF-8; nothing is decoded. */
  isText(start: number, len: number): boolean {
    const end = start + len;
    const bytes = this.bytes;
    for (let k = start; k < end; k++) if (bytes[k]! >= 0x80) return isUtf8At(bytes, k, end);
    return true;
  }

  /**
   * The bytes at [start, start + len) as a string of one char per byte: a key equal for equal bytes,
   * cheaper than decoding (valid UTF-8 spells each text one way only, so equal texts have equal bytes).
   */
  byteKey(start: number, len: number): string {
    return latin1(this.buffer, start, start + len);
  }

  /**
   * An integer in any msgpack integer encoding, or a float64 holding one, as a number; NaN (cursor
   * unmoved) for any other type. The value may be negative, fractional or large: the caller judges it.
   */
  number(): number {
    const at = this.pos;
    const b = this.typeByte();
    const v = this.view;
    if (b <= 0x7f) {
      this.pos++;
      return b;
    }
    if (b >= 0xe0) {
      this.pos++;
      return b - 0x100;
    }
    switch (b) {
      case 0xcc:
        return this.bytes[this.take(2, at) + 1]!;
      case 0xcd:
        return v.getUint16(this.take(3, at) + 1);
      case 0xce:
        return v.getUint32(this.take(5, at) + 1);
      case 0xcf: {
        const p = this.take(9, at) + 1;
        return wide(v.getUint32(p), v.getUint32(p + 4));
      }
      case 0xd0:
        return v.getInt8(this.take(2, at) + 1);
      case 0xd1:
        return v.getInt16(this.take(3, at) + 1);
      case 0xd2:
        return v.getInt32(this.take(5, at) + 1);
      case 0xd3: {
        const p = this.take(9, at) + 1;
        return wide(v.getInt32(p), v.getUint32(p + 4));
      }
      case 0xcb:
        return v.getFloat64(this.take(9, at) + 1);
      default:
        return NaN;
    }
  }

  /** true, false, or undefined (cursor unmoved) for any other type. */
  bool(): boolean | undefined {
    const b = this.typeByte();
    if (b !== 0xc2 && b !== 0xc3) return undefined;
    this.pos++;
    return b === 0xc3;
  }

  /** True (and moves past it) if the value is nil. */
  nil(): boolean {
    if (this.typeByte() !== 0xc0) return false;
    this.pos++;
    return true;
  }

  /**
   * What the value at `at` is, for an error message: a scalar as errors.ts describes it, a container
   * by kind, and by name the msgpack types a batch may not hold. Never throws.
   */
  describeAt(at: number): string {
    if (at >= this.length) return 'nothing: the body ends there';
    const b = this.bytes[at]!;
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) return 'a list';
    if ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf) return 'a map';
    if (b === 0xc0) return 'null';
    if (b === 0xc2 || b === 0xc3) return String(b === 0xc3);
    if (b === 0xc1) return 'the byte 0xc1, which msgpack never uses';
    if (b >= 0xc4 && b <= 0xc6) return 'msgpack binary data (bin); send text as str';
    if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return 'a msgpack extension type (ext); the batch is plain msgpack';
    if (b === 0xca) return 'a float32; send integers, or a float64 holding one';
    const saved = this.pos;
    try {
      this.pos = at;
      const len = this.str();
      if (len >= 0) {
        const text = this.text(this.strStart, len);
        return text === undefined ? 'a str that is not valid UTF-8' : describe(text);
      }
      if (b === 0xcf || b === 0xd3) {
        const p = this.take(9, at) + 1;
        return String(b === 0xcf ? this.view.getBigUint64(p) : this.view.getBigInt64(p));
      }
      return describe(this.number());
    } catch {
      return 'a value cut short: the body ends inside it';
    } finally {
      this.pos = saved;
    }
  }
}

/**
 * A 64-bit integer from its halves, exact up to 2^53 in magnitude; beyond, where a double would round
 * (2^53 + 1 to 2^53), ±Infinity, so that no such value passes for one in range.
 */
function wide(hi: number, lo: number): number {
  const value = hi * 2 ** 32 + lo;
  return Math.abs(value) <= 2 ** 53 && !(value === 2 ** 53 && (hi !== 0x200000 || lo !== 0)) ? value : hi < 0 ? -Infinity : Infinity;
}
