/** Small validators whose messages name the path and what was found instead. */
import { configError, describe } from '../errors.js';

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
