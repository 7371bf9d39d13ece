// A small tagged tree for msgpack values the SDK must look into without knowing their shape in advance:
// the module config, whose values are whatever the operator's YAML held.

import { Kind, UINT64 } from "./msgpack/format";
import { MAX_DEPTH, Reader } from "./msgpack/reader";
import { E_TOO_DEEP } from "./errors";

export { Kind };

export class Value {
  kind: Kind = Kind.Nil;
  bool: bool = false;
  int: i64 = 0;
  float: f64 = 0;
  str: string = "";
  /** Array elements, or map values (paired with `keys`). */
  items: Value[] = [];
  /** Map keys, in input order. */
  keys: Value[] = [];

  get isNil(): bool { return this.kind == Kind.Nil; }

  /** The value stored under the string key `key` of a map, or null (also for non-maps). */
  get(key: string): Value | null {
    if (this.kind != Kind.Map) return null;
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k.kind == Kind.Str && k.str == key) return this.items[i];
    }
    return null;
  }
}

/**
 * Decodes the next value into a tree. On a reader error the partial tree is returned and the error
 * stays on the reader. bin and ext payloads are skipped (YAML cannot produce them); a uint64 above
 * i64's range is kept as a float.
 */
export function decodeValue(r: Reader, depth: i32 = 0): Value {
  const v = new Value();
  const kind = r.peekKind();
  v.kind = kind;
  switch (kind) {
    case Kind.Nil: r.readNil(); break;
    case Kind.Bool: v.bool = r.readBool(); break;
    case Kind.Int: {
      if (r.peekByte() != UINT64) { v.int = r.readInt(); break; }
      const u = r.readUint64();
      if (u <= <u64>i64.MAX_VALUE) v.int = <i64>u;
      else { v.kind = Kind.Float; v.float = <f64>u; }
      break;
    }
    case Kind.Float: v.float = r.readFloat(); break;
    case Kind.Str: v.str = r.readString(); break;
    case Kind.Array: case Kind.Map: {
      if (depth >= MAX_DEPTH) { r.fail(E_TOO_DEEP, r.offset); break; }
      const isMap = kind == Kind.Map;
      const n = isMap ? r.readMapHeader() : r.readArrayHeader();
      for (let i: u32 = 0; i < n && r.ok; i++) {
        if (isMap) v.keys.push(decodeValue(r, depth + 1));
        v.items.push(decodeValue(r, depth + 1));
      }
      break;
    }
    default: r.skipValue(); // bin, ext, and Invalid (which records the error)
  }
  return v;
}
