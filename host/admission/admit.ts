/**
 * Admission of one module, before it serves: resolve → read (size-capped) → bound its declarations,
 * check the ABI contract and features, cap memory and tables, and compile once (in an admission worker,
 * off the main thread; no guest code runs) → start its pool → instantiate and init inside a worker under
 * the load deadline. Any refusal names the module as written in the config and the reason.
 */
import { Packr } from 'msgpackr';
import { RefusalReason, SandboxError, moduleRefused } from '../errors.js';
import type { ModuleSpec } from '../config/schema.js';
import type { GuestLog, LoadResult, Outcome } from '../protocol/envelopes.js';
import { ModulePool } from '../pool/module-pool.js';
import { compileAndInspect } from './inspect.js';
import { checkPin } from './pin.js';
import { WASM_PAGE_BYTES } from '../protocol/abi.js';
import { readModuleFile } from './read.js';
import { resolveModuleFile } from './resolve.js';
import { readSourceMapFile } from './source-map-file.js';

export interface AdmittedModule {
  spec: ModuleSpec;
  pool: ModulePool;
  /** The fields of each state it reads (docs/abi.md "Field projection"): bit i for field i. */
  fields: number;
  /** False for a module with neither callback: served, but never called. */
  hasCallbacks: boolean;
  /** What init logged and announced during admission. */
  logs: GuestLog[];
  sends: string[][];
  /** Fuel the start function and init used (null: metering off). */
  initFuelUsed: number | null;
  /** The admission load, for init's per-call report: its outcome (with the worker's measure) and duration. */
  init: { outcome: Outcome<unknown>; durationMs: number };
}

const configPackr = new Packr({ useRecords: false });

/** @param reports the host builds per-call reports (HostOptions.onModuleCall): its workers measure every call. */
export async function admitModule(spec: ModuleSpec, baseDir: string, reports: boolean): Promise<AdmittedModule> {
  const file = resolveModuleFile(spec, baseDir);
  const limits = spec.limits;
  const bytes = await readModuleFile(file, spec.label, limits.max_module_bytes);
  checkPin(spec, file, bytes);
  const maxPages = Math.floor(limits.max_memory_bytes / WASM_PAGE_BYTES);
  const sourceMap = await readSourceMapFile(file);
  const { module, fields, offsets } = await compileAndInspect(bytes, spec.label, limits, sourceMap !== undefined);
  let config: Uint8Array;
  try {
    config = configPackr.pack(spec.config);
  } catch (err) {
    throw moduleRefused(spec.label, RefusalReason.CONFIG_REJECTED, `config cannot be encoded: ${(err as Error).message}`);
  }
  const setup = {
    module,
    config,
    maxOutputBytes: limits.max_output_bytes,
    maxMemoryBytes: maxPages * WASM_PAGE_BYTES,
    maxDestinations: limits.max_destinations,
    maxInterestedUsers: limits.max_interested_users,
    maxResultEntries: limits.max_result_entries,
    ...(limits.fuel_metering ? { fuel: { perCall: limits.max_fuel_per_call, init: limits.max_fuel_init } } : {}),
    ...(sourceMap === undefined || offsets === undefined ? {} : { sourceMap: { text: sourceMap, ...offsets } }),
    reports,
  };
  const pool = new ModulePool(setup, limits);
  // Every thread instantiates the module as it starts (worker.ts warm()); this load checks one of them
  // and delivers init's send_local_online_presence_to calls, once.
  const start = performance.now();
  const outcome = await pool.load();
  const durationMs = performance.now() - start;
  if (!outcome.ok) {
    await pool.close();
    throw refusal(spec.label, outcome.failure.code, outcome.failure.message);
  }
  const { hasCallbacks } = outcome.value as LoadResult;
  return { spec, pool, fields, hasCallbacks, logs: outcome.logs, sends: outcome.sends, initFuelUsed: outcome.fuelUsed, init: { outcome, durationMs } };
}

function refusal(label: string, code: string, message: string): SandboxError {
  const known = Object.values(RefusalReason) as string[];
  if (code === RefusalReason.CONFIG_REJECTED) return moduleRefused(label, RefusalReason.CONFIG_REJECTED, `config error: ${message}`);
  // Any fault during load (a trap in the start function or init, a crash) refuses the module as load_failed.
  const reason = known.includes(code) ? (code as RefusalReason) : RefusalReason.LOAD_FAILED;
  return moduleRefused(label, reason, reason === RefusalReason.LOAD_FAILED ? `${code}: ${message}` : message);
}
