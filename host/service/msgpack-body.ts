/**
 * Request bodies in msgpack, decoded strictly: plain msgpack only (maps with string keys, arrays, strings,
 * integers, floats, booleans, nil), as docs/abi.md's batch is. Not msgpackr: its decoder turns extension
 * types into BigInts, Dates, RegExps, Sets, typed arrays and records (a 24 MiB BigInt stalls the event loop
 * for seconds), and replaces invalid UTF-8 with U+FFFD. This one refuses every extension and bin type,
 * repeated keys, truncated input and trailing bytes, and names the field or byte offset of what is wrong.
 */
import { inputError } from '../errors.js';
import { utf8OrUndefined } from '../text.js';
import { formatPath, type PathPiece } from './body-path.js';

/** A batch is three levels deep; anything much deeper is an attack on the decoder's stack. */
const MAX_DEPTH = 32;

export function decodeMsgpackBody(bytes: Buffer): unknown {
  if (bytes.byteLength === 0) throw inputError('body', 'empty (expected a msgpack map like {"states": [...]})');
  const reader = new PlainMsgpack(bytes);
  const value = reader.value(0);
  if (reader.pos !== bytes.byteLength) reader.fail(`malformed msgpack: ${bytes.byteLength - reader.pos} trailing bytes after the value`);
  return value;
}

class PlainMsgpack {
  pos = 0;
  private readonly view: DataView;
  private readonly path: PathPiece[] = [];

  constructor(private readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw inputError(this.path.length === 0 ? 'body' : formatPath(this.path), message);
  }

  private need(n: number): number {
    const at = this.pos;
    if (n > this.bytes.byteLength - at) this.fail(`malformed msgpack: truncated at byte ${at} (needs ${n} more bytes)`);
    this.pos += n;
    return at;
  }

  value(depth: number): unknown {
    const at = this.pos;
    const b = this.bytes[this.need(1)]!;
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xe0) === 0xa0) return this.string(b & 0x1f, at);
    if ((b & 0xf0) === 0x90) return this.array(b & 0x0f, depth);
    if ((b & 0xf0) === 0x80) return this.map(b & 0x0f, depth);
    const v = this.view;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xcc: return this.bytes[this.need(1)];
      case 0xcd: return v.getUint16(this.need(2));
      case 0xce: return v.getUint32(this.need(4));
      // Beyond 2^53 the number is approximate, and a state's checks refuse it as out of range.
      case 0xcf: return Number(v.getBigUint64(this.need(8)));
      case 0xd0: return v.getInt8(this.need(1));
      case 0xd1: return v.getInt16(this.need(2));
      case 0xd2: return v.getInt32(this.need(4));
      case 0xd3: return Number(v.getBigInt64(this.need(8)));
      case 0xca: return v.getFloat32(this.need(4));
      case 0xcb: return v.getFloat64(this.need(8));
      case 0xd9: return this.string(this.bytes[this.need(1)]!, at);
      case 0xda: return this.string(v.getUint16(this.need(2)), at);
      case 0xdb: return this.string(v.getUint32(this.need(4)), at);
      case 0xdc: return this.array(v.getUint16(this.need(2)), depth);
      case 0xdd: return this.array(v.getUint32(this.need(4)), depth);
      case 0xde: return this.map(v.getUint16(this.need(2)), depth);
      case 0xdf: return this.map(v.getUint32(this.need(4)), depth);
      case 0xc4: case 0xc5: case 0xc6:
        return this.fail(`binary data (msgpack bin, type byte 0x${b.toString(16)} at byte ${at}) is not accepted: send text as strings`);
      case 0xc1:
        return this.fail(`malformed msgpack: type byte 0xc1 at byte ${at} is never used`);
      default:
        // 0xc7-0xc9 and 0xd4-0xd8: extension types (timestamps, msgpackr's BigInts, records...).
        return this.fail(`msgpack extension types are not accepted (type byte 0x${b.toString(16)} at byte ${at}): plain msgpack only`);
    }
  }

  private string(len: number, at: number): string {
    const start = this.need(len);
    const end = start + len;
    // Short ASCII strings (user IDs, states, keys) skip the decoder's call cost.
    if (len <= 64) {
      let ascii = true;
      for (let i = start; i < end; i++) if (this.bytes[i]! >= 0x80) { ascii = false; break; }
      if (ascii) return this.bytes.toString('latin1', start, end);
    }
    return utf8OrUndefined(this.bytes.subarray(start, end)) ?? this.fail(`not valid UTF-8 (the string at byte ${at})`);
  }

  private array(n: number, depth: number): unknown[] {
    // Every element takes at least one byte: a header claiming more cannot be honest, and is refused
    // before anything is allocated for it.
    if (n > this.bytes.byteLength - this.pos) this.fail(`malformed msgpack: an array of ${n} elements in ${this.bytes.byteLength - this.pos} bytes`);
    if (depth >= MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    const out = new Array<unknown>(n);
    const path = this.path;
    for (let i = 0; i < n; i++) {
      path.push(i);
      out[i] = this.value(depth + 1);
      path.pop();
    }
    return out;
  }

  private map(n: number, depth: number): Record<string, unknown> {
    if (n * 2 > this.bytes.byteLength - this.pos) this.fail(`malformed msgpack: a map of ${n} entries in ${this.bytes.byteLength - this.pos} bytes`);
    if (depth >= MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    const out: Record<string, unknown> = {};
    const path = this.path;
    for (let i = 0; i < n; i++) {
      const at = this.pos;
      const b = this.bytes[at]!;
      if (!((b & 0xe0) === 0xa0 || b === 0xd9 || b === 0xda || b === 0xdb)) {
        this.fail(`map keys must be strings (type byte 0x${b.toString(16)} at byte ${at})`);
      }
      const key = this.value(depth + 1) as string;
      if (Object.hasOwn(out, key)) {
        path.push(key);
        this.fail('repeated key (a map names each key once)');
      }
      path.push(key);
      const item = this.value(depth + 1);
      path.pop();
      // A "__proto__" key is data, never the object's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
      else out[key] = item;
    }
    return out;
  }
}
