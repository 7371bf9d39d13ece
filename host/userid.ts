/**
 * Matrix user IDs as homeservers carry them: the one definition the host applies to every user ID it
 * reads, from callers (states, interested_users) and from modules (results, send_local_online_presence_to),
 * on the main thread and in workers. docs/abi.md "User IDs" states the grammar; it is Synapse's
 * `UserID.is_valid` (split at the first ':', then `parse_and_validate_server_name`) plus the limits Synapse
 * leaves to its TODO: a non-empty localpart and at most 255 bytes of UTF-8. The localpart is not the spec's
 * historical ASCII grammar: Synapse serves users like `@zoë:example.org` created before that grammar was
 * enforced, and one such remote user must not make a whole batch a 400.
 *
 * This runs for every state of every batch on the main thread, so the check allocates nothing and makes
 * one pass; only non-ASCII code units take the extra branch that counts UTF-8 bytes and pairs surrogates.
 */
import { describe } from './errors.js';

/** Most UTF-8 bytes in a user ID (the spec's limit; Synapse's is_valid_strict counts it the same way). */
export const MAX_USER_ID_BYTES = 255;

// Why a value is not a user ID: a number, so that the check builds no string on the hot path.
const OK = 0;
const NOT_STRING = 1;
const SIGIL = 2;
const COLON = 3;
const EMPTY_LOCALPART = 4;
const NUL = 5;
const LONE_SURROGATE = 6;
const TOO_LONG = 7;
const BAD_SERVER = 8;

const REASONS = [
  '',
  'not a string',
  "it must start with '@'",
  "it has no ':' between the localpart and the server name",
  'the localpart is empty',
  'it holds U+0000 (NUL)',
  'it holds a lone UTF-16 surrogate',
  `it is longer than ${MAX_USER_ID_BYTES} bytes of UTF-8`,
  "the server name is not a DNS name, an IPv4 address or a bracketed IPv6 address with an optional ':port'",
] as const;

/** True when `value` is a user ID by docs/abi.md "User IDs". */
export function isUserId(value: unknown): value is string {
  return userIdFault(value) === OK;
}

/**
 * Why `value` is not a user ID, worded for an error message ("the localpart is empty"), or null if it is
 * one. For refusals only: the hot path calls isUserId.
 */
export function whyNotUserId(value: unknown): string | null {
  const fault = userIdFault(value);
  return fault === OK ? null : REASONS[fault]!;
}

/**
 * The message for a caller's value that is not a user ID, with the reason:
 * `expected a Matrix user ID like @alice:example.com (got "@:x": the localpart is empty)`.
 */
export function notUserIdMessage(value: unknown): string {
  const why = typeof value === 'string' ? `: ${whyNotUserId(value) ?? 'it is one'}` : '';
  return `expected a Matrix user ID like @alice:example.com (got ${describe(value)}${why})`;
}

/** True when `name` is a server name: `host[:port]` by docs/abi.md "User IDs". */
export function isServerName(name: string): boolean {
  return name.length > 0 && serverNameValid(name, 0);
}

function userIdFault(value: unknown): number {
  if (typeof value !== 'string') return NOT_STRING;
  const n = value.length;
  if (n === 0 || value.charCodeAt(0) !== 0x40 /* @ */) return SIGIL;
  // Every UTF-16 code unit is at least one UTF-8 byte: a long string is refused before it is scanned.
  if (n > MAX_USER_ID_BYTES) return TOO_LONG;
  // UTF-8 bytes beyond one per code unit, counted only when the localpart is not ASCII.
  let extra = 0;
  let i = 1;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x3a /* : */) break;
      if (c === 0) return NUL;
      continue;
    }
    if (c < 0x800) extra += 1;
    else if (c < 0xd800 || c > 0xdfff) extra += 2;
    else if (c <= 0xdbff && i + 1 < n && isLowSurrogate(value.charCodeAt(i + 1))) {
      extra += 2; // two code units, four bytes
      i++;
    } else return LONE_SURROGATE;
  }
  if (i === n) return COLON;
  if (i === 1) return EMPTY_LOCALPART;
  if (n + extra > MAX_USER_ID_BYTES) return TOO_LONG;
  return i + 1 < n && serverNameValid(value, i + 1) ? OK : BAD_SERVER;
}

/**
 * True when `s` from `start` to its end is `host [":" port]`: host a DNS name (labels of letters, digits
 * and '-', joined by single dots; an IPv4 address is one) or '[' IPv6 address ']'; port one or more ASCII
 * digits. This is Synapse's parse_and_validate_server_name, whose port is Python's int() (see docs/abi.md
 * for the few spellings int() takes that this does not).
 */
function serverNameValid(s: string, start: number): boolean {
  const n = s.length;
  let k = start;
  if (s.charCodeAt(k) === 0x5b /* [ */) {
    const close = s.indexOf(']', k);
    if (close < 0 || !isIpv6(s, k + 1, close)) return false;
    k = close + 1;
  } else {
    let label = k;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c === 0x2e /* . */) {
        if (k === label) return false;
        label = k + 1;
      } else if (c === 0x3a) break;
      else if (!isLabelChar(c)) return false;
    }
    if (k === label) return false; // an empty host, or an empty last label ("x.")
  }
  if (k === n) return true;
  if (s.charCodeAt(k) !== 0x3a || k + 1 === n) return false;
  for (let d = k + 1; d < n; d++) if (!isDigit(s.charCodeAt(d))) return false;
  return true;
}

/**
 * True when `s[start, end)` is an IPv6 address in the text forms inet_pton accepts (what Synapse's
 * netaddr.valid_ipv6 calls): up to eight groups of 1-4 hex digits, at most one '::' standing for at least
 * one zero group, optionally ending in a dotted IPv4 address in place of the last two groups; no zone.
 */
function isIpv6(s: string, start: number, end: number): boolean {
  if (start === end) return false;
  let p = start;
  if (s.charCodeAt(p) === 0x3a) {
    // A leading ':' must be half of a leading '::'.
    p++;
    if (p === end || s.charCodeAt(p) !== 0x3a) return false;
  }
  let bytes = 0; // of the 16 an address holds, written so far
  let gap = false; // '::' seen
  let digits = 0; // hex digits of the group being read
  let group = p; // where that group starts, for an IPv4 tail
  while (p < end) {
    const c = s.charCodeAt(p++);
    if (isHexDigit(c)) {
      if (digits === 4) return false;
      digits++;
    } else if (c === 0x3a) {
      group = p;
      if (digits === 0) {
        if (gap) return false;
        gap = true;
      } else {
        if (p === end || bytes + 2 > 16) return false; // a trailing ':', or a ninth group
        bytes += 2;
        digits = 0;
      }
    } else if (c === 0x2e && bytes + 4 <= 16 && isIpv4(s, group, end)) {
      bytes += 4;
      digits = 0;
      break;
    } else return false;
  }
  if (digits > 0) {
    if (bytes + 2 > 16) return false;
    bytes += 2;
  }
  return gap ? bytes < 16 : bytes === 16;
}

/** True when `s[start, end)` is a dotted quad: four decimal octets 0-255, no leading zeros. */
function isIpv4(s: string, start: number, end: number): boolean {
  let octets = 0;
  let value = 0;
  let inOctet = false;
  for (let p = start; p < end; p++) {
    const c = s.charCodeAt(p);
    if (isDigit(c)) {
      if (inOctet && value === 0) return false;
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      if (!inOctet) {
        if (++octets > 4) return false;
        inOctet = true;
      }
    } else if (c === 0x2e && inOctet && octets < 4) {
      value = 0;
      inOctet = false;
    } else return false;
  }
  return octets === 4 && inOctet;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** [A-Za-z0-9-]: the characters of a DNS label (Synapse's VALID_HOST_REGEX). */
const isLabelChar = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2d;
