/**
 * Request bodies in JSON, decoded strictly: the bytes must be UTF-8 (no replacement characters: a state's
 * user ID with an invalid byte is refused, not turned into a different ID), and a refusal names the field.
 */
import { isUtf8 } from 'node:buffer';
import { inputError } from '../errors.js';
import { formatPath, type PathPiece } from './body-path.js';

export function decodeJsonBody(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    // Only the valid prefix is read, to say where the bad byte sits.
    throw inputError(jsonPathAt(bytes.toString('utf8', 0, at)), `not valid UTF-8 (byte ${at} of the body)`);
  }
  // Buffer#toString keeps a leading U+FEFF, which JSON.parse then refuses: a BOM is not JSON.
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw inputError('body', `malformed JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // past U+10FFFF
    } else return i;
    if (i + more >= n) return i; // truncated sequence
    const second = b[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= more; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
}

/** The path of the value being written at the end of a (valid, partial) JSON text. */
export function jsonPathAt(prefix: string): string {
  type Frame = { array: true; index: number } | { array: false; key: string | undefined; awaitingKey: boolean };
  const stack: Frame[] = [];
  let inKey = false;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      // Find the end of the string literal; a prefix that ends inside it ends inside this value (or key).
      let j = i + 1;
      while (j < prefix.length && prefix[j] !== '"') j += prefix[j] === '\\' ? 2 : 1;
      const isKey = top !== undefined && !top.array && top.awaitingKey;
      if (j >= prefix.length) {
        inKey = isKey;
        break;
      }
      if (isKey) {
        try {
          top.key = JSON.parse(prefix.slice(i, j + 1)) as string;
        } catch {
          top.key = prefix.slice(i + 1, j);
        }
      }
      i = j;
    } else if (c === '{') stack.push({ array: false, key: undefined, awaitingKey: true });
    else if (c === '[') stack.push({ array: true, index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ':' && top && !top.array) top.awaitingKey = false;
    else if (c === ',' && top) {
      if (top.array) top.index++;
      else top.awaitingKey = true;
    }
  }
  const pieces: PathPiece[] = [];
  stack.forEach((frame, k) => {
    const last = k === stack.length - 1;
    if (frame.array) pieces.push(frame.index);
    else if (!(last && frame.awaitingKey) && frame.key !== undefined) pieces.push(frame.key);
  });
  const path = formatPath(pieces);
  return inKey ? `${path} (a key)` : path;
}
