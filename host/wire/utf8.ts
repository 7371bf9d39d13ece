/**
 * Strict UTF-8 validation in place (RFC 3629, as TextDecoder's fatal mode and Node's isUtf8 decide):
 * no overlong forms, no surrogates (U+D800..U+DFFF, so no lone surrogate gets through), nothing past
 * U+10FFFF, no cut sequence. One state machine for the wire's strings and for the JSON body's refusal,
 * which names the first bad byte (service/json-body.ts). In JavaScript because a batch's strings are
 * short: making a view of each for a native check cost more than the check (bench/README.md, the binary
 * wire).
 */
export function isUtf8At(bytes: Uint8Array, start: number, end: number): boolean {
  return firstInvalidUtf8At(bytes, start, end) < 0;
}

/** Where the first sequence that is not well-formed UTF-8 starts in [start, end), or -1 if there is none. */
export function firstInvalidUtf8At(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b < 0xc2) return i; // a continuation byte, or an overlong 2-byte lead
    if (b < 0xe0) {
      if (i + 1 >= end || (bytes[i + 1]! & 0xc0) !== 0x80) return i;
      i += 2;
      continue;
    }
    if (b < 0xf0) {
      if (i + 2 >= end) return i;
      const b1 = bytes[i + 1]!;
      // E0 needs A0..BF (else overlong); ED needs 80..9F (else a surrogate).
      if (b === 0xe0 ? b1 < 0xa0 || b1 > 0xbf : b === 0xed ? b1 < 0x80 || b1 > 0x9f : (b1 & 0xc0) !== 0x80) return i;
      if ((bytes[i + 2]! & 0xc0) !== 0x80) return i;
      i += 3;
      continue;
    }
    if (b > 0xf4 || i + 3 >= end) return i;
    const b1 = bytes[i + 1]!;
    // F0 needs 90..BF (else overlong); F4 needs 80..8F (else past U+10FFFF).
    if (b === 0xf0 ? b1 < 0x90 || b1 > 0xbf : b === 0xf4 ? b1 < 0x80 || b1 > 0x8f : (b1 & 0xc0) !== 0x80) return i;
    if ((bytes[i + 2]! & 0xc0) !== 0x80 || (bytes[i + 3]! & 0xc0) !== 0x80) return i;
    i += 4;
  }
  return -1;
}
