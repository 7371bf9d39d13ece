/**
 * The memory cap, enforced in the binary itself: the module's memory maximum is set to the cap (when it
 * declares none or a larger one) before compiling, so `memory.grow` past the cap fails inside the guest,
 * whatever toolchain built it. Checking after a call would be too late: a module can touch gigabytes
 * within one call. A memory whose declared initial size is over the cap is refused: it cannot be capped.
 *
 * Why not binaryen: a large dependency that re-emits the whole module, slowly (bench/README.md, Changelog),
 * and its JS API cannot change a memory's maximum without rebuilding every data segment. The change
 * needed is the limits of one memory type; everything else stays byte for byte as built.
 */
import { RefusalReason } from '../errors.js';
import { Refusal } from './refusal.js';
import { writeU32 } from './sections.js';
import type { Limits } from './structure.js';

const LIMITS_MIN_MAX = 0x01;

/** The memory section's new payload, or undefined when the module's own maximum is within the cap. */
export function cappedMemorySection(memories: Limits[], maxPages: number): number[] | undefined {
  const memory = memories[0];
  if (memory === undefined) return undefined; // no memory: the contract check refuses the missing export
  if (memory.min > maxPages) {
    throw new Refusal(
      RefusalReason.MEMORY_REFUSED,
      `starts with ${memory.min} pages of memory, over the cap of ${maxPages} (sandbox.max_memory_bytes)`,
    );
  }
  if (memory.max !== undefined && memory.max <= maxPages) return undefined;
  return [1, LIMITS_MIN_MAX, ...writeU32(memory.min), ...writeU32(maxPages)];
}
