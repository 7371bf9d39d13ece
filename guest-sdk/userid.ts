// Matrix user IDs as docs/abi.md "User IDs" defines them, the rules the host applies to every user ID a
// module returns: `@localpart:server_name`, at most 255 bytes; the localpart is printable ASCII
// (0x21-0x7e) other than ':' (the spec's historical grammar); the server name follows the spec's
// server-name grammar. The SDK checks user IDs where a module hands them in (config accessors,
// sendLocalOnlinePresenceTo, interested_users' input) so that the error names the bad value; the user IDs
// of an answer are left to the host, which checks them all and refuses a bad one as bad_output.

import { REASON_COLON, REASON_LENGTH, REASON_LOCALPART, REASON_SERVER, REASON_SIGIL } from "./errors";

/** Longest user ID the host accepts, in bytes (user IDs are ASCII, so also in characters). */
export const MAX_USER_ID_LENGTH: i32 = 255;

/** Why `userId` is not a well-formed user ID, or null if it is. */
export function userIdError(userId: string): string | null {
  const n = userId.length;
  if (n > MAX_USER_ID_LENGTH) return REASON_LENGTH;
  if (n == 0 || userId.charCodeAt(0) != 0x40) return REASON_SIGIL;
  const colon = userId.indexOf(":");
  if (colon < 0) return REASON_COLON;
  if (colon == 1) return REASON_LOCALPART;
  for (let i = 1; i < colon; i++) {
    const c = userId.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return REASON_LOCALPART;
  }
  if (!isValidServerName(userId.substring(colon + 1))) return REASON_SERVER;
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
 * True if `name` is a server name: a DNS name (1-255 of `[A-Za-z0-9.-]`, which also covers IPv4
 * addresses) or a bracketed IPv6 literal (2-45 of `[0-9A-Fa-f:.]`), then optionally `:` and 1-5 digits.
 */
export function isValidServerName(name: string): bool {
  const n = name.length;
  if (n == 0) return false;
  let hostEnd: i32;
  if (name.charCodeAt(0) == 0x5b) { // '['
    hostEnd = name.indexOf("]");
    if (hostEnd < 3 || hostEnd > 46) return false;
    for (let i = 1; i < hostEnd; i++) if (!isIpv6Char(name.charCodeAt(i))) return false;
    hostEnd++;
  } else {
    hostEnd = name.indexOf(":");
    if (hostEnd < 0) hostEnd = n;
    if (hostEnd == 0 || hostEnd > 255) return false;
    for (let i = 0; i < hostEnd; i++) if (!isDnsChar(name.charCodeAt(i))) return false;
  }
  if (hostEnd == n) return true;
  if (name.charCodeAt(hostEnd) != 0x3a) return false; // ':'
  const digits = n - hostEnd - 1;
  if (digits < 1 || digits > 5) return false;
  for (let i = hostEnd + 1; i < n; i++) if (!isDigit(name.charCodeAt(i))) return false;
  return true;
}

function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

function isDnsChar(c: i32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e;
}

function isIpv6Char(c: i32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c == 0x3a || c == 0x2e;
}
