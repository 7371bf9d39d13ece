/**
 * host/wire/read-batch.ts, the binary wire's checker: it refuses exactly what the JSON path refuses, at the
 * same path and in the same words; it accepts every legal encoding of a valid batch; and it finds the
 * equal states the JSON path finds, however each is spelled, handing the guest the distinct ones.
 */
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../dist/host/routing/batch.js';
import { BatchBuffers } from '../../dist/host/routing/batch-buffers.js';
import { readBatch } from '../../dist/host/wire/read-batch.js';
import type { UserPresenceState } from '../helpers/host.js';
import { encode, toTuple, type Choose } from '../helpers/wire.js';
import { batch, presenceState } from '../generators/presence.js';
import { key } from '../reference/synapse-seeds.js';

/** msgpackr as an independent reader of what the guest gets; 64-bit integers as numbers, as the ABI reads them. */
const guestReader = new Unpackr({ useRecords: false, int64AsType: 'number' });
const unpack = (bytes: Uint8Array) => guestReader.unpack(bytes);

const chooser = (picks: number[]): Choose => {
  let k = 0;
  return (n) => picks[k++ % picks.length]! % n;
};
const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 30 });

const FIELDS = ['user_id', 'state', 'last_active_ts', 'last_federation_update_ts', 'last_user_sync_ts', 'status_msg', 'currently_active'] as const;
/** Values both wires can carry, valid for some fields and not others. */
const odd = fc.constantFrom<unknown>(-1, 1.5, 2 ** 53, 2 ** 53 + 2, 0, 7, '', 'x', 'away', 'online', 'bob', '@a:b.c', '@:b.c', null, true, false, 'é'.repeat(300));

/** The JSON path's verdict on objects: undefined, or the error's path and message. */
function jsonVerdict(states: unknown[]): { path: string; message: string } | undefined {
  try {
    const buffers = new BatchBuffers();
    encodeBatch(states, new Packr({ useRecords: false }), 1000, buffers);
    return undefined;
  } catch (err) {
    const e = err as { path: string; message: string };
    return { path: e.path, message: e.message };
  }
}

function wireVerdict(bytes: Uint8Array): { path: string; message: string } | undefined {
  try {
    readBatch(bytes, 1000);
    return undefined;
  } catch (err) {
    const e = err as { path: string; message: string; code: string };
    expect(e.code).toBe('invalid_input');
    return { path: e.path, message: e.message };
  }
}

describe('the same verdict as the JSON path', () => {
  it('on batches where any field of any state may hold an odd value', () => {
    const damaged = fc
      .tuple(fc.array(presenceState, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...FIELDS), odd), { maxLength: 3 }))
      .map(([states, damage]) => {
        const copy = states.map((s) => ({ ...s })) as Record<string, unknown>[];
        for (const [i, field, value] of damage) copy[i % copy.length]![field] = value;
        return copy;
      });
    fc.assert(
      fc.property(damaged, picks, (states, p) => {
        const tuples = states.map((s) => toTuple(s as unknown as UserPresenceState));
        expect(wireVerdict(encode(tuples as never, chooser(p)))).toEqual(jsonVerdict(states));
      }),
    );
  });
});

describe('accepting every encoding, deduplicating by value', () => {
  it('finds the JSON path\'s distinct states, first occurrences, and gives the guest exactly those', () => {
    fc.assert(
      fc.property(batch, picks, (states, p) => {
        const bytes = encode(states.map(toTuple), chooser(p));
        const checked = readBatch(bytes, 1000);
        const first = new Map<string, number>();
        states.forEach((s, i) => first.has(key(s)) || first.set(key(s), i));
        const expected = [...first.values()];
        expect(checked.count).toBe(expected.length);
        expect(checked.firstIndex === null ? states.map((_, i) => i) : [...checked.firstIndex]).toEqual(expected);
        if (checked.firstIndex === null) expect(checked.guestInput).toBe(bytes);
        const guest = unpack(checked.guestInput) as unknown[][];
        expect(guest.map((t) => JSON.stringify(t))).toEqual(expected.map((i) => JSON.stringify(toTuple(states[i]!))));
      }),
    );
  });

  it('holds equal the same state spelled in different encodings', () => {
    const s = ['@a:example.com', 'online', 2 ** 40, 0, 2 ** 53, 'hé', true] as const;
    const small = encode([...s]);
    const wide = encode([...s], (n) => n - 1); // the last legal form of every value: 32-bit headers, float64
    const body = Uint8Array.from([0x92, ...small.subarray(0), ...wide.subarray(0)]);
    expect(wide.length).toBeGreaterThan(small.length);
    const checked = readBatch(body, 10);
    expect(checked.count).toBe(1);
    expect([...checked.firstIndex!]).toEqual([0]);
    expect(unpack(checked.guestInput)).toEqual([[...s]]);
  });

  it('accepts 0 and 2^53 and -0 as timestamps, every integer encoding of them', () => {
    for (const t of [0, -0, 2 ** 53, 2 ** 32, 127, 128]) {
      for (let form = 0; form < 8; form++) {
        const bytes = encode([['@a:example.com', 'offline', t, t, t, null, false]], (n) => Math.min(form, n - 1));
        expect(readBatch(bytes, 10).count).toBe(1);
      }
    }
  });
});

describe('large batches', () => {
  it('a batch of 70 000 states with repeats: array32 headers in and out', () => {
    const states = Array.from({ length: 70_000 }, (_, i) => [`@u${i % 69_990}:example.com`, 'online', i % 69_990, 0, 0, null, true]);
    const bytes = encode(states as never);
    expect(bytes[0]).toBe(0xdd);
    const checked = readBatch(bytes, 100_000);
    expect(checked.count).toBe(69_990);
    expect(checked.guestInput[0]).toBe(0xdd);
    expect((unpack(checked.guestInput) as unknown[]).length).toBe(69_990);
    expect(() => readBatch(bytes, 69_999)).toThrow('states: 70000 states exceeds sandbox.max_batch_states (69999)');
  });
});
