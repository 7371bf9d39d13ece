/**
 * Where fuel metering (fuel-meter.ts) inserted bytes into the code, so that a byte offset in the metered
 * binary (what V8 reports for a trap's Wasm frame) can be turned back into the offset in the binary as
 * built (what the author's source map describes; worker/trap-location.ts). Metering only ever inserts
 * whole runs of bytes (a charge before a region, a longer function size), never changes or drops one of
 * the module's own, so the table is just where each run starts and how long it is.
 *
 * The table is built at admission only for a module that comes with a source map, and read only when a
 * call traps: a metered release build pays nothing for it.
 */

/**
 * Pairs, by ascending start: [where a run starts in the metered code, bytes inserted up to that run's
 * end]. Offsets are relative to the code section's payload until `InsertedRunsBuilder.build` moves them.
 */
export type InsertedRuns = Uint32Array;

export class InsertedRunsBuilder {
  private readonly pairs: number[] = [];
  private total = 0;

  /** `length` bytes inserted at `at` in the metered code (runs are added in the order of `at`). */
  add(at: number, length: number): void {
    if (length === 0) return;
    this.total += length;
    this.pairs.push(at, this.total);
  }

  /** The table, with every start moved by `base` (where the metered code section's payload begins). */
  build(base: number): InsertedRuns {
    const runs = Uint32Array.from(this.pairs);
    for (let i = 0; i < runs.length; i += 2) runs[i] = runs[i]! + base;
    return runs;
  }
}

/**
 * The offset `offset` (in the metered binary) had before metering inserted its runs: the same byte of the
 * module's own code. An offset inside an inserted run (a charge) maps to the instruction the run was
 * inserted before, whose region the charge belongs to.
 */
export function originalOffset(runs: InsertedRuns, offset: number): number {
  // The last run starting at or before `offset`.
  let lo = 0;
  let hi = runs.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[2 * mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  const run = lo - 1;
  if (run < 0) return offset;
  const start = runs[2 * run]!;
  const through = runs[2 * run + 1]!;
  const before = run === 0 ? 0 : runs[2 * run - 1]!;
  return offset < start + (through - before) ? start - before : offset - through;
}
