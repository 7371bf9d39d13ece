/**
 * Text that can cross the boundary. JavaScript strings may hold lone UTF-16 surrogates (JSON and YAML
 * can spell them, "\ud83d"); UTF-8, and so msgpack, cannot carry them, and every module's strict reader
 * refuses what msgpack writes instead. The host refuses such strings itself, naming where they are.
 */

declare global {
  interface String {
    /** ES2024, in every Node this package supports (20+); TypeScript's ES2022 lib lacks it. */
    isWellFormed(): boolean;
  }
}

/** True unless `s` holds a lone surrogate. */
export function isUnicodeText(s: string): boolean {
  return s.isWellFormed();
}

export const NOT_UNICODE_TEXT = 'expected Unicode text (it holds a lone UTF-16 surrogate)';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes as text, strictly: undefined for anything that is not valid UTF-8 (never U+FFFD), and a leading
 * byte-order mark kept as the character it is (TextDecoder drops one by default). The one decoder for
 * text from outside, a guest's (worker/guest-text.ts) or a client's (service/msgpack-body.ts).
 */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
