/**
 * The whole static admission of one binary, in the admission worker (check-worker.ts), never on the main
 * thread: read its declarations (bounding every count), check the ABI contract, write the memory and
 * table caps into the binary, meter its fuel (fuel-meter.ts, unless sandbox.fuel_metering is off), then
 * compile it with the engine while (or, metered, after) walking its code for refused features. No guest
 * code runs here: instantiation, and so the start function, happens in a pool worker.
 *
 * With `mapOffsets` (the module has a source map), the answer also says how to turn an offset in the
 * compiled module back into one in the binary as built (worker/trap-location.ts).
 */
import { performance } from 'node:perf_hooks';
import { RefusalReason } from '../errors.js';
import type { SandboxLimits } from '../config/schema.js';
import { WASM_PAGE_BYTES } from '../protocol/abi.js';
import { checkContract } from './contract.js';
import { readFields } from './fields.js';
import { meterFuel } from './fuel-meter.js';
import type { InsertedRunsBuilder, InsertedRuns } from './inserted-runs.js';
import { cappedMemorySection } from './memory-cap.js';
import { UnknownOpcode, scanCode } from './opcodes.js';
import { Refusal } from './refusal.js';
import { Malformed, SectionId, readSections, replacePayloads, type Section } from './sections.js';
import { readStructure, type ModuleStructure } from './structure.js';
import { cappedTableSection } from './table-cap.js';

export type StaticCheckAnswer =
  | { ok: true; module: WebAssembly.Module; fields: number; featureCheckMs: number; compileMs: number; fuelMeterMs?: number; offsets?: CodeOffsets }
  | { ok: false; reason: RefusalReason; message: string };

/** From an offset in the compiled module to one in the binary as built: `originalOffset(inserted, offset) + codeShift`. */
export interface CodeOffsets {
  /** How far the code section moved back when sections before it were rewritten (caps, metering's). */
  codeShift: number;
  /** Metered: the bytes fuel metering inserted into the code (inserted-runs.ts), in the compiled module's offsets. */
  inserted?: InsertedRuns;
}

export async function checkStatically(bytes: Uint8Array<ArrayBuffer>, limits: SandboxLimits, mapOffsets = false): Promise<StaticCheckAnswer> {
  try {
    return await check(bytes, limits, mapOffsets);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message };
    if (err instanceof Malformed) return notWasm(err.message);
    throw err;
  }
}

async function check(bytes: Uint8Array<ArrayBuffer>, limits: SandboxLimits, mapOffsets: boolean): Promise<StaticCheckAnswer> {
  const structure = readStructure(bytes, limits);
  checkContract(structure);
  const fields = readFields(structure);
  const replacements = new Map<Section, ArrayLike<number> | null>();
  const memory = cappedMemorySection(structure.memories, Math.floor(limits.max_memory_bytes / WASM_PAGE_BYTES));
  if (memory !== undefined) replacements.set(sectionOf(structure.sections, SectionId.MEMORY), memory);
  const tables = cappedTableSection(structure.tables, limits.max_table_elements);
  if (tables !== undefined) replacements.set(sectionOf(structure.sections, SectionId.TABLE), tables);
  if (limits.fuel_metering) return compileMetered(bytes, structure, replacements, fields, mapOffsets);

  // The engine compiles on its own threads while this one walks the code: the two overlap.
  const started = performance.now();
  const served = replacePayloads(bytes, replacements);
  const compiled = compile(served);
  let unknown: string | undefined;
  try {
    if (structure.code !== undefined) scanCode(bytes, structure.code.payloadStart, structure.code.end);
  } catch (err) {
    if (!(err instanceof UnknownOpcode || err instanceof Malformed)) throw err; // a refused feature
    unknown = err.message;
  }
  const featureCheckMs = performance.now() - started;
  const checked = answer(await compiled, unknown, featureCheckMs, fields);
  return checked.ok && mapOffsets ? { ...checked, offsets: { codeShift: codeShift(bytes, served) } } : checked;
}

/**
 * Metered (fuel-meter.ts): the walk that checks features also writes the metered code section, and the
 * engine compiles the metered binary after it. When the walk stops at something it does not know, the
 * module as written (capped) is compiled instead, to tell an invalid module from a refused feature.
 */
async function compileMetered(
  bytes: Uint8Array<ArrayBuffer>,
  structure: ModuleStructure,
  replacements: Map<Section, ArrayLike<number> | null>,
  fields: number,
  mapOffsets: boolean,
): Promise<StaticCheckAnswer> {
  const started = performance.now();
  let unknown: string | undefined;
  let inserted: InsertedRunsBuilder | undefined;
  try {
    const metered = meterFuel(bytes, structure, mapOffsets);
    for (const [section, body] of metered.sections) replacements.set(section, body);
    inserted = metered.inserted;
  } catch (err) {
    if (!(err instanceof UnknownOpcode || err instanceof Malformed)) throw err;
    unknown = err.message;
  }
  const fuelMeterMs = performance.now() - started;
  const served = replacePayloads(bytes, replacements);
  const checked = answer(await compile(served), unknown, fuelMeterMs, fields);
  if (!checked.ok) return checked;
  if (inserted === undefined) return { ...checked, fuelMeterMs };
  return { ...checked, fuelMeterMs, offsets: { codeShift: codeShift(bytes, served), inserted: inserted.build(codeStart(served)) } };
}

function compile(bytes: Uint8Array<ArrayBuffer>): Promise<{ module: WebAssembly.Module; compileMs: number } | { error: Error }> {
  const started = performance.now();
  return WebAssembly.compile(bytes).then(
    (module) => ({ module, compileMs: performance.now() - started }),
    (error: Error) => ({ error }),
  );
}

function answer(
  result: { module: WebAssembly.Module; compileMs: number } | { error: Error },
  unknown: string | undefined,
  featureCheckMs: number,
  fields: number,
): StaticCheckAnswer {
  if ('error' in result) return notWasm(`failed validation: ${result.error.message}`);
  if (unknown !== undefined) {
    return {
      ok: false,
      reason: RefusalReason.FEATURE_REFUSED,
      message: `uses an instruction this host does not know (${unknown}); see docs/abi.md, "Features"`,
    };
  }
  return { ok: true, module: result.module, fields, featureCheckMs, compileMs: result.compileMs };
}

/**
 * How far the code section moved back when the caps rewrote sections before it: what turns a byte
 * offset in the compiled module into one in the binary as built, which its source map describes.
 */
function codeShift(built: Uint8Array, served: Uint8Array): number {
  return served === built ? 0 : codeStart(built) - codeStart(served);
}

/** Where the code section's payload starts (0 without one: then no offset is in code anyway). */
function codeStart(bytes: Uint8Array): number {
  return readSections(bytes).find((s) => s.id === SectionId.CODE)?.payloadStart ?? 0;
}

function sectionOf(sections: Section[], id: number): Section {
  return sections.find((s) => s.id === id)!;
}

function notWasm(detail: string): StaticCheckAnswer {
  return {
    ok: false,
    reason: RefusalReason.NOT_WASM,
    message: detail.startsWith('not a WebAssembly') ? detail : `not a valid WebAssembly module (${detail})`,
  };
}
