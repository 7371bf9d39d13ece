// Matrix user IDs as docs/abi.md "User IDs" defines them, the rules the host applies to every user ID a
// module returns, and the SDK's one definition of them: `@localpart:server_name`, at most 255 bytes of
// UTF-8; the localpart is any non-empty text without ':', NUL or a lone surrogate (Synapse serves
// historical users such as `@zoë:example.org`); the server name is Synapse's: a DNS name (an IPv4 address
// is one), or a bracketed IPv6 address, then optionally ':' and ASCII digits. The SDK checks user IDs
// where a module hands them in (config accessors, sendLocalOnlinePresenceTo, interested_users' input) so
// that the error names the bad value; the user IDs of an answer are left to the host, which checks them
// all and refuses a bad one as bad_output.

import {
  REASON_COLON, REASON_EMPTY_LOCALPART, REASON_LENGTH, REASON_NUL, REASON_SERVER, REASON_SIGIL, REASON_SURROGATE,
} from "./errors";

/** Longest user ID the host accepts, in bytes of UTF-8 (a non-ASCII character counts 2 to 4). */
export const MAX_USER_ID_LENGTH: i32 = 255;

/** Why `userId` is not a well-formed user ID, or null if it is. */
export function userIdError(userId: string): string | null {
  const n = userId.length;
  if (n == 0 || userId.charCodeAt(0) != 0x40) return REASON_SIGIL;
  // Every UTF-16 code unit is at least one byte: a long string is refused before it is scanned.
  if (n > MAX_USER_ID_LENGTH) return REASON_LENGTH;
  let extra = 0; // UTF-8 bytes beyond one per code unit, counted only for non-ASCII code units
  let i = 1;
  for (; i < n; i++) {
    const c = userId.charCodeAt(i);
    if (c < 0x80) {
      if (c == 0x3a) break;
      if (c == 0) return REASON_NUL;
      continue;
    }
    if (c < 0x800) extra += 1;
    else if (c < 0xd800 || c > 0xdfff) extra += 2;
    else if (c <= 0xdbff && i + 1 < n && isLowSurrogate(userId.charCodeAt(i + 1))) {
      extra += 2; // two code units, four bytes
      i++;
    } else return REASON_SURROGATE;
  }
  if (i == n) return REASON_COLON;
  if (i == 1) return REASON_EMPTY_LOCALPART;
  if (n + extra > MAX_USER_ID_LENGTH) return REASON_LENGTH;
  if (i + 1 == n || !serverNameFrom(userId, i + 1)) return REASON_SERVER;
  return null;
}

/** True if `userId` is a well-formed user ID. */
export function isValidUserId(userId: string): bool {
  return userIdError(userId) === null;
}

/**
 * The server name of a well-formed user ID (everything after the first ':', port included), e.g.
 * `serverName("@alice:example.com:8448")` is `"example.com:8448"`. Empty if there is no ':'.
 */
export function serverName(userId: string): string {
  const colon = userId.indexOf(":");
  return colon < 0 ? "" : userId.substring(colon + 1);
}

/**
 * True if `name` is a server name: a DNS name (labels of ASCII letters, digits and '-', joined by single
 * dots; an IPv4 address is one) or a bracketed IPv6 address as inet_pton reads it, then optionally ':'
 * and one or more ASCII digits. A name ending in ']' is all host, as Synapse splits it.
 */
export function isValidServerName(name: string): bool {
  return name.length > 0 && serverNameFrom(name, 0);
}

// `s` from `start` to its end is `host [":" port]`.
function serverNameFrom(s: string, start: i32): bool {
  const n = s.length;
  let k = start;
  if (s.charCodeAt(k) == 0x5b) { // '['
    const close = s.indexOf("]", k);
    if (close < 0 || !isIpv6(s, k + 1, close)) return false;
    k = close + 1;
  } else {
    let label = k;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c == 0x2e) { // '.'
        if (k == label) return false;
        label = k + 1;
      } else if (c == 0x3a) break;
      else if (!isLabelChar(c)) return false;
    }
    if (k == label) return false; // an empty host, or an empty last label ("x.")
  }
  if (k == n) return true;
  if (s.charCodeAt(k) != 0x3a || k + 1 == n) return false;
  for (let d = k + 1; d < n; d++) if (!isDigit(s.charCodeAt(d))) return false;
  return true;
}

// `s[start, end)` is an IPv6 address in inet_pton's text forms: up to eight groups of 1-4 hex digits,
// at most one '::' standing for at least one zero group, optionally a dotted IPv4 address as the last two
// groups; no zone.
function isIpv6(s: string, start: i32, end: i32): bool {
  if (start == end) return false;
  let p = start;
  if (s.charCodeAt(p) == 0x3a) {
    p++; // a leading ':' must be half of a leading '::'
    if (p == end || s.charCodeAt(p) != 0x3a) return false;
  }
  let bytes = 0; // of the 16 an address holds, written so far
  let gap = false; // '::' seen
  let digits = 0; // hex digits of the group being read
  let group = p; // where that group starts, for an IPv4 tail
  while (p < end) {
    const c = s.charCodeAt(p++);
    if (isHexDigit(c)) {
      if (digits == 4) return false;
      digits++;
    } else if (c == 0x3a) {
      group = p;
      if (digits == 0) {
        if (gap) return false;
        gap = true;
      } else {
        if (p == end || bytes + 2 > 16) return false; // a trailing ':', or a ninth group
        bytes += 2;
        digits = 0;
      }
    } else if (c == 0x2e && bytes + 4 <= 16 && isIpv4(s, group, end)) {
      bytes += 4;
      digits = 0;
      break;
    } else return false;
  }
  if (digits > 0) {
    if (bytes + 2 > 16) return false;
    bytes += 2;
  }
  return gap ? bytes < 16 : bytes == 16;
}

// `s[start, end)` is a dotted quad: four decimal octets 0-255, no leading zeros.
function isIpv4(s: string, start: i32, end: i32): bool {
  let octets = 0;
  let value = 0;
  let inOctet = false;
  for (let p = start; p < end; p++) {
    const c = s.charCodeAt(p);
    if (isDigit(c)) {
      if (inOctet && value == 0) return false;
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      if (!inOctet) {
        if (++octets > 4) return false;
        inOctet = true;
      }
    } else if (c == 0x2e && inOctet && octets < 4) {
      value = 0;
      inOctet = false;
    } else return false;
  }
  return octets == 4 && inOctet;
}

function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

function isLowSurrogate(c: i32): bool { return c >= 0xdc00 && c <= 0xdfff; }

function isHexDigit(c: i32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// [A-Za-z0-9-]: the characters of a DNS label.
function isLabelChar(c: i32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d;
}
