/**
 * host/routing/batch.ts, the fused encoder: for any batch its bytes are msgpackr's for the same checked,
 * deduplicated tuples (test/reference/msgpackr-batch.ts, the encoder it replaced), projected batches are
 * msgpackr's bytes for the tuples cut to their fields, and every bad field is refused with today's error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchEncoder } from '../../../dist/host/routing/batch.js';
import { BatchBuffers } from '../../../dist/host/routing/batch-buffers.js';
import { MAX_USERS, UserTable } from '../../../dist/host/routing/user-table.js';
import { isUserId } from '../../../dist/host/userid.js';
import { msgpackrPack, referenceEncode } from '../../reference/msgpackr-batch.js';
import { SERVERS, userId as seedUserId } from '../../generators/presence.js';

const ALL = 0x7f;
const FIELDS = ['user_id', 'state', 'last_active_ts', 'last_federation_update_ts', 'last_user_sync_ts', 'status_msg', 'currently_active'] as const;

/** Any user ID the host accepts, unicode localparts (astral, combining, RTL) included. */
const unicodeUserId = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.constantFrom(...SERVERS))
  .map(([local, server]) => `@${local.replaceAll(':', '')}:${server}`)
  .filter((id) => isUserId(id));
const userId = fc.oneof(seedUserId, unicodeUserId);

/** Every msgpack integer form a timestamp can take: fixint, uint8/16/32, and float64 past 2^32. */
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0xffffffff }),
  fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, -0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53),
);

/** Short (hand-written UTF-8), long (Node's encoder) and wide-header (str8, str16) status messages. */
const statusMsg = fc.option(
  fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', minLength: 60, maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 30 })),
  { nil: null },
);

const presenceState = fc.record({
  user_id: userId,
  state: fc.constantFrom('online', 'unavailable', 'offline', 'org.matrix.msc3026.busy'),
  last_active_ts: timestamp,
  last_federation_update_ts: timestamp,
  last_user_sync_ts: timestamp,
  status_msg: statusMsg,
  currently_active: fc.boolean(),
});

/** Batches that repeat states (equal copies, and the same user with another value) so that dedup runs. */
const batch = fc.array(presenceState, { maxLength: 40 }).chain((states) =>
  states.length === 0
    ? fc.constant(states)
    : fc
        .array(fc.tuple(fc.nat(states.length - 1), fc.boolean(), fc.nat(states.length)), { maxLength: 8 })
        .map((repeats) => {
          const out: Record<string, unknown>[] = states.map((s) => ({ ...s }));
          for (const [from, change, at] of repeats) {
            const copy = { ...states[from]!, ...(change ? { currently_active: !states[from]!.currently_active } : {}) };
            out.splice(at, 0, copy);
          }
          return out;
        }),
);

const mask = fc.integer({ min: 0, max: ALL }).map((m) => m | 1);

function project(tuple: readonly unknown[], m: number): unknown[] {
  return tuple.filter((_, f) => (m & (1 << f)) !== 0);
}

function verdict(run: () => unknown): unknown {
  try {
    run();
    return 'accepted';
  } catch (err) {
    const e = err as { code: string; path: string; message: string };
    return { code: e.code, path: e.path, message: e.message };
  }
}

describe('the fused batch encoder', () => {
  it("writes msgpackr's bytes for any batch, and for each projection of it", () => {
    const encoder = new BatchEncoder();
    const buffers = new BatchBuffers();
    fc.assert(
      fc.property(batch, fc.uniqueArray(mask, { maxLength: 3 }), (states, masks) => {
        const reference = referenceEncode(states, 1000);
        const asked = [ALL, ...masks.filter((m) => m !== ALL)];
        const encoded = encoder.encode(states, 1000, buffers, asked);
        expect(encoded.distinct).toEqual(reference.distinct);
        expect(encoded.distinct.every((s, i) => s === reference.distinct[i])).toBe(true);
        expect(Buffer.from(encoded.batches[0]!).toString('hex')).toBe(Buffer.from(reference.bytes).toString('hex'));
        asked.forEach((m, k) => {
          const expected = msgpackrPack(reference.tuples.map((t) => project(t, m)));
          expect(Buffer.from(encoded.batches[k]!).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
        });
        for (const bytes of encoded.batches) buffers.release(bytes);
      }),
    );
  });

  it('encodes projections alone (no full batch asked) as msgpackr does', () => {
    const encoder = new BatchEncoder();
    const buffers = new BatchBuffers();
    fc.assert(
      fc.property(batch, fc.uniqueArray(mask, { minLength: 1, maxLength: 3 }), (states, masks) => {
        const reference = referenceEncode(states, 1000);
        const encoded = encoder.encode(states, 1000, buffers, masks);
        masks.forEach((m, k) => {
          const expected = msgpackrPack(reference.tuples.map((t) => project(t, m)));
          expect(Buffer.from(encoded.batches[k]!).equals(Buffer.from(expected))).toBe(true);
        });
      }),
    );
  });

  it("refuses every kind of bad field with today's error, whatever fields are written", () => {
    const odd = fc.oneof(
      fc.constantFrom<unknown>(-1, 1.5, 2 ** 53 + 2, NaN, Infinity, '', 'x', 'away', 'online', '@a:b.c', '@:b.c', '@a', null, undefined, true, 0, [], {}, 10n),
      fc.constantFrom<unknown>('\ud800', 'ok\udc00', 'a'.repeat(70) + '\ud83d', '@\ud800:x.org', '@a\0:x.org', '@' + 'a'.repeat(300) + ':x.org'),
    );
    // Near misses of each name's own length too: the encoder tells names apart by length first.
    const key = fc.oneof(fc.constantFrom(...FIELDS), fc.constantFrom('state_key', 'extra', '__proto__x', ...FIELDS.map((f) => `${f.slice(0, -1)}x`)));
    const damaged = fc
      .tuple(fc.array(presenceState, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), key, odd, fc.boolean()), { maxLength: 3 }), fc.option(fc.nat(), { nil: undefined }))
      .map(([states, damage, notObject]) => {
        const copy: unknown[] = states.map((s) => ({ ...s }));
        for (const [i, field, value, remove] of damage) {
          const target = copy[i % copy.length] as Record<string, unknown>;
          if (remove) delete target[field];
          else target[field] = value;
        }
        if (notObject !== undefined) copy[notObject % copy.length] = [null, 'online', 3, [1]][notObject % 4];
        return copy;
      });
    const encoder = new BatchEncoder();
    const buffers = new BatchBuffers();
    fc.assert(
      fc.property(damaged, mask, (states, m) => {
        const expected = verdict(() => referenceEncode(states, 1000));
        expect(verdict(() => encoder.encode(states, 1000, buffers, [m]))).toEqual(expected);
        expect(verdict(() => encoder.encode(states, 1000, buffers, [ALL]))).toEqual(expected);
      }),
    );
  });

  it('refuses what is not a batch, and a batch over the cap, as before', () => {
    const encoder = new BatchEncoder();
    const buffers = new BatchBuffers();
    for (const states of [null, {}, 'x', 3]) {
      expect(verdict(() => encoder.encode(states, 10, buffers, [ALL]))).toEqual(verdict(() => referenceEncode(states, 10)));
    }
    const many = Array.from({ length: 11 }, () => ({ user_id: '@a:b.c' }));
    expect(verdict(() => encoder.encode(many, 10, buffers, [ALL]))).toEqual(verdict(() => referenceEncode(many, 10)));
  });

  it('uses array 16/32 and str 16/32 headers past their short forms, as msgpackr does', () => {
    const states = Array.from({ length: 70_000 }, (_, i) => ({
      user_id: `@u${i}:example.com`,
      state: 'online',
      last_active_ts: i,
      last_federation_update_ts: 2 ** 40 + i,
      last_user_sync_ts: 0,
      status_msg: i === 5 ? 'é'.repeat(40_000) : i === 6 ? 'x'.repeat(300) : null,
      currently_active: i % 2 === 0,
    }));
    const encoded = new BatchEncoder().encode(states, 100_000, new BatchBuffers(), [ALL, 0x01]);
    expect(encoded.batches[0]![0]).toBe(0xdd);
    expect(Buffer.from(encoded.batches[0]!).equals(Buffer.from(referenceEncode(states, 100_000).bytes))).toBe(true);
    expect(Buffer.from(encoded.batches[1]!).equals(Buffer.from(msgpackrPack(states.map((s) => [s.user_id]))))).toBe(true);
  });

  it('keeps its user table across calls: batches that repeat users within and across them encode as msgpackr does', () => {
    // Few users per run, so that most states meet a user the table already holds, from this batch or an
    // earlier one; the encoder lives across runs too.
    const calls = fc.uniqueArray(userId, { minLength: 1, maxLength: 8 }).chain((users) =>
      fc.array(fc.array(fc.tuple(presenceState, fc.nat(users.length - 1), fc.nat(3)), { maxLength: 30 }), { minLength: 1, maxLength: 8 }).map((batches) =>
        batches.map((states) => states.flatMap(([s, u, copies]) => Array.from({ length: copies % 3 === 0 ? 2 : 1 }, () => ({ ...s, user_id: users[u]! })))),
      ),
    );
    const warm = new BatchEncoder();
    const buffers = new BatchBuffers();
    fc.assert(
      fc.property(calls, mask, (batches, m) => {
        for (const states of batches) {
          const reference = referenceEncode(states, 1000);
          const encoded = warm.encode(states, 1000, buffers, [ALL, m]);
          expect(encoded.distinct.length).toBe(reference.distinct.length);
          expect(encoded.distinct.every((s, i) => s === reference.distinct[i])).toBe(true);
          expect(Buffer.from(encoded.batches[0]!).equals(Buffer.from(reference.bytes))).toBe(true);
          const projected = msgpackrPack(reference.tuples.map((t) => project(t, m)));
          expect(Buffer.from(encoded.batches[1]!).equals(Buffer.from(projected))).toBe(true);
          for (const bytes of encoded.batches) buffers.release(bytes);
        }
      }),
    );
  });

  it('never enters a refused user ID or status message in its tables, and refuses it again the next time', () => {
    const badUserId = fc.constantFrom<unknown>('@:x.org', '@a:', '@a\0:x.org', '@a\ud800:x.org', '@a:b..c', 'a:b.c', '@' + 'a'.repeat(300) + ':x.org', 7, null, { id: '@a:b.c' });
    const badStatus = fc.constantFrom<unknown>('\ud800', 'ok\udc00', 'é\ud83d', 7, false, ['x']);
    const damage = fc.tuple(fc.nat(), fc.oneof(fc.tuple(fc.constant('user_id'), badUserId), fc.tuple(fc.constant('status_msg'), badStatus)));
    const damaged = fc.tuple(fc.array(presenceState, { minLength: 1, maxLength: 6 }), fc.array(damage, { maxLength: 2 }));
    const users = new UserTable();
    const statuses = new UserTable();
    const encoder = new BatchEncoder(users, statuses);
    const buffers = new BatchBuffers();
    fc.assert(
      fc.property(damaged, mask, ([states, damages], m) => {
        const copy: Record<string, unknown>[] = states.map((s) => ({ ...s }));
        for (const [i, [field, bad]] of damages) copy[i % copy.length]![field] = bad;
        // Twice: the second call meets tables that have seen the first.
        for (let round = 0; round < 2; round++) {
          expect(verdict(() => encoder.encode(copy, 1000, buffers, [m, ALL]))).toEqual(verdict(() => referenceEncode(copy, 1000)));
          for (const s of copy) {
            if (!isUserId(s.user_id)) expect(users.find(s.user_id)).toBe(-1);
            if (typeof s.status_msg !== 'string' || !s.status_msg.isWellFormed()) expect(statuses.find(s.status_msg)).toBe(-1);
          }
        }
      }),
    );
  });

  it('stays bounded: past MAX_USERS users it forgets them all, and still encodes every batch as msgpackr does', () => {
    const users = new UserTable();
    const encoder = new BatchEncoder(users);
    const buffers = new BatchBuffers();
    const perCall = 10_000;
    const calls = Math.ceil(MAX_USERS / perCall) + 2;
    const sizes: number[] = [];
    for (let c = 0; c < calls; c++) {
      // Fresh users each call, and a few from the first call, which the table holds until it is emptied.
      const states = Array.from({ length: perCall }, (_, i) => ({
        user_id: i < 50 ? `@old${i}:example.com` : `@u${c}.${i}:example.org`,
        state: 'online',
        last_active_ts: c * perCall + i,
        last_federation_update_ts: 0,
        last_user_sync_ts: 2 ** 40,
        status_msg: i % 7 === 0 ? 'out' : null,
        currently_active: true,
      }));
      const encoded = encoder.encode(states, perCall, buffers, [ALL]);
      expect(Buffer.from(encoded.batches[0]!).equals(Buffer.from(referenceEncode(states, perCall).bytes))).toBe(true);
      buffers.release(encoded.batches[0]!);
      sizes.push(users.size);
    }
    // Never more than the bound and one call's users; emptied once past the bound.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_USERS + perCall);
    expect(sizes.some((n, c) => c > 0 && n < sizes[c - 1]!)).toBe(true);
    expect(sizes.at(-1)).toBeLessThanOrEqual(MAX_USERS + perCall);
  });
});
