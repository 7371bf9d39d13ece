/**
 * host/wire/project.ts: a checked batch cut down to a module's fields (docs/abi.md "Field projection"),
 * for every legal encoding of every value the binary wire accepts, keeping each field's bytes as they came.
 */
import fc from 'fast-check';
import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { projectBatch } from '../../dist/host/wire/project.js';
import { readBatch } from '../../dist/host/wire/read-batch.js';
import { encode, toTuple, type Choose } from '../helpers/wire.js';
import { batch } from '../generators/presence.js';

const reader = new Unpackr({ useRecords: false, int64AsType: 'number' });
const chooser = (picks: number[]): Choose => {
  let k = 0;
  return (n) => picks[k++ % picks.length]! % n;
};

describe('projectBatch', () => {
  it('keeps exactly the declared fields of each state, in index order, whatever their encoding', () => {
    fc.assert(
      fc.property(batch, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 0x7f }), (states, picks, m) => {
        const mask = m | 1;
        const tuples = states.map(toTuple);
        const bytes = encode(tuples, chooser(picks));
        const checked = readBatch(bytes, 1000);
        const out = new Uint8Array(checked.guestInput.byteLength);
        const length = projectBatch(checked.guestInput, 0x7f, mask, out);
        const expected = (reader.unpack(checked.guestInput) as unknown[][]).map((t) => t.filter((_, f) => (mask & (1 << f)) !== 0));
        expect(reader.unpack(out.subarray(0, length))).toEqual(expected);
        // Each state's header is written anew (a fixarray); the fields' bytes are the request's own.
        expect(length).toBeLessThanOrEqual(checked.guestInput.byteLength);
      }),
    );
  });
});
