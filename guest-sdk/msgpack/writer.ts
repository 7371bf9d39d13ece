// A msgpack writer into a growable buffer. Integers take their smallest encoding; strings are written as
// UTF-8 with their length counted in bytes (String.UTF8.byteLength), never in UTF-16 code units.

import * as F from "./format";

export class Writer {
  private buf: ArrayBuffer;
  private len: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.buf = new ArrayBuffer(max(capacity, 8));
  }

  /** Bytes written so far. */
  get length(): i32 { return this.len; }

  /** The buffer the bytes live in; only the first `length` bytes are meaningful. */
  get buffer(): ArrayBuffer { return this.buf; }

  /** A copy of exactly the bytes written. */
  toArrayBuffer(): ArrayBuffer { return this.buf.slice(0, this.len); }

  writeNil(): void { this.byte(F.NIL); }

  writeBool(v: bool): void { this.byte(v ? F.TRUE : F.FALSE); }

  /** Writes `v` in the smallest unsigned form: positive fixint, uint8, uint16, uint32 or uint64. */
  writeUint(v: u64): void {
    if (v <= 0x7f) this.byte(<u8>v);
    else if (v <= 0xff) { this.byte(F.UINT8); this.byte(<u8>v); }
    else if (v <= 0xffff) { this.byte(F.UINT16); this.be16(<u16>v); }
    else if (v <= 0xffffffff) { this.byte(F.UINT32); this.be32(<u32>v); }
    else { this.byte(F.UINT64); this.be64(v); }
  }

  /** Writes `v` in its smallest form: non-negative values as writeUint, negative ones as fixint/int8..int64. */
  writeInt(v: i64): void {
    if (v >= 0) { this.writeUint(<u64>v); return; }
    if (v >= -32) this.byte(<u8>v);
    else if (v >= -0x80) { this.byte(F.INT8); this.byte(<u8>v); }
    else if (v >= -0x8000) { this.byte(F.INT16); this.be16(<u16>v); }
    else if (v >= -0x80000000) { this.byte(F.INT32); this.be32(<u32>v); }
    else { this.byte(F.INT64); this.be64(<u64>v); }
  }

  writeFloat(v: f64): void {
    this.byte(F.FLOAT64);
    this.be64(reinterpret<u64>(v));
  }

  /** Writes `s` as str with UTF-8 bytes; a lone surrogate becomes U+FFFD so the output is always valid. */
  writeString(s: string): void {
    const n = String.UTF8.byteLength(s);
    this.strHeader(<u32>n);
    this.reserve(n);
    const written = String.UTF8.encodeUnsafe(
      changetype<usize>(s), s.length, changetype<usize>(this.buf) + <usize>this.len, false,
      String.UTF8.ErrorMode.REPLACE,
    );
    this.len += <i32>written;
  }

  /** Writes the `len` bytes at `ptr`, which must be well-formed UTF-8, as a str. */
  writeUtf8(ptr: usize, len: usize): void {
    const n = <u32>len;
    this.strHeader(n);
    this.reserve(<i32>n);
    memory.copy(changetype<usize>(this.buf) + <usize>this.len, ptr, len);
    this.len += <i32>n;
  }

  private strHeader(n: u32): void {
    if (n < 32) this.byte(F.FIXSTR | <u8>n);
    else if (n <= 0xff) { this.byte(F.STR8); this.byte(<u8>n); }
    else if (n <= 0xffff) { this.byte(F.STR16); this.be16(<u16>n); }
    else { this.byte(F.STR32); this.be32(n); }
  }

  writeArrayHeader(n: u32): void {
    if (n < 16) this.byte(F.FIXARRAY | <u8>n);
    else if (n <= 0xffff) { this.byte(F.ARRAY16); this.be16(<u16>n); }
    else { this.byte(F.ARRAY32); this.be32(n); }
  }

  writeMapHeader(n: u32): void {
    if (n < 16) this.byte(F.FIXMAP | <u8>n);
    else if (n <= 0xffff) { this.byte(F.MAP16); this.be16(<u16>n); }
    else { this.byte(F.MAP32); this.be32(n); }
  }

  /**
   * Writes `values` (each in 0..2^31) as an array of unsigned integers in their smallest form, making room
   * once rather than per value: a routing answer is mostly this.
   */
  writeIndexArray(values: i32[]): void {
    const n = values.length;
    this.writeArrayHeader(<u32>n);
    this.reserve(n * 5);
    let p = changetype<usize>(this.buf) + <usize>this.len;
    const start = p;
    for (let i = 0; i < n; i++) {
      const v = <u32>unchecked(values[i]);
      if (v <= 0x7f) store<u8>(p++, <u8>v);
      else if (v <= 0xff) { store<u8>(p, F.UINT8); store<u8>(p, <u8>v, 1); p += 2; }
      else if (v <= 0xffff) { store<u8>(p, F.UINT16); store<u16>(p, bswap<u16>(<u16>v), 1); p += 3; }
      else { store<u8>(p, F.UINT32); store<u32>(p, bswap<u32>(v), 1); p += 5; }
    }
    this.len += <i32>(p - start);
  }

  // @ts-ignore: decorator
  @inline private byte(b: u8): void {
    this.reserve(1);
    store<u8>(changetype<usize>(this.buf) + <usize>this.len, b);
    this.len += 1;
  }

  // @ts-ignore: decorator
  @inline private be16(v: u16): void {
    this.reserve(2);
    store<u16>(changetype<usize>(this.buf) + <usize>this.len, bswap<u16>(v));
    this.len += 2;
  }

  // @ts-ignore: decorator
  @inline private be32(v: u32): void {
    this.reserve(4);
    store<u32>(changetype<usize>(this.buf) + <usize>this.len, bswap<u32>(v));
    this.len += 4;
  }

  // @ts-ignore: decorator
  @inline private be64(v: u64): void {
    this.reserve(8);
    store<u64>(changetype<usize>(this.buf) + <usize>this.len, bswap<u64>(v));
    this.len += 8;
  }

  // Makes room for `n` more bytes. Inlined into every write, so only the check is: growing is not.
  // @ts-ignore: decorator
  @inline private reserve(n: i32): void {
    if (this.len + n > this.buf.byteLength) this.grow(this.len + n);
  }

  // Doubles the buffer until `need` bytes fit, so writing N bytes costs O(N) copies in total.
  private grow(need: i32): void {
    let next = this.buf.byteLength * 2;
    while (next < need) next *= 2;
    const grown = new ArrayBuffer(next);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.len);
    this.buf = grown;
  }
}
