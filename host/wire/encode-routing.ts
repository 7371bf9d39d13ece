/**
 * The binary wire's answer as msgpack: a map from destination user ID (str) to an array of indices
 * (uint). Written directly, in one buffer sized first: the answer is a few strings and many small
 * integers, and a general encoder walking a Map of arrays cost more than the call's own bookkeeping.
 */
import { Buffer } from 'node:buffer';

/** `routing`: destination → indices (any array of unsigned 32-bit integers). */
export function encodeRouting(routing: ReadonlyMap<string, ArrayLike<number>>): Buffer {
  let size = 5;
  for (const [destination, indices] of routing) {
    size += 5 + Buffer.byteLength(destination, 'utf8') + 5;
    // At most 5 bytes an index: a bound, not a count, so sizing costs no pass over the indices.
    size += indices.length * 5;
  }
  const out = Buffer.allocUnsafe(size);
  let at = header(out, 0, routing.size, 0x80, 0xde);
  for (const [destination, indices] of routing) {
    const length = Buffer.byteLength(destination, 'utf8');
    if (length < 32) out[at++] = 0xa0 | length;
    else if (length < 0x100) {
      out[at++] = 0xd9;
      out[at++] = length;
    } else at = header(out, at, length, -1, 0xda);
    at += out.write(destination, at, 'utf8');
    at = header(out, at, indices.length, 0x90, 0xdc);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      if (index < 0x80) out[at++] = index;
      else if (index < 0x100) {
        out[at++] = 0xcc;
        out[at++] = index;
      } else if (index < 0x10000) {
        out[at++] = 0xcd;
        at = out.writeUInt16BE(index, at);
      } else {
        out[at++] = 0xce;
        at = out.writeUInt32BE(index, at);
      }
    }
  }
  return out.subarray(0, at);
}

/**
 * A map, array or str header: `fix` | n below 16 when there is a fix form (fix >= 0), else the 16-bit
 * form `wide16` or the 32-bit form after it (0xde/0xdf, 0xdc/0xdd, 0xda/0xdb).
 */
function header(out: Buffer, at: number, n: number, fix: number, wide16: number): number {
  if (fix >= 0 && n < 16) {
    out[at] = fix | n;
    return at + 1;
  }
  if (n < 0x10000) {
    out[at] = wide16;
    return out.writeUInt16BE(n, at + 1);
  }
  out[at] = wide16 + 1;
  return out.writeUInt32BE(n, at + 1);
}
