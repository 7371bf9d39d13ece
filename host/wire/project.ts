/**
 * Field projection (docs/abi.md, ABI 1.1): a checked msgpack batch cut down to the fields a module reads.
 * Each state keeps the bytes of its declared fields as they are, in index order, under a new array header
 * (a user-IDs-only module gets `[[uid], [uid], ...]`). The input has been checked already (wire/read-batch.ts
 * or routing/batch.ts), so each value is one of the types a state holds and is only stepped over here.
 */

/** Writes `batch` (states of the fields in `from`) into `out` with only the fields in `to` (a subset); returns the length. */
export function projectBatch(batch: Uint8Array, from: number, to: number, out: Uint8Array): number {
  let r = 0;
  let w = 0;
  const n = arrayLength(batch, r);
  const header = arrayHeaderBytes(batch[r]!);
  out.set(batch.subarray(0, header));
  r += header;
  w += header;
  let fields = 0;
  for (let m = to; m !== 0; m &= m - 1) fields++;
  for (let i = 0; i < n; i++) {
    r += arrayHeaderBytes(batch[r]!);
    out[w++] = 0x90 | fields;
    for (let f = 0; f < 7; f++) {
      if ((from & (1 << f)) === 0) continue;
      const end = valueEnd(batch, r);
      if (to & (1 << f)) {
        out.set(batch.subarray(r, end), w);
        w += end - r;
      }
      r = end;
    }
  }
  return w;
}

function arrayHeaderBytes(b: number): number {
  return b === 0xdc ? 3 : b === 0xdd ? 5 : 1;
}

function arrayLength(bytes: Uint8Array, at: number): number {
  const b = bytes[at]!;
  if (b === 0xdc) return (bytes[at + 1]! << 8) | bytes[at + 2]!;
  if (b === 0xdd) return ((bytes[at + 1]! << 24) >>> 0) + ((bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!);
  return b & 0x0f;
}

/** Where the value at `at` ends: a str, an integer, a float64, nil or a bool (the types a checked state holds). */
function valueEnd(bytes: Uint8Array, at: number): number {
  const b = bytes[at]!;
  if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return at + 1;
  if ((b & 0xe0) === 0xa0) return at + 1 + (b & 0x1f);
  switch (b) {
    case 0xd9:
      return at + 2 + bytes[at + 1]!;
    case 0xda:
      return at + 3 + ((bytes[at + 1]! << 8) | bytes[at + 2]!);
    case 0xdb:
      return at + 5 + ((bytes[at + 1]! << 24) >>> 0) + ((bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!);
    case 0xcc:
    case 0xd0:
      return at + 2;
    case 0xcd:
    case 0xd1:
      return at + 3;
    case 0xce:
    case 0xd2:
      return at + 5;
    default: // 0xcf, 0xd3, 0xcb: eight bytes
      return at + 9;
  }
}
