/**
 * The user ID grammar of docs/abi.md "User IDs", written the way Synapse states it rather than the way the
 * host and the SDK check it: split at the first ':' (DomainSpecificString.from_string), split the server
 * name as parse_server_name does (all host if it ends in ']', else the port after the last ':'), then
 * Synapse's host regex or an IPv6 address by RFC 3986's IPv6address rule (the text forms inet_pton takes).
 * Plus the limits docs/abi.md adds: non-empty localpart, at most 255 bytes of UTF-8, no NUL, no lone
 * surrogate, ASCII port digits. The independent oracle both hand-written checks are held to, and strings
 * that probe its edges.
 */
import fc from 'fast-check';

const DNS_NAME = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const PORT = /^[0-9]+$/;

const H16 = '[0-9A-Fa-f]{1,4}';
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${DEC_OCTET}(?:\\.${DEC_OCTET}){3}`;
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
const upTo = (n: number) => `(?:(?:${H16}:){0,${n}}${H16})?`;
const IPV6 = new RegExp(`^(?:${[
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `${upTo(0)}::(?:${H16}:){4}${LS32}`,
  `${upTo(1)}::(?:${H16}:){3}${LS32}`,
  `${upTo(2)}::(?:${H16}:){2}${LS32}`,
  `${upTo(3)}::${H16}:${LS32}`,
  `${upTo(4)}::${LS32}`,
  `${upTo(5)}::${H16}`,
  `${upTo(6)}::`,
].join('|')})$`);

export const isIpv6ByRfc = (s: string): boolean => IPV6.test(s);

export function isServerNameByGrammar(name: string): boolean {
  let host = name;
  if (!name.endsWith(']')) {
    const colon = name.lastIndexOf(':');
    if (colon >= 0) {
      host = name.slice(0, colon);
      if (!PORT.test(name.slice(colon + 1))) return false;
    }
  }
  if (host.startsWith('[')) return host.length > 2 && host.endsWith(']') && isIpv6ByRfc(host.slice(1, -1));
  return DNS_NAME.test(host);
}

export function isUserIdByGrammar(id: string): boolean {
  if (!id.startsWith('@')) return false;
  const colon = id.indexOf(':');
  if (colon < 0) return false;
  const localpart = id.slice(1, colon);
  return localpart.length > 0 && !localpart.includes('\0') && id.isWellFormed() &&
    Buffer.byteLength(id, 'utf8') <= 255 && isServerNameByGrammar(id.slice(colon + 1));
}

declare global {
  interface String {
    isWellFormed(): boolean;
  }
}

/** Accepted by Synapse's UserID.is_valid and by docs/abi.md. */
export const GOOD_USER_IDS = [
  '@alice:example.com', '@a:1.2.3.4', '@a:[::1]', '@a:[2001:db8::1]:8448', '@a:example.com:8448', '@a:x:1',
  "@a!#$%&'*+/=?^_`{|}~-.b:x.org", '@Upper.Case:X-Y.org', `@${'a'.repeat(252)}:x`,
  // Historical localparts Synapse still serves.
  '@zoë:example.org', '@a b:x', '@\u007f:x', '@\t:x', '@日本:example.org', '@\u{1F600}:x', '@\ufeffa:x',
  `@${'é'.repeat(126)}:x`, // 1 + 252 + 2 = 255 bytes
  // Server names as parse_and_validate_server_name takes them.
  '@a:x:123456', '@a:x:0', '@a:999.1.1.1', '@a:-', '@a:a--b.c', '@a:[::ffff:1.2.3.4]', '@a:[1:2:3:4:5:6:7::]',
  '@a:[::]', '@a:[1:2:3:4:5:6:1.2.3.4]', '@a:[ABCD::ef]:1',
];

/** Why a string is not a user ID, in words neither check uses, so that each test maps them to its own. */
export type Refusal = 'sigil' | 'colon' | 'empty' | 'nul' | 'surrogate' | 'length' | 'server';

/** Refused by docs/abi.md, each with why. */
export const BAD_USER_IDS: Array<[string, Refusal]> = [
  ['', 'sigil'],
  ['alice:x', 'sigil'],
  ['@alice', 'colon'],
  ['@:x', 'empty'],
  ['@a\u0000:x', 'nul'],
  ['@a\ud800:x', 'surrogate'],
  ['@a\udc00b:x', 'surrogate'],
  [`@${'a'.repeat(253)}:x`, 'length'],
  [`@${'é'.repeat(127)}:x`, 'length'], // 128 characters, 257 bytes
  [`@${'\u{1F600}'.repeat(64)}:x`, 'length'], // 1 + 256 + 2 = 259 bytes (63 would be 255)
  ['@a:', 'server'], ['@a:exa_mple.com', 'server'], ['@a:x:', 'server'], ['@a:x:12a', 'server'],
  ['@a:[::1', 'server'], ['@a:[g::1]', 'server'], ['@a:[::1]x', 'server'], ['@a:ex ample.org', 'server'],
  ['@a::80', 'server'], ['@a:x.', 'server'], ['@a:.x', 'server'], ['@a:x..y', 'server'],
  ['@a:b:c:x', 'server'], ['@a:x:+80', 'server'], ['@a:x: 80', 'server'], ['@a:x:1_0', 'server'],
  ['@a:[]', 'server'], ['@a:[:]', 'server'], ['@a:[1.2.3.4]', 'server'], ['@a:[fe80::1%eth0]', 'server'],
  ['@a:[1::2::3]', 'server'], ['@a:[1:2:3:4:5:6:7:8::]', 'server'], ['@a:[::01.2.3.4]', 'server'],
  ['@a:[::1.2.3.256]', 'server'], ['@a:[12345::]', 'server'], ['@a:[1:]', 'server'], ['@a:zoë.org', 'server'],
  ['@a:[::1]]', 'server'], ['@a:x\u0000', 'server'],
];

const edgeChar = fc.constantFrom(
  ...'@:[]ab.-09xZ_ é\u007f!%'.split(''), '\u0000', '\ud800', '\udc00', '\u{1F600}', '\u0800', '\uffff',
);
const ipv6Char = fc.constantFrom(...'0123456789abcdefABCDEFg:.'.split(''), '::', '255', '256', '01', '1.2.3.4');
const ipv6Like = fc.oneof(fc.ipV6(), fc.string({ unit: ipv6Char, maxLength: 14 }));
const hostLike = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  ipv6Like.map((a) => `[${a}]`),
  fc.string({ unit: fc.constantFrom(...'ab-.9[]:'.split('')), maxLength: 8 }),
);
const portLike = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 999999 }).map((p) => `:${p}`),
  fc.constantFrom(':', ':+1', ': 1', ':1a', '::1'));

/** Server names near the grammar's edges. */
export const serverNameCandidate: fc.Arbitrary<string> = fc.tuple(hostLike, portLike).map(([h, p]) => h + p);

/** Strings near the user ID grammar's edges: mostly almost-user-IDs, some arbitrary, some near 255 bytes. */
export const userIdCandidate: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: edgeChar, maxLength: 16 }),
  fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), fc.string({ unit: edgeChar, maxLength: 10 }))
    .map(([l, s]) => `@${l}:${s}`),
  fc.tuple(fc.string({ unit: edgeChar, maxLength: 6 }), serverNameCandidate).map(([l, s]) => `@${l}:${s}`),
  fc.tuple(fc.constantFrom('a', 'é', '\u0800', '\u{1F600}'), fc.integer({ min: 60, max: 260 }), fc.constantFrom('x', 'x.org:8448'))
    .map(([c, k, s]) => `@${c.repeat(k)}:${s}`.slice(0, 300)),
);

/** IPv6 candidates: valid ones from fast-check and near-misses. */
export const ipv6Candidate: fc.Arbitrary<string> = ipv6Like;
