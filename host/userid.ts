/**
 * Matrix user ID validation, shared by input checks (main thread) and output checks (workers).
 * The grammar is the Matrix spec's: `@localpart:server_name`, at most 255 bytes. The localpart accepts the
 * historical grammar (printable ASCII except `:`) because Synapse still serves such users.
 */

const MAX_USER_ID_BYTES = 255;
// Historical localpart: %x21-39 / %x3B-7E (printable ASCII without ':').
const LOCALPART = /^[\x21-\x39\x3b-\x7e]+$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const PORT = /^\d{1,5}$/;

/** True when `host[:port]` is a server name per the Matrix spec. */
export function isServerName(name: string): boolean {
  let host = name;
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    if (close < 0) return false;
    host = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== '' && !(rest.startsWith(':') && PORT.test(rest.slice(1)))) return false;
    return IPV6.test(host);
  }
  const colon = name.indexOf(':');
  if (colon >= 0) {
    if (!PORT.test(name.slice(colon + 1))) return false;
    host = name.slice(0, colon);
  }
  return IPV4.test(host) || DNS_NAME.test(host);
}

/**
 * True when `value` is a well-formed Matrix user ID. One pass over the characters instead of the regular
 * expressions above: it runs for every state of every batch, on the main thread, and the expressions
 * took a quarter of a 1000-state batch's encoding. The rare IPv6 literal server name takes the slow path.
 */
export function isUserId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 4 || value.charCodeAt(0) !== 0x40 /* @ */) return false;
  // All valid characters are ASCII, so UTF-16 length equals byte length here.
  if (value.length > MAX_USER_ID_BYTES) return false;
  let i = 1;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x3a /* : */) break;
    if (c < 0x21 || c > 0x7e) return false;
  }
  if (i < 2 || i >= value.length - 1) return false;
  const server = i + 1;
  if (value.charCodeAt(server) === 0x5b /* [ */) return isServerName(value.slice(server));
  let k = server;
  for (; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c === 0x3a) break;
    if (!isDnsChar(c)) return false;
  }
  if (k === server) return false;
  if (k === value.length) return true;
  // A port: one to five digits, to the end.
  const digits = value.length - k - 1;
  if (digits < 1 || digits > 5) return false;
  for (let d = k + 1; d < value.length; d++) if (!isDigit(value.charCodeAt(d))) return false;
  return true;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** [A-Za-z0-9.-]: the characters of a DNS name, and of an IPv4 address. */
const isDnsChar = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x2d;
