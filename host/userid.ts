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

/** True when `value` is a well-formed Matrix user ID. */
export function isUserId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 4 || value.charCodeAt(0) !== 0x40 /* @ */) return false;
  // All valid characters are ASCII, so UTF-16 length equals byte length here.
  if (value.length > MAX_USER_ID_BYTES) return false;
  const colon = value.indexOf(':');
  if (colon < 2) return false;
  return LOCALPART.test(value.slice(1, colon)) && isServerName(value.slice(colon + 1));
}
