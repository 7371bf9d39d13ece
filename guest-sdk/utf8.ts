// Strict UTF-8 validation. String.UTF8.decodeUnsafe does not refuse malformed input, and the host
// decodes strictly, so the guest must not accept what the host would call bad_output.

/**
 * Returns the offset of the first byte that is not part of a well-formed UTF-8 sequence, or `len` if
 * all `len` bytes at `ptr` are valid (no overlongs, no surrogates, nothing above U+10FFFF).
 */
export function utf8ValidPrefix(ptr: usize, len: usize): usize {
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { i++; continue; }
    let need: usize = 0;
    let lo: u32 = 0x80, hi: u32 = 0xbf; // allowed range of the second byte
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 == 0xe0) lo = 0xa0; // overlong
      else if (b0 == 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 == 0xf0) lo = 0x90; // overlong
      else if (b0 == 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + need >= len) return i; // the sequence runs past the end
    const b1 = <u32>load<u8>(ptr + i + 1);
    if (b1 < lo || b1 > hi) return i;
    for (let k: usize = 2; k <= need; k++) {
      const b = <u32>load<u8>(ptr + i + k);
      if ((b & 0xc0) != 0x80) return i;
    }
    i += need + 1;
  }
  return len;
}

/** Decodes `len` bytes of UTF-8, or returns null if they are not well-formed. */
export function decodeUtf8(ptr: usize, len: usize): string | null {
  if (utf8ValidPrefix(ptr, len) != len) return null;
  return String.UTF8.decodeUnsafe(ptr, len);
}

/**
 * True if the `len` bytes at `ptr` spell `ascii`, compared in place. `ascii` must be ASCII: each byte is
 * compared with one UTF-16 code unit.
 */
export function asciiEquals(ptr: usize, len: usize, ascii: string): bool {
  if (len != <usize>ascii.length) return false;
  const s = changetype<usize>(ascii);
  for (let i: usize = 0; i < len; i++) {
    if (<u32>load<u8>(ptr + i) != <u32>load<u16>(s + (i << 1))) return false;
  }
  return true;
}
