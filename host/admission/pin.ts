/**
 * Module pinning: an entry's `sha256:` is the digest its .wasm file must have. Checked on the bytes
 * admission is about to compile (not a second read of the file), at every load and reload, so the file
 * cannot change between the check and the use.
 */
import { createHash } from 'node:crypto';
import { RefusalReason, moduleRefused } from '../errors.js';
import type { ModuleSpec } from '../config/schema.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function checkPin(spec: ModuleSpec, file: string, bytes: Uint8Array): void {
  if (spec.sha256 === undefined) return;
  const actual = sha256Hex(bytes);
  if (actual !== spec.sha256) {
    throw moduleRefused(
      spec.label,
      RefusalReason.SHA256_MISMATCH,
      `${spec.path}.sha256 pins ${spec.sha256} but ${file} has SHA-256 ${actual}; if the new file is the one you meant, put its digest (sha256sum) in the config`,
    );
  }
}
