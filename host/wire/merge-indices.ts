/**
 * Synapse's merge rules (routing/merge.ts) for the binary wire, whose answers are request indices
 * rather than the caller's objects: per destination the union of every module's list, kept ascending
 * and without repeats; a destination a module names with no states is kept with an empty list.
 */
import type { RoutingResult } from '../protocol/envelopes.js';

/** Destination user ID → indices into the caller's batch, ascending, without repeats. */
export type BatchRouting = Map<string, number[]>;

export class IndexRouting {
  /** Destination → its indices: what the wire's answer is written from (wire/encode-routing.ts). */
  readonly lists = new Map<string, Uint32Array>();

  /** A worker's answer: each destination's indices already ascending and without repeats. */
  add({ destinations, offsets, indices }: RoutingResult): void {
    for (let d = 0; d < destinations.length; d++) {
      const list = indices.subarray(offsets[d]!, offsets[d + 1]!);
      const earlier = this.lists.get(destinations[d]!);
      this.lists.set(destinations[d]!, earlier === undefined ? list : union(earlier, list));
    }
  }

  /** As plain arrays, for the library's callers. */
  toMap(): BatchRouting {
    const out: BatchRouting = new Map();
    for (const [destination, list] of this.lists) {
      // A loop, not Array.from, which is several times slower on a typed array.
      const array = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) array[i] = list[i]!;
      out.set(destination, array);
    }
    return out;
  }
}

/** Merge of two ascending lists without repeats. */
function union(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) i++;
    if (y <= x) j++;
    out[k++] = x <= y ? x : y;
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out.subarray(0, k);
}
