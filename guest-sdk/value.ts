// msgpack values the SDK must look into without knowing their shape in advance: the module config, whose
// values are whatever the operator's YAML held.
//
// Lean by design: the input is checked once in full (every length, every str's UTF-8, the depth), copied
// into one buffer, and a Value is only a kind and an offset into it; children, strings and numbers are
// read from the bytes when asked for. A config of 300 000 user IDs therefore costs its own bytes plus
// what the router keeps, not an object, two arrays and a UTF-16 string per element.

import { Kind, UINT64 } from "./msgpack/format";
import { MAX_DEPTH, Reader } from "./msgpack/reader";
import { E_TOO_DEEP } from "./errors";
import { bytesEqual, scratchPtr, scratchUtf8 } from "./bytes";

export { Kind };

const NO_VALUES: Value[] = [];

export class Value {
  /** What the value is; a uint64 above i64's range is a Float. */
  readonly kind: Kind;
  /** The checked bytes this value lies in, and where it starts. */
  private readonly buf: ArrayBuffer;
  private readonly at: u32;

  constructor(buf: ArrayBuffer, at: u32) {
    this.buf = buf;
    this.at = at;
    const r = this.reader();
    let kind = r.peekKind();
    if (kind == Kind.Int && r.peekByte() == UINT64 && r.readUint64() > <u64>i64.MAX_VALUE) kind = Kind.Float;
    this.kind = kind;
  }

  get isNil(): bool { return this.kind == Kind.Nil; }

  get bool(): bool { return this.kind == Kind.Bool ? this.reader().readBool() : false; }

  get int(): i64 { return this.kind == Kind.Int ? this.reader().readInt() : 0; }

  get float(): f64 { return this.kind == Kind.Float ? this.reader().readFloat() : 0; }

  /** The str, decoded now (each read decodes again); "" for other kinds. */
  get str(): string { return this.kind == Kind.Str ? this.reader().readString() : ""; }

  /** Array elements, or map values (paired with `keys`), made on each read: read-only. */
  get items(): Value[] { return this.children(false); }

  /** Map keys, in input order, made on each read: read-only. */
  get keys(): Value[] { return this.children(true); }

  /** Number of array elements or map pairs (0 for other kinds). */
  get length(): i32 {
    if (this.kind == Kind.Array) return <i32>this.reader().readArrayHeader();
    return this.kind == Kind.Map ? <i32>this.reader().readMapHeader() : 0;
  }

  /** The value stored under the string key `key` of a map, or null (also for non-maps). */
  get(key: string): Value | null {
    if (this.kind != Kind.Map) return null;
    const r = this.reader();
    const n = r.readMapHeader();
    const keyLen = scratchUtf8(key);
    for (let i: u32 = 0; i < n; i++) {
      if (r.peekKind() == Kind.Str) {
        const len = r.readStrBytes(false); // checked when decoded
        if (len == keyLen && bytesEqual(r.strStart, scratchPtr(), len)) return new Value(this.buf, <u32>r.offset + this.at);
      } else r.skipValue();
      r.skipValue();
    }
    return null;
  }

  /** A reader positioned at this value, for walking long arrays without a Value per element. */
  reader(): Reader {
    return new Reader(changetype<usize>(this.buf) + <usize>this.at, <usize>this.buf.byteLength - <usize>this.at);
  }

  private children(wantKeys: bool): Value[] {
    if (this.kind != Kind.Array && this.kind != Kind.Map) return NO_VALUES;
    const isMap = this.kind == Kind.Map;
    if (wantKeys && !isMap) return NO_VALUES;
    const r = this.reader();
    const n = isMap ? r.readMapHeader() : r.readArrayHeader();
    const out = new Array<Value>(<i32>n);
    for (let i: u32 = 0; i < n; i++) {
      if (isMap && !wantKeys) r.skipValue();
      unchecked(out[<i32>i] = new Value(this.buf, <u32>r.offset + this.at));
      r.skipValue();
      if (isMap && wantKeys) r.skipValue();
    }
    return out;
  }
}

/**
 * Checks the next value in full and returns it as a tree over a copy of its bytes. On a reader error
 * the error stays on the reader and nil is returned. bin and ext payloads are accepted and skipped
 * (YAML cannot produce them).
 */
export function decodeValue(r: Reader): Value {
  const from = r.address;
  checkValue(r, 0);
  const len = r.ok ? r.address - from : 0;
  const buf = new ArrayBuffer(len ? <i32>len : 1);
  if (len) memory.copy(changetype<usize>(buf), from, len);
  else store<u8>(changetype<usize>(buf), 0xc0); // nil
  return new Value(buf, 0);
}

// Reads past one value as decoding it would, so that every error (truncation, lengths, UTF-8, depth) is
// found here, at its offset, and the Value getters never meet one.
function checkValue(r: Reader, depth: i32): void {
  const kind = r.peekKind();
  if (kind == Kind.Str) { r.readStrBytes(); return; }
  if (kind != Kind.Array && kind != Kind.Map) { r.skipValue(); return; }
  if (depth >= MAX_DEPTH) { r.fail(E_TOO_DEEP, r.offset); return; }
  const n = kind == Kind.Map ? r.readMapHeader() : r.readArrayHeader();
  for (let i: u32 = 0; i < n && r.ok; i++) {
    if (kind == Kind.Map) checkValue(r, depth + 1);
    checkValue(r, depth + 1);
  }
}
