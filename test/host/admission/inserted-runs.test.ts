/**
 * host/admission/inserted-runs.ts: fuel metering's table of the bytes it inserted into the code, which
 * turns an offset in the metered binary back into the binary's own (for a source map). First the lookup
 * on a table of several runs; then on real Wasm: a trap's offset in the metered module, mapped back,
 * names the same instruction as the same trap unmetered.
 */
import { describe, expect, it } from 'vitest';
import { InsertedRunsBuilder, originalOffset } from '../../../dist/host/admission/inserted-runs.js';
import { checkStatically, type CodeOffsets } from '../../../dist/host/admission/static-check.js';
import { writeU32 } from '../../../dist/host/admission/sections.js';
import { DEFAULT_LIMITS } from '../../../dist/host/config/schema.js';
import { FUEL_EXPORT } from '../../../dist/host/protocol/abi.js';
import { wasmOffsets } from '../../../dist/host/worker/trap-location.js';
import { compileWat } from '../../helpers/wat.js';

describe('originalOffset', () => {
  // Three runs in one function's metered code: 3 bytes at 10, 5 at 20, 2 at 40 (metered offsets,
  // relative to the code), moved to a code section starting at 100. A run of nothing is no run.
  const builder = new InsertedRunsBuilder();
  builder.add(10, 3);
  builder.add(15, 0);
  builder.add(20, 5);
  builder.add(40, 2);
  const runs = builder.build(100);

  it('keeps the starts moved by the base, with the bytes inserted up to each run', () => {
    expect([...runs]).toEqual([110, 3, 120, 8, 140, 10]);
  });

  it('before the first run: unchanged', () => {
    for (const offset of [0, 50, 100, 109]) expect(originalOffset(runs, offset)).toBe(offset);
  });

  it('inside a run: the instruction it was inserted before', () => {
    for (const offset of [110, 111, 112]) expect(originalOffset(runs, offset)).toBe(110);
    for (const offset of [120, 122, 124]) expect(originalOffset(runs, offset)).toBe(117);
    for (const offset of [140, 141]) expect(originalOffset(runs, offset)).toBe(132);
  });

  it('after each run: moved back by every byte inserted so far', () => {
    expect(originalOffset(runs, 113)).toBe(110);
    expect(originalOffset(runs, 119)).toBe(116);
    expect(originalOffset(runs, 125)).toBe(117);
    expect(originalOffset(runs, 139)).toBe(131);
    expect(originalOffset(runs, 142)).toBe(132);
    expect(originalOffset(runs, 10_000)).toBe(9_990);
  });

  it('an empty table changes nothing', () => {
    expect(originalOffset(new InsertedRunsBuilder().build(100), 123)).toBe(123);
  });
});

describe('a trap in metered code maps back to the instruction it is unmetered', () => {
  type Admitted = { module: WebAssembly.Module; offsets: CodeOffsets };

  async function admitted(fuel_metering: boolean): Promise<Admitted> {
    const answer = await checkStatically(await compileWat('metered_trap_sites'), { ...DEFAULT_LIMITS, fuel_metering }, true);
    if (!answer.ok || answer.offsets === undefined) throw new Error(`not admitted with offsets: ${JSON.stringify(answer)}`);
    return { module: answer.module, offsets: answer.offsets };
  }

  /** Each Wasm frame's offset as V8 reports it, and as the binary as built has it. */
  async function trapFrames({ module, offsets }: Admitted, exported: string, which: number) {
    const instance = await WebAssembly.instantiate(module);
    const fuel = instance.exports[FUEL_EXPORT] as WebAssembly.Global | undefined;
    if (fuel !== undefined) fuel.value = 1n << 40n;
    let trap: unknown;
    try {
      (instance.exports[exported] as (which: number) => number)(which);
    } catch (err) {
      trap = err;
    }
    expect(trap).toBeInstanceOf(WebAssembly.RuntimeError);
    const raw = wasmOffsets(trap as Error);
    const { inserted, codeShift } = offsets;
    return { raw, built: raw.map((o) => (inserted === undefined ? o : originalOffset(inserted, o)) + codeShift) };
  }

  it('metering inserts runs, moved to where the metered code starts', async () => {
    const { offsets } = await admitted(true);
    expect(offsets.inserted!.length).toBeGreaterThanOrEqual(2 * 5); // an entry, three loops, a size
    expect((await admitted(false)).offsets.inserted).toBeUndefined();
  });

  const sites = [
    { which: 1, what: 'unreachable in the first loop', opcode: 0x00 },
    { which: 2, what: 'a division by zero in the second loop', opcode: 0x6e },
    { which: 3, what: 'an out-of-bounds load in the nested loop', opcode: 0x28 },
  ];
  for (const { which, what, opcode } of sites) {
    it(`${what}, directly and under a call: each frame at the same instruction of the binary as built`, async () => {
      const built = await compileWat('metered_trap_sites');
      const [metered, unmetered] = [await admitted(true), await admitted(false)];
      for (const exported of ['trap_site', 'through_call']) {
        const m = await trapFrames(metered, exported, which);
        const u = await trapFrames(unmetered, exported, which);
        expect(m.raw).toHaveLength(exported === 'trap_site' ? 1 : 2);
        expect(m.built).toEqual(u.built);
        // The offsets did move: the mapping did the work.
        expect(m.raw[0]).not.toBe(u.raw[0]);
        expect(built[m.built[0]!]).toBe(opcode);
        if (exported === 'through_call') expect(built[m.built[1]!]).toBe(0x10); // the call
      }
    });
  }
});

describe('writeU32 with a length to keep (metering rewrites a padded function size as long)', () => {
  it('pads with continuation bytes, never cuts a longer value', () => {
    expect(writeU32(5, 2)).toEqual([0x85, 0x00]);
    expect(writeU32(5, 5)).toEqual([0x85, 0x80, 0x80, 0x80, 0x00]);
    expect(writeU32(300, 1)).toEqual([0xac, 0x02]);
    expect(writeU32(300, 3)).toEqual([0xac, 0x82, 0x00]);
  });
});
