/**
 * The table cap, enforced in the binary as memory's is (memory-cap.ts): Wasm tables are not linear
 * memory, and a table with no maximum can be grown by `table.grow` in a loop until V8 aborts the whole
 * process (part of each element lives outside the worker's JS heap, where no resource limit reaches).
 * Every table gets at most `max_table_elements` as its maximum, so `table.grow` past it returns -1 in the
 * guest; a table whose initial size is already over it is refused. The count of tables is bounded when
 * the section is read (structure.ts, `max_tables`).
 */
import { RefusalReason } from '../errors.js';
import { Refusal } from './refusal.js';
import { writeU32 } from './sections.js';
import type { Table } from './structure.js';

const LIMITS_MIN_MAX = 0x01;

/** The table section's new payload, or undefined when every table's own maximum is within the cap. */
export function cappedTableSection(tables: Table[], maxElements: number): number[] | undefined {
  let changed = false;
  const out = writeU32(tables.length);
  tables.forEach(({ elemType, limits }, i) => {
    if (limits.min > maxElements) {
      throw new Refusal(
        RefusalReason.RESOURCE_LIMIT,
        `table ${i} starts with ${limits.min} elements, over the limit of ${maxElements} (sandbox.max_table_elements)`,
      );
    }
    const max = limits.max === undefined || limits.max > maxElements ? maxElements : limits.max;
    if (max !== limits.max) changed = true;
    out.push(elemType, LIMITS_MIN_MAX, ...writeU32(limits.min), ...writeU32(max));
  });
  return changed ? out : undefined;
}
