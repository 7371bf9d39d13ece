/**
 * The one rule for text read out of a guest, wherever the host reads it (results, send arguments, log
 * and abort messages, init's error message): strict. Invalid bytes are the guest's error, never
 * replaced with U+FFFD, and a leading byte-order mark is kept as the character it is: TextDecoder drops
 * one by default, which would make the bytes EF BB BF 41 4C 4C read as "ALL" and a user ID with a BOM in
 * front pass as the ID without it.
 *
 * Text the host keeps only a prefix of (a long log line) is cut at a character boundary, never inside a
 * character, and the character across the cut is still checked, so a cut cannot hide invalid bytes.
 */
import { utf8OrUndefined } from '../text.js';
import { badOutput } from './guest-failure.js';

/** Strict UTF-8, or undefined when the bytes are not valid UTF-8 (for callers that name the offset). */
export { utf8OrUndefined };

const utf16le = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });

/** Strict UTF-8; invalid bytes are `bad_output` naming `what`. */
export function readUtf8(bytes: Uint8Array, what: string): string {
  const text = utf8OrUndefined(bytes);
  if (text === undefined) throw badOutput(`${what}: not valid UTF-8`);
  return text;
}

export interface CutText {
  text: string;
  /** True when the text was longer than the cap and only a prefix is kept. */
  cut: boolean;
}

/**
 * At most `maxBytes` of UTF-8 `bytes` (the whole range, already checked against memory), cut at the
 * last character boundary at or before `maxBytes`. The bytes up to the end of the character that
 * straddles the cut are decoded strictly with the rest, then that character is dropped.
 */
export function readUtf8Cut(bytes: Uint8Array, maxBytes: number, what: string): CutText {
  if (bytes.byteLength <= maxBytes) return { text: readUtf8(bytes, what), cut: false };
  let end = maxBytes;
  // Continuation bytes are 10xxxxxx; a character has at most three. A fourth is invalid, and is kept in
  // the decoded range so that the strict decoder refuses it.
  while (end < bytes.byteLength && end - maxBytes < 4 && (bytes[end]! & 0xc0) === 0x80) end++;
  const text = readUtf8(bytes.subarray(0, end), what);
  return { text: end > maxBytes ? dropLastCodePoint(text) : text, cut: true };
}

/**
 * At most `maxBytes` (even) of UTF-16LE `bytes`, cut between code points: a surrogate pair across the
 * cut is checked, then dropped. An odd byte length, or a lone surrogate, is `bad_output`.
 */
export function readUtf16leCut(bytes: Uint8Array, maxBytes: number, what: string): CutText {
  if (bytes.byteLength % 2 !== 0) throw badOutput(`${what}: ${bytes.byteLength} bytes is not whole UTF-16 code units`);
  const cap = maxBytes & ~1;
  const cut = bytes.byteLength > cap;
  let end = cut ? cap : bytes.byteLength;
  // A low surrogate just past the cut belongs to the code point before it.
  if (cut && isLowSurrogate(bytes[end]! | (bytes[end + 1]! << 8))) end += 2;
  let text: string;
  try {
    text = utf16le.decode(bytes.subarray(0, end));
  } catch {
    throw badOutput(`${what}: not valid UTF-16 (a lone surrogate)`);
  }
  return { text: end > cap ? dropLastCodePoint(text) : text, cut };
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function dropLastCodePoint(text: string): string {
  const last = text.codePointAt(text.length - 1);
  // codePointAt on the low half of a pair gives the low surrogate itself: step back over both halves.
  return text.slice(0, last !== undefined && isLowSurrogate(last) ? -2 : -1);
}
