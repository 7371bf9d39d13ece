/**
 * Field projection (ABI 1.1, docs/abi.md "Field projection"): which fields of each state a module reads,
 * from its optional `presence_fields` export. Read from the binary's declarations at admission, never by
 * running the module, so that what a module is sent is settled before any of its code runs. A module
 * without the export reads every field (ABI 1.0); a malformed one is refused with abi_type.
 */
import { RefusalReason } from '../errors.js';
import { ALL_FIELDS, Export, USER_ID_FIELD } from '../protocol/abi.js';
import { exportedMarker } from './contract.js';
import { Refusal } from './refusal.js';
import type { ModuleStructure } from './structure.js';

const HOW = `declare it as (global (export "${Export.FIELDS}") i32 (i32.const <mask>)), bit i for field i of the state tuple, bit 0 (user_id) always set (docs/abi.md, "Field projection")`;

/** The module's field mask: bit i set when it reads field i of the state tuple. */
export function readFields(structure: ModuleStructure): number {
  const global = exportedMarker(structure, Export.FIELDS);
  if (global === undefined) return ALL_FIELDS;
  const mask = global.i32Const;
  if (mask === undefined) {
    throw new Refusal(RefusalReason.ABI_TYPE, `${Export.FIELDS} is not initialised by a single i32.const, so the host cannot read it without running the module; ${HOW}`);
  }
  const shown = `0x${(mask >>> 0).toString(16)}`;
  if ((mask & ~ALL_FIELDS) !== 0) {
    throw new Refusal(RefusalReason.ABI_TYPE, `${Export.FIELDS} is ${shown}, which sets bits past the 7 fields (0 to 6); ${HOW}`);
  }
  if ((mask & USER_ID_FIELD) === 0) {
    throw new Refusal(RefusalReason.ABI_TYPE, `${Export.FIELDS} is ${shown}, without bit 0: every module is sent user IDs; ${HOW}`);
  }
  return mask;
}
