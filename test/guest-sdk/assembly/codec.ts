// Test entry points over the msgpack codec. Results are "ok:<value>" or "err:<reader error>".

import { Reader } from "../../../guest-sdk/msgpack/reader";
import { Writer } from "../../../guest-sdk/msgpack/writer";
import { Kind } from "../../../guest-sdk/msgpack/format";
import { Value, decodeValue } from "../../../guest-sdk/value";
import { utf8ValidPrefix } from "../../../guest-sdk/utf8";

function reader(input: ArrayBuffer): Reader {
  return new Reader(changetype<usize>(input), <usize>input.byteLength);
}

function outcome(r: Reader, value: string): string {
  r.finish();
  return r.ok ? "ok:" + value : "err:" + r.error!;
}

export function readInt(input: ArrayBuffer): string {
  const r = reader(input);
  const v = r.readInt();
  return outcome(r, v.toString());
}

export function readUint64(input: ArrayBuffer): string {
  const r = reader(input);
  const v = r.readUint64();
  return outcome(r, v.toString());
}

export function readFloat(input: ArrayBuffer): string {
  const r = reader(input);
  const v = r.readFloat();
  return outcome(r, v.toString());
}

export function readString(input: ArrayBuffer): string {
  const r = reader(input);
  const v = r.readString();
  return outcome(r, v);
}

export function readBool(input: ArrayBuffer): string {
  const r = reader(input);
  const v = r.readBool();
  return outcome(r, v ? "true" : "false");
}

export function readArrayHeader(input: ArrayBuffer): string {
  const r = reader(input);
  const n = r.readArrayHeader();
  for (let i: u32 = 0; i < n && r.ok; i++) r.skipValue();
  return outcome(r, n.toString());
}

export function readMapHeader(input: ArrayBuffer): string {
  const r = reader(input);
  const n = r.readMapHeader();
  for (let i: u32 = 0; i < n * 2 && r.ok; i++) r.skipValue();
  return outcome(r, n.toString());
}

/** Skips one value of any type; the value is the number of bytes it took. */
export function skipValue(input: ArrayBuffer): string {
  const r = reader(input);
  r.skipValue();
  return outcome(r, r.offset.toString());
}

let lastError: string = "";

/** Decodes one value into a tree and writes it back; empty output with lastDecodeError() on error. */
export function roundTrip(input: ArrayBuffer): ArrayBuffer {
  const r = reader(input);
  const v = decodeValue(r);
  r.finish();
  lastError = r.ok ? "" : r.error!;
  if (!r.ok) return new ArrayBuffer(0);
  const w = new Writer(1);
  encode(w, v);
  return w.toArrayBuffer();
}

export function lastDecodeError(): string { return lastError; }

function encode(w: Writer, v: Value): void {
  switch (v.kind) {
    case Kind.Nil: w.writeNil(); break;
    case Kind.Bool: w.writeBool(v.bool); break;
    case Kind.Int: w.writeInt(v.int); break;
    case Kind.Float: w.writeFloat(v.float); break;
    case Kind.Str: w.writeString(v.str); break;
    case Kind.Array: {
      const items = v.items; // made on each read
      w.writeArrayHeader(<u32>items.length);
      for (let i = 0; i < items.length; i++) encode(w, items[i]);
      break;
    }
    case Kind.Map: {
      const keys = v.keys, items = v.items;
      w.writeMapHeader(<u32>items.length);
      for (let i = 0; i < items.length; i++) { encode(w, keys[i]); encode(w, items[i]); }
      break;
    }
    default: w.writeNil(); // bin and ext are skipped by decodeValue
  }
}

export function writeUint(v: u64): ArrayBuffer { const w = new Writer(1); w.writeUint(v); return w.toArrayBuffer(); }
export function writeInt(v: i64): ArrayBuffer { const w = new Writer(1); w.writeInt(v); return w.toArrayBuffer(); }
export function writeString(s: string): ArrayBuffer { const w = new Writer(1); w.writeString(s); return w.toArrayBuffer(); }
export function writeFloat(v: f64): ArrayBuffer { const w = new Writer(1); w.writeFloat(v); return w.toArrayBuffer(); }

/** An array header for `n` elements followed by `n` zeros, so msgpackr can decode the whole thing. */
export function writeArray(n: u32): ArrayBuffer {
  const w = new Writer(1);
  w.writeArrayHeader(n);
  for (let i: u32 = 0; i < n; i++) w.writeUint(0);
  return w.toArrayBuffer();
}

/** A map header for `n` pairs followed by `n` pairs of distinct uint keys and nil values. */
export function writeMap(n: u32): ArrayBuffer {
  const w = new Writer(1);
  w.writeMapHeader(n);
  for (let i: u32 = 0; i < n; i++) { w.writeUint(i); w.writeNil(); }
  return w.toArrayBuffer();
}

export function utf8Prefix(input: ArrayBuffer): i32 {
  return <i32>utf8ValidPrefix(changetype<usize>(input), <usize>input.byteLength);
}
