/**
 * host/worker/output-reader.ts on this thread: what a result hands to the main thread is exactly its
 * distinct entries, entries are counted as written before they are read, and a BOM is a character.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readInterest, readRouting, readUserIdList } from '../../../dist/host/worker/output-reader.js';
import { BATCH, failure, guestOf, packr, USER } from '../../helpers/guest.js';

const packMap = (entries: [string, unknown][]) => packr.pack(new Map(entries));
const CAPS = { maxDestinations: 100_000, maxInterestedUsers: 100_000, maxResultEntries: 1_000_000 };

describe('a result reaches the main thread as its distinct entries', () => {
  it('repeated_entries: 16 000 000 repeats of index 0 are one index; at the default cap, refused at the header', async () => {
    const guest = await guestOf('repeated_entries');
    guest.runInit(packr.pack({}));
    const output = guest.invoke(guest.usersForStates!, BATCH, 'users_for_states');
    expect(output.byteLength).toBe(16_000_021);
    const routing = readRouting(output, 1, { ...CAPS, maxResultEntries: 20_000_000 });
    expect(routing.destinations).toEqual(['@a:example.com']);
    expect([...routing.offsets]).toEqual([0, 1]);
    expect([...routing.indices]).toEqual([0]);
    const err = failure(() => readRouting(output, 1, CAPS));
    expect(err.code).toBe('output_too_large');
    expect(err.message).toBe('16000001 result entries (user IDs plus indices, repeats included) exceeds sandbox.max_result_entries (1000000)');
    const users = readInterest(guest.invoke(guest.interestedUsers!, USER, 'interested_users'), CAPS);
    expect(users).toEqual(['@a:example.com']);
  });

  it('repeated keys share one set; indices keep the order they first appear in', () => {
    // msgpackr cannot write a repeated key from a Map: the map is built by hand (fixmap of 3).
    const entry = (user: string, indices: number[]) => [...packr.pack(user), ...packr.pack(indices)];
    const handmade = new Uint8Array([0x83, ...entry('@a:x.org', [2, 0, 2]), ...entry('@b:x.org', [1, 1]), ...entry('@a:x.org', [0, 1, 2])]);
    const routing = readRouting(handmade, 3, CAPS);
    expect(routing.destinations).toEqual(['@a:x.org', '@b:x.org']);
    expect([...routing.offsets]).toEqual([0, 3, 4]);
    expect([...routing.indices]).toEqual([2, 0, 1, 1]);
  });

  it('a key repeated after another key that named the same index still holds it once (CI seed 20261122)', () => {
    const entry = (user: string, indices: number[]) => [...packr.pack(user), ...packr.pack(indices)];
    const handmade = new Uint8Array([0x83, ...entry('@c:y.org', [224]), ...entry('@a:x.org', [224]), ...entry('@c:y.org', [224, 5])]);
    const routing = readRouting(handmade, 300, CAPS);
    expect(routing.destinations).toEqual(['@c:y.org', '@a:x.org']);
    expect([...routing.offsets]).toEqual([0, 2, 3]);
    expect([...routing.indices]).toEqual([224, 5, 224]);
  });

  it('entries are counted as written: destinations plus indices, repeats included, on each header', () => {
    const bytes = packMap([
      ['@a:x.org', [0, 0, 0]],
      ['@b:x.org', [0]],
    ]);
    // 2 destinations + 4 indices = 6 entries.
    expect(readRouting(bytes, 1, { ...CAPS, maxResultEntries: 6 }).indices.length).toBe(2);
    expect(failure(() => readRouting(bytes, 1, { ...CAPS, maxResultEntries: 5 })).code).toBe('output_too_large');
    expect(failure(() => readInterest(packr.pack(['@a:x.org', '@a:x.org']), { ...CAPS, maxResultEntries: 1 })).code).toBe('output_too_large');
  });

  it('user IDs collapse in interested_users answers and send arguments', () => {
    expect(readInterest(packr.pack(['@b:x.org', '@a:x.org', '@b:x.org']), CAPS)).toEqual(['@b:x.org', '@a:x.org']);
    expect(readUserIdList(packr.pack(['@a:x.org', '@a:x.org']), 'send', 10)).toEqual(['@a:x.org']);
  });

  it('a BOM is a character: in front of ALL or of a user ID it is bad_output', () => {
    const bom = (s: string) => new Uint8Array([0xa0 | (s.length + 3), 0xef, 0xbb, 0xbf, ...new TextEncoder().encode(s)]);
    expect(failure(() => readInterest(bom('ALL'), CAPS)).code).toBe('bad_output');
    expect(failure(() => readInterest(new Uint8Array([0x91, ...bom('@a:x.org')]), CAPS)).message).toMatch(/"\uFEFF@a:x\.org" is not a Matrix user ID/);
    expect(failure(() => readRouting(new Uint8Array([0x81, ...bom('@a:x.org'), 0x90]), 1, CAPS)).code).toBe('bad_output');
  });
});

/** Every msgpack form of a non-negative integer a guest may write for an index. */
function intForms(n: number): number[][] {
  const be = (bytes: number, v: number) => Array.from({ length: bytes }, (_, i) => Math.floor(v / 2 ** (8 * (bytes - 1 - i))) % 256);
  const forms = [[0xcf, ...be(8, n)], [0xce, ...be(4, n)], [0xd3, ...be(8, n)]];
  if (n <= 0x7f) forms.push([n], [0xd0, n]);
  if (n <= 0xff) forms.push([0xcc, n]);
  if (n <= 0xffff) forms.push([0xcd, ...be(2, n)]);
  if (n <= 0x7fff) forms.push([0xd1, ...be(2, n)]);
  if (n <= 0x7fffffff) forms.push([0xd2, ...be(4, n)]);
  return forms;
}

describe('readRouting agrees with the plainest reading of a result', () => {
  it('any keys (repeated too), any index forms: per destination the union, in order of first appearance', () => {
    const entry = fc.tuple(fc.constantFrom('@a:x.org', '@b:x.org', '@c:y.org'), fc.array(fc.tuple(fc.nat(299), fc.nat(8)), { maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const bytes: number[] = [0xde, 0, entries.length];
        const expected = new Map<string, number[]>();
        for (const [user, indices] of entries) {
          bytes.push(...packr.pack(user));
          bytes.push(0xdc, indices.length >> 8, indices.length & 0xff);
          const list = expected.get(user) ?? [];
          expected.set(user, list);
          for (const [index, form] of indices) {
            const forms = intForms(index);
            bytes.push(...forms[form % forms.length]!);
            if (!list.includes(index)) list.push(index);
          }
        }
        const routing = readRouting(new Uint8Array(bytes), 300, CAPS);
        const got = new Map(routing.destinations.map((d, i) => [d, [...routing.indices.subarray(routing.offsets[i], routing.offsets[i + 1])]]));
        expect(got).toEqual(expected);
        expect(routing.offsets[routing.destinations.length]).toBe(routing.indices.length);
        // Arrays of their own: a view would cross the thread boundary with its whole buffer.
        expect(routing.indices.buffer.byteLength).toBe(routing.indices.byteLength);
      }),
    );
  });

  it('an index out of range, negative or truncated is bad_output naming the byte', () => {
    const head = [0x81, ...packr.pack('@a:x.org')];
    expect(failure(() => readRouting(new Uint8Array([...head, 0x91, 0xcd, 0x01, 0x2c]), 300, CAPS)).message).toBe(
      'users_for_states result: index 300 out of range (batch has 300 states) at byte 14',
    );
    expect(failure(() => readRouting(new Uint8Array([...head, 0x91, 0xff]), 300, CAPS)).message).toMatch(/negative integer -1 at byte 11$/);
    expect(failure(() => readRouting(new Uint8Array([...head, 0x92, 0x01, 0xcd, 0x01]), 300, CAPS)).message).toMatch(/truncated \(needs 2 more bytes\) at byte 13$/);
    expect(failure(() => readRouting(new Uint8Array([...head, 0x92, 0x01]), 300, CAPS)).message).toMatch(/truncated \(needs 1 more bytes\) at byte 12$/);
  });
});
