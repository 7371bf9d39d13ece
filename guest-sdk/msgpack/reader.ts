// A strict msgpack reader over a range of linear memory.
//
// AssemblyScript has no exceptions, so errors are values: the first error is recorded with its byte
// offset, every later read returns a zero value without moving, and callers check `ok` (or `error`)
// when it suits them, typically once per value or once at the end.
//
// Every read checks for an earlier error, so that check is the bool `failed`, not `error === null`:
// AssemblyScript compiles `===` on strings to a String.__eq call, which was 16 % of a batch decode.

import * as F from "./format";
import { Kind, kindOf } from "./format";
import {
  E_BAD_UTF8, E_INT_RANGE, E_NOT_ARRAY, E_NOT_BOOL, E_NOT_FLOAT, E_NOT_INT, E_NOT_MAP, E_NOT_NIL,
  E_NOT_STR, E_RESERVED, E_TOO_DEEP, E_TRAILING, E_TRUNCATED,
} from "../errors";
import { utf8ValidPrefix } from "../utf8";

/** How deep `skipValue` (and decoders built on the reader) may nest, so hostile input cannot exhaust the stack. */
export const MAX_DEPTH: i32 = 64;

// 2^63 as a float: floats in [-2^63, 2^63) convert to i64 exactly when they are integral.
const TWO_63: f64 = 9223372036854775808.0;

export class Reader {
  private readonly start: usize;
  private readonly end: usize;
  private pos: usize;
  private firstError: string | null = null;
  /** Byte offset of the first error from the start of the input, or -1. */
  errorOffset: i32 = -1;
  private failed: bool = false;
  /** Address of the bytes of the str readStrBytes read last, or 0. */
  strStart: usize = 0;

  constructor(ptr: usize, len: usize) {
    this.start = ptr;
    this.end = ptr + len;
    this.pos = ptr;
  }

  // @ts-ignore: decorator
  @inline get ok(): bool { return !this.failed; }

  /** The first error, "<what> at byte <offset>", or null; set only by fail(), with `failed`. */
  get error(): string | null { return this.firstError; }

  /** Address of the next byte to read. */
  // @ts-ignore: decorator
  @inline get address(): usize { return this.pos; }

  /** Offset of the next byte to read, from the start of the input. */
  // @ts-ignore: decorator
  @inline get offset(): i32 { return <i32>(this.pos - this.start); }

  /** Records `message` at `offset` unless an error is already recorded, and stops all reading. */
  fail(message: string, offset: i32): void {
    if (this.failed) return;
    this.failed = true;
    this.firstError = message + " at byte " + offset.toString();
    this.errorOffset = offset;
    this.pos = this.end;
  }

  /** The kind of the next value, without consuming it (Invalid at the end of input or after an error). */
  peekKind(): Kind {
    if (this.failed || this.pos >= this.end) return Kind.Invalid;
    return kindOf(load<u8>(this.pos));
  }

  /** The next type byte (not consumed), or -1 at the end of input or after an error. */
  peekByte(): i32 {
    if (this.failed || this.pos >= this.end) return -1;
    return <i32>load<u8>(this.pos);
  }

  /** True if the next value is nil (not consumed). */
  isNil(): bool { return this.peekKind() == Kind.Nil; }

  /** Fails unless every byte has been read: the input must be exactly one value. */
  finish(): void {
    if (!this.failed && this.pos != this.end) this.fail(E_TRAILING, this.offset);
  }

  readNil(): void {
    if (!this.need(1)) return;
    if (load<u8>(this.pos) != F.NIL) { this.fail(E_NOT_NIL, this.offset); return; }
    this.pos++;
  }

  readBool(): bool {
    if (!this.need(1)) return false;
    const b = load<u8>(this.pos);
    if (b != F.TRUE && b != F.FALSE) { this.fail(E_NOT_BOOL, this.offset); return false; }
    this.pos++;
    return b == F.TRUE;
  }

  /**
   * Reads an integer in any encoding, including a float32/float64 that holds an integer (msgpackr
   * writes integers above 2^32 that way). uint64 values above i64's range are an error.
   */
  readInt(): i64 {
    if (!this.need(1)) return 0;
    const at = this.offset;
    const b = load<u8>(this.pos);
    if (b <= 0x7f) { this.pos++; return <i64>b; }
    if (b >= F.NEG_FIXINT) { this.pos++; return <i64><i8>b; }
    if (b == F.FLOAT64 || b == F.FLOAT32) {
      // Read here rather than through readFloat: timestamps arrive as float64 (see above), three a state.
      const size: usize = b == F.FLOAT64 ? 9 : 5;
      if (!this.need(size)) return 0;
      const f = b == F.FLOAT64
        ? reinterpret<f64>(bswap<u64>(load<u64>(this.pos, 1)))
        : <f64>reinterpret<f32>(bswap<u32>(load<u32>(this.pos, 1)));
      if (!(f >= -TWO_63 && f < TWO_63) || Math.floor(f) != f) { this.fail(E_INT_RANGE, at); return 0; }
      this.pos += size;
      return <i64>f;
    }
    let v: i64 = 0;
    switch (b) {
      case F.UINT8: if (this.need(2)) v = <i64>load<u8>(this.pos, 1); break;
      case F.UINT16: if (this.need(3)) v = <i64>bswap<u16>(load<u16>(this.pos, 1)); break;
      case F.UINT32: if (this.need(5)) v = <i64>bswap<u32>(load<u32>(this.pos, 1)); break;
      case F.UINT64: {
        if (!this.need(9)) break;
        v = <i64>bswap<u64>(load<u64>(this.pos, 1));
        if (v < 0) { this.fail(E_INT_RANGE, at); return 0; }
        break;
      }
      case F.INT8: if (this.need(2)) v = <i64>load<i8>(this.pos, 1); break;
      case F.INT16: if (this.need(3)) v = <i64><i16>bswap<u16>(load<u16>(this.pos, 1)); break;
      case F.INT32: if (this.need(5)) v = <i64><i32>bswap<u32>(load<u32>(this.pos, 1)); break;
      case F.INT64: if (this.need(9)) v = <i64>bswap<u64>(load<u64>(this.pos, 1)); break;
      default: this.fail(E_NOT_INT, at); return 0;
    }
    if (this.failed) return 0;
    this.pos += intSize(b);
    return v;
  }

  /** Reads a uint64 (0xcf) in full; readInt refuses the half of its range that i64 cannot hold. */
  readUint64(): u64 {
    if (!this.need(1)) return 0;
    if (load<u8>(this.pos) != F.UINT64) {
      const at = this.offset;
      const v = this.readInt();
      if (v < 0) { this.fail(E_INT_RANGE, at); return 0; }
      return <u64>v;
    }
    if (!this.need(9)) return 0;
    const v = bswap<u64>(load<u64>(this.pos, 1));
    this.pos += 9;
    return v;
  }

  /** Reads a float32 or float64, or an integer as a float. */
  readFloat(): f64 {
    if (!this.need(1)) return 0;
    const b = load<u8>(this.pos);
    if (b == F.FLOAT64) {
      if (!this.need(9)) return 0;
      const f = reinterpret<f64>(bswap<u64>(load<u64>(this.pos, 1)));
      this.pos += 9;
      return f;
    }
    if (b == F.FLOAT32) {
      if (!this.need(5)) return 0;
      const f = <f64>reinterpret<f32>(bswap<u32>(load<u32>(this.pos, 1)));
      this.pos += 5;
      return f;
    }
    if (kindOf(b) == Kind.Int) {
      // uint64 above i64's range still has a float value.
      return b == F.UINT64 ? <f64>this.readUint64() : <f64>this.readInt();
    }
    this.fail(E_NOT_FLOAT, this.offset);
    return 0;
  }

  /** Reads a str (fixstr, str8/16/32) as well-formed UTF-8. */
  readString(): string {
    const len = this.readStrBytes();
    return this.failed ? "" : String.UTF8.decodeUnsafe(this.strStart, len);
  }

  /**
   * Reads a str without decoding it: returns its byte length and leaves the bytes' address in
   * `strStart` (0 after an error), for callers that compare the bytes or decode them later. With
   * `validate` false the bytes are not checked as UTF-8: the caller must checkUtf8 them before using
   * them as text or reporting them as a wrong value, so that a malformed str still fails as malformed.
   */
  readStrBytes(validate: bool = true): usize {
    this.strStart = 0;
    if (!this.need(1)) return 0;
    const b = load<u8>(this.pos);
    let header: usize = 1;
    let len: usize = 0;
    if (b >= F.FIXSTR && b < F.NIL) len = <usize>(b & 0x1f);
    else if (b == F.STR8) { header = 2; if (this.need(2)) len = <usize>load<u8>(this.pos, 1); }
    else if (b == F.STR16) { header = 3; if (this.need(3)) len = <usize>bswap<u16>(load<u16>(this.pos, 1)); }
    else if (b == F.STR32) { header = 5; if (this.need(5)) len = <usize>bswap<u32>(load<u32>(this.pos, 1)); }
    else { this.fail(E_NOT_STR, this.offset); return 0; }
    if (!this.needBody(header, len)) return 0;
    const data = this.pos + header;
    if (validate && !this.checkUtf8(data, len)) return 0;
    this.pos = data + len;
    this.strStart = data;
    return len;
  }

  /** Fails at the first malformed byte unless the `len` input bytes at address `ptr` are well-formed UTF-8. */
  checkUtf8(ptr: usize, len: usize): bool {
    const valid = utf8ValidPrefix(ptr, len);
    if (valid == len) return true;
    this.fail(E_BAD_UTF8, <i32>(ptr + valid - this.start));
    return false;
  }

  /** Reads an array header and returns the element count. */
  readArrayHeader(): u32 {
    if (!this.need(1)) return 0;
    const b = load<u8>(this.pos);
    if (b >= F.FIXARRAY && b < F.FIXSTR) return this.count(1, <u32>(b & 0x0f), 1);
    if (b == F.ARRAY16) return this.need(3) ? this.count(3, <u32>bswap<u16>(load<u16>(this.pos, 1)), 1) : 0;
    if (b == F.ARRAY32) return this.need(5) ? this.count(5, bswap<u32>(load<u32>(this.pos, 1)), 1) : 0;
    this.fail(E_NOT_ARRAY, this.offset);
    return 0;
  }

  /** Reads a map header and returns the number of key/value pairs. */
  readMapHeader(): u32 {
    if (!this.need(1)) return 0;
    const b = load<u8>(this.pos);
    if (b >= F.FIXMAP && b < F.FIXARRAY) return this.count(1, <u32>(b & 0x0f), 2);
    if (b == F.MAP16) return this.need(3) ? this.count(3, <u32>bswap<u16>(load<u16>(this.pos, 1)), 2) : 0;
    if (b == F.MAP32) return this.need(5) ? this.count(5, bswap<u32>(load<u32>(this.pos, 1)), 2) : 0;
    this.fail(E_NOT_MAP, this.offset);
    return 0;
  }

  /** Skips one value of any type, bin, ext and uint64 above i64's range included. */
  skipValue(depth: i32 = 0): void {
    if (!this.need(1)) return;
    const at = this.offset;
    const b = load<u8>(this.pos);
    switch (kindOf(b)) {
      case Kind.Nil: case Kind.Bool: this.pos++; return;
      case Kind.Int: if (b == F.UINT64) this.readUint64(); else this.readInt(); return;
      case Kind.Float: this.readFloat(); return;
      case Kind.Str: this.skipBytes(b == F.STR8 ? 1 : b == F.STR16 ? 2 : b == F.STR32 ? 4 : 0, b & 0x1f, 0); return;
      case Kind.Bin: this.skipBytes(b == F.BIN8 ? 1 : b == F.BIN16 ? 2 : 4, 0, 0); return;
      case Kind.Ext: {
        if (b >= F.FIXEXT1 && b <= F.FIXEXT16) this.skipBytes(0, 1 << (b - F.FIXEXT1), 1);
        else this.skipBytes(b == F.EXT8 ? 1 : b == F.EXT16 ? 2 : 4, 0, 1);
        return;
      }
      case Kind.Invalid: this.fail(E_RESERVED, at); return;
    }
    if (depth >= MAX_DEPTH) { this.fail(E_TOO_DEEP, at); return; }
    const isMap = kindOf(b) == Kind.Map;
    const n = isMap ? this.readMapHeader() : this.readArrayHeader();
    const items = isMap ? n * 2 : n;
    for (let i: u32 = 0; i < items && !this.failed; i++) this.skipValue(depth + 1);
  }

  // Fails with "truncated" at the current value unless `n` more bytes are available.
  // @ts-ignore: decorator
  @inline private need(n: usize): bool {
    if (this.failed) return false;
    if (this.end - this.pos < n) { this.fail(E_TRUNCATED, this.offset); return false; }
    return true;
  }

  // Like need(header + len), in 64 bits: a 32-bit length near 2^32 must not wrap the sum and pass.
  // @ts-ignore: decorator
  @inline private needBody(header: usize, len: usize): bool {
    if (this.failed) return false;
    if (<u64>(this.end - this.pos) < <u64>header + <u64>len) { this.fail(E_TRUNCATED, this.offset); return false; }
    return true;
  }

  // Consumes a container header of `header` bytes announcing `n` items of at least `minBytes` each;
  // refusing counts that cannot fit keeps hostile headers from driving allocations or long loops.
  private count(header: usize, n: u32, minBytes: usize): u32 {
    // need(header) has passed, so the subtraction cannot wrap.
    if (<u64>(this.end - this.pos - header) < <u64>n * <u64>minBytes) { this.fail(E_TRUNCATED, this.offset); return 0; }
    this.pos += header;
    return n;
  }

  // Skips a str/bin/ext: a `lenBytes`-byte big-endian length (or `fixedLen` when lenBytes is 0),
  // plus `extra` bytes (ext's type byte) before the payload.
  private skipBytes(lenBytes: usize, fixedLen: usize, extra: usize): void {
    if (!this.need(1 + lenBytes)) return;
    let len = fixedLen;
    if (lenBytes == 1) len = <usize>load<u8>(this.pos, 1);
    else if (lenBytes == 2) len = <usize>bswap<u16>(load<u16>(this.pos, 1));
    else if (lenBytes == 4) len = <usize>bswap<u32>(load<u32>(this.pos, 1));
    const header: usize = <usize>1 + lenBytes + extra;
    if (this.needBody(header, len)) this.pos += header + len;
  }
}

// Total encoded size of an integer with type byte `b` (0xcc..0xd3).
function intSize(b: u8): usize {
  switch (b) {
    case F.UINT8: case F.INT8: return 2;
    case F.UINT16: case F.INT16: return 3;
    case F.UINT32: case F.INT32: return 5;
  }
  return 9;
}
