/**
 * Request bodies in JSON, decoded strictly: the bytes must be UTF-8 (no replacement characters: a state's
 * user ID with an invalid byte is refused, not turned into a different ID), and a refusal names the field.
 */
import { isUtf8 } from 'node:buffer';
import { inputError } from '../errors.js';
import { firstInvalidUtf8At } from '../wire/utf8.js';
import { formatPath, type PathPiece } from './body-path.js';

export function decodeJsonBody(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8At(bytes, 0, bytes.length);
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
