/**
 * Strict UTF-8 validation in place (RFC 3629, as TextDecoder's fatal mode and Node's isUtf8 decide):
 * no overlong forms, no surrogates (U+D800..U+DFFF, so no lone surrogate gets through), nothing past
 * U+10FFFF, no cut sequence. In JavaScript because a batch's strings are short: making a view of each
 * for a native check cost more than the check (bench/README.md, the binary wire).
 */
export function isUtf8At(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b < 0xc2) return false; // a continuation byte, or an overlong 2-byte lead
    if (b < 0xe0) {
      if (i + 1 >= end || (bytes[i + 1]! & 0xc0) !== 0x80) return false;
      i += 2;
      continue;
    }
    if (b < 0xf0) {
      if (i + 2 >= end) return false;
      const b1 = bytes[i + 1]!;
      // E0 needs A0..BF (else overlong); ED needs 80..9F (else a surrogate).
      if (b === 0xe0 ? b1 < 0xa0 || b1 > 0xbf : b === 0xed ? b1 < 0x80 || b1 > 0x9f : (b1 & 0xc0) !== 0x80) return false;
      if ((bytes[i + 2]! & 0xc0) !== 0x80) return false;
      i += 3;
      continue;
    }
    if (b > 0xf4 || i + 3 >= end) return false;
    const b1 = bytes[i + 1]!;
    // F0 needs 90..BF (else overlong); F4 needs 80..8F (else past U+10FFFF).
    if (b === 0xf0 ? b1 < 0x90 || b1 > 0xbf : b === 0xf4 ? b1 < 0x80 || b1 > 0x8f : (b1 & 0xc0) !== 0x80) return false;
    if ((bytes[i + 2]! & 0xc0) !== 0x80 || (bytes[i + 3]! & 0xc0) !== 0x80) return false;
    i += 4;
  }
  return true;
}
