/** Checks on values the definition cannot describe, collected as issues. */
import { NOT_UNICODE_TEXT, isUnicodeText } from '../text.js';
import type { ConfigIssue } from './issues.js';

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_CONFIG_DEPTH = 64;

/**
 * Every string in `value` (map keys included) must be Unicode text, or the module would be handed bytes
 * its config reader refuses, with a message about msgpack rather than about the config (host/text.ts).
 */
export function unicodeIssues(value: unknown, path: string, out: ConfigIssue[], depth = 0): void {
  // msgpack, and the module's reader, refuse deeper nesting anyway; this also stops a cyclic object.
  if (depth > MAX_CONFIG_DEPTH) {
    out.push({ path, message: `nested more than ${MAX_CONFIG_DEPTH} levels deep` });
  } else if (typeof value === 'string') {
    if (!isUnicodeText(value)) out.push({ path, message: NOT_UNICODE_TEXT });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unicodeIssues(item, `${path}[${i}]`, out, depth + 1));
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!isUnicodeText(key)) out.push({ path: `${path} key ${JSON.stringify(key)}`, message: NOT_UNICODE_TEXT });
      else unicodeIssues(item, `${path}.${key}`, out, depth + 1);
    }
  }
}
