// guest-sdk/bytes.ts, usertable.ts and userset.ts: the SDK's sets, maps, Routing and InterestedUsers hash
// and compare UTF-8 bytes; on arbitrary Unicode (non-ASCII, astral characters, lone surrogates,
// near-collisions, and real hash collisions) they must agree with comparing the strings.

import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, loadHarness } from './harness.js';

const packr = new Packr({ useRecords: false });
let sdk: Harness;
let projected: Harness;

beforeAll(async () => {
  sdk = await loadHarness('sdk');
  projected = await loadHarness('projected');
  projected.call('init');
});

/** Characters that stress UTF-8: ASCII, 2- and 3-byte, astral (4-byte), combining marks; never NUL. */
const char = fc.oneof(
  fc.constantFrom('a', 'b', 'A', '@', ':', '.', 'é', 'e\u0301', 'ß', 'ẞ', 'ё', '会', '\u{1F389}', '\u{1D518}', '\uFFFD', '\u0301'),
  fc.integer({ min: 1, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)),
);
const text = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''));
/** A lone surrogate somewhere: a string only, never UTF-8 (no batch carries one). */
const withSurrogate = fc.tuple(text, fc.integer({ min: 0xd800, max: 0xdfff }), text)
  .map(([a, s, b]) => a + String.fromCharCode(s) + b);

/** A string one edit away from `s`: a character changed, added, dropped, or the string cut. */
function near(s: string): fc.Arbitrary<string> {
  const cps = [...s];
  return fc.oneof(
    fc.tuple(fc.nat(cps.length), char).map(([i, c]) => [...cps.slice(0, i), c, ...cps.slice(i)].join('')),
    fc.tuple(fc.nat(Math.max(0, cps.length - 1)), char).map(([i, c]) => [...cps.slice(0, i), c, ...cps.slice(i + 1)].join('')),
    fc.nat(cps.length).map((i) => cps.slice(0, i).join('')),
    fc.constant(s.normalize('NFD')),
    fc.constant(s.normalize('NFC')),
    fc.constant(s.toUpperCase()),
  );
}

/** Members, and a query that is one of them, one edit from one, or anything. */
const membersAndQuery = (str: fc.Arbitrary<string>) => fc.array(str, { maxLength: 40 }).chain((members) => fc.tuple(
  fc.constant(members),
  members.length === 0 ? str : fc.oneof(fc.constantFrom(...members), fc.constantFrom(...members).chain(near), str),
));

function expectAgrees(members: string[], query: string): void {
  const [has, hasBytes, position, equal, hashEqual, dests, interested, interestedHas] =
    sdk.str('byteLookups', nulList(members), query).split('|');
  const unique = [...new Set(members)];
  expect(has).toBe(members.includes(query) ? '1' : '0');
  expect(hasBytes).toBe(has);
  expect(position).toBe(members.includes(query) ? String(members.lastIndexOf(query)) : '-');
  expect(equal).toBe(members.length > 0 && members[0] === query ? '1' : '0');
  if (equal === '1') expect(hashEqual).toBe('1');
  expect(dests).toBe(unique.join('\0'));
  expect(interested).toBe(unique.join('\0'));
  expect(interestedHas).toBe(has);
}

describe('byte comparisons agree with string comparisons', () => {
  it('in sets, maps, Routing and InterestedUsers, on arbitrary Unicode', () => {
    fc.assert(fc.property(membersAndQuery(text), ([members, query]) => expectAgrees(members, query)), { numRuns: 2000 });
  });

  it('with lone surrogates, which UTF-8 cannot carry, kept apart from U+FFFD', () => {
    fc.assert(fc.property(membersAndQuery(fc.oneof(text, withSurrogate)), ([members, query]) => expectAgrees(members, query)),
      { numRuns: 500 });
    expectAgrees(['@\uD800:x', '@\uFFFD:x'], '@\uDFFF:x');
    expectAgrees(['@\uD800:x'], '@\uFFFD:x');
  });

  it('when two different user IDs have the same hash', () => {
    const [a, b] = hashCollision();
    expect(sdk.call('hashOf', a)).toBe(sdk.call('hashOf', b)); // a real collision for the SDK's hash
    expectAgrees([a], b);
    expectAgrees([a, b], b);
    expectAgrees([b, a, b], a);
  });

  it('on the user IDs of a batch, looked up where they lie in the input', () => {
    const id = text.map((s) => `@${s}:xy`); // the shape the SDK checks: '@' and at least 4 bytes
    fc.assert(fc.property(membersAndQuery(id), fc.array(id, { maxLength: 5 }), ([members, query], others) => {
      projected.call('setMembers', nulList(members));
      // An edit may have dropped the sigil; the batch must still hold user IDs of the shape the SDK checks.
      const users = [query.startsWith('@') && Buffer.byteLength(query) >= 4 ? query : `@${query}:xy`, ...others];
      const seen = JSON.parse(projected.str('route', packr.pack(users.map((u) => [u, 0, null])), 'lookup'));
      expect(seen).toEqual(users.map((u) => [members.includes(u), members.includes(u) ? String(members.lastIndexOf(u)) : null]));
    }), { numRuns: 1000 });
  });
});

/** `members`, each preceded by NUL (which no user ID holds), as the harnesses take a list. */
function nulList(members: string[]): string {
  return members.map((m) => `\0${m}`).join('');
}

/** Two distinct user IDs whose UTF-8 bytes have the same guest-sdk/bytes.ts hashBytes. */
function hashCollision(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `@u${i}:x.org`;
    const h = hashBytes(Buffer.from(id));
    const other = seen.get(h);
    if (other !== undefined) return [other, id];
    seen.set(h, id);
  }
}

/** guest-sdk/bytes.ts hashBytes, in JavaScript. */
function hashBytes(b: Uint8Array): number {
  const mix = (k: number) => Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = (0x9747b28c ^ b.length) | 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) {
    h ^= mix(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  const rest = b.length & 3;
  if (rest > 0) {
    let tail = 0;
    if (rest === 3) tail = b[i + 2]! << 16;
    if (rest >= 2) tail |= b[i + 1]! << 8;
    h ^= mix(tail | b[i]!);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
