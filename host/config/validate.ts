/** Small validators whose messages name the path and what was found instead. */
import { configError, describe } from '../errors.js';
import { NOT_UNICODE_TEXT, isUnicodeText } from '../text.js';

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectMap(value: unknown, path: string): Record<string, unknown> {
  if (!isMap(value)) throw configError(path, `expected a map (got ${describe(value)})`);
  return value;
}

/** Unknown keys are errors, not silently ignored: a typo must not turn a limit off. */
export function expectKeys(map: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) {
      const where = path === '' ? key : `${path}.${key}`;
      throw configError(where, `unknown key (allowed here: ${allowed.join(', ')})`);
    }
  }
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') {
    throw configError(path, `expected a non-empty string (got ${describe(value)})`);
  }
  return value;
}

export function expectPositiveInt(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw configError(path, `must be a positive integer up to ${max} (got ${describe(value)})`);
  }
  return value;
}

export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw configError(path, `must be true or false (got ${describe(value)})`);
  return value;
}

const MAX_CONFIG_DEPTH = 64;

/**
 * Every string in `value` (map keys included) must be Unicode text, or the module would be handed bytes
 * its config reader refuses, with a message about msgpack rather than about the config (host/text.ts).
 */
export function expectUnicodeText(value: unknown, path: string, depth = 0): void {
  // msgpack, and the module's reader, refuse deeper nesting anyway; this also stops a cyclic object.
  if (depth > MAX_CONFIG_DEPTH) throw configError(path, `nested more than ${MAX_CONFIG_DEPTH} levels deep`);
  if (typeof value === 'string') {
    if (!isUnicodeText(value)) throw configError(path, NOT_UNICODE_TEXT);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => expectUnicodeText(item, `${path}[${i}]`, depth + 1));
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!isUnicodeText(key)) throw configError(`${path} key ${JSON.stringify(key)}`, NOT_UNICODE_TEXT);
      expectUnicodeText(item, `${path}.${key}`, depth + 1);
    }
  }
}
