/** Paths into a request body for error messages (`states[3].user_id`), echoing at most MAX_ECHO of a key. */
import { clip } from '../errors.js';

export type PathPiece = string | number;

export function formatPath(pieces: readonly PathPiece[]): string {
  if (pieces.length === 0) return 'body';
  let path = '';
  for (const piece of pieces) {
    if (typeof piece === 'number') path += `[${piece}]`;
    else path += path === '' ? clip(piece) : `.${clip(piece)}`;
  }
  return path;
}
