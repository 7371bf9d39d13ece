/**
 * How close a module comes to its limits while it is checked: the worst fuel and memory of its calls
 * (the per-call reports, ModuleCallReport) over every generated batch, per callback, next to the
 * budgets its config gives it, so an author sees how much room is left before the sandbox stops it.
 */
import { byteSize } from '../byte-size.js';
import type { ModuleSpec } from '../config/schema.js';
import type { ModuleCallReport } from '../host-options.js';
import { WASM_PAGE_BYTES } from '../protocol/abi.js';

type Callback = ModuleCallReport['callback'];

const CALLBACKS: readonly Callback[] = ['init', 'users_for_states', 'interested_users'];

/** The worst one callback of one module did. */
export interface Worst {
  calls: number;
  /** Null while no call was metered. */
  fuel: number | null;
  memoryBytes: number;
}

/** Worst fuel and memory per module label and callback, from the host's onModuleCall. */
export class CallUsage {
  private readonly worst = new Map<string, Worst>();

  record(report: ModuleCallReport): void {
    if (report.outcome === 'quarantined') return;
    const key = `${report.callback} ${report.module}`;
    const held = this.worst.get(key) ?? { calls: 0, fuel: null, memoryBytes: 0 };
    held.calls++;
    if (report.fuelUsed !== null) held.fuel = Math.max(held.fuel ?? 0, report.fuelUsed);
    held.memoryBytes = Math.max(held.memoryBytes, report.memoryBytes);
    this.worst.set(key, held);
  }

  of(module: string, callback: Callback): Worst | undefined {
    return this.worst.get(`${callback} ${module}`);
  }
}

/** The fuel budget a callback runs under (sandbox.max_fuel_init, max_fuel_per_call); null when not metered. */
function fuelBudget(spec: ModuleSpec, callback: Callback): number | null {
  const { limits } = spec;
  if (!limits.fuel_metering) return null;
  return callback === 'init' ? limits.max_fuel_init : limits.max_fuel_per_call;
}

/**
 * One line per callback the module ran, e.g.
 * `headroom  users_for_states  fuel 1,204 of 10,000,000 (0.01%)  memory 128 KiB of 128 MiB (0.1%)  (612 calls)`.
 */
export function formatHeadroom(spec: ModuleSpec, usage: CallUsage): string[] {
  const memoryCap = Math.floor(spec.limits.max_memory_bytes / WASM_PAGE_BYTES) * WASM_PAGE_BYTES;
  const rows = CALLBACKS.flatMap((callback) => {
    const worst = usage.of(spec.label, callback);
    if (worst === undefined) return [];
    const budget = fuelBudget(spec, callback);
    const fuel = worst.fuel === null || budget === null ? 'fuel not metered' : `fuel ${count(worst.fuel)} of ${count(budget)} (${share(worst.fuel, budget)})`;
    const memory = `memory ${byteSize(worst.memoryBytes)} of ${byteSize(memoryCap)} (${share(worst.memoryBytes, memoryCap)})`;
    return [[callback, fuel, memory, `(${worst.calls} ${worst.calls === 1 ? 'call' : 'calls'})`]];
  });
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => `headroom  ${row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ')}`);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Worst over limit as a percentage, never rounded to a misleading 0% or 100%. */
function share(worst: number, limit: number): string {
  const percent = (100 * worst) / limit;
  if (percent > 0 && percent < 0.01) return '<0.01%';
  if (percent < 100 && percent > 99.9) return '>99.9%';
  return `${percent < 1 ? percent.toFixed(2) : percent.toFixed(1)}%`;
}
