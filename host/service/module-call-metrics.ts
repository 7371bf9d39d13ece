/**
 * Histograms fed from the per-call report (ModuleCallReport): the fuel each call used and the linear
 * memory its instance held, per module and callback (init included). Quarantined calls ran nothing and
 * are not observed; fuel only when it was counted (metering on, and the worker answered). Call
 * durations are `presence_sandbox_module_call_seconds` (metrics.ts), not repeated here.
 */
import { Histogram, type Registry } from 'prom-client';
import type { ModuleCallReport } from '../host-options.js';

const KIB = 1024;

/**
 * Fuel counts span from a few thousand units (an interested_users lookup) to the budget itself (a large
 * batch, or a call that ran out): 1 and 3 per decade, from 1e3 up to 1e12, the largest budget config
 * accepts (LIMIT_MAX), so a module near its budget still lands in a bucket below +Inf.
 */
export const FUEL_BUCKETS: readonly number[] = [3, 4, 5, 6, 7, 8, 9, 10, 11].flatMap((e) => [10 ** e, 3 * 10 ** e]).concat(10 ** 12);

/**
 * Linear memory grows in 64 KiB pages, from one page up to the cap (sandbox.max_memory_bytes, at most
 * 4 GiB): each power of two, so a module's growth reads as doublings.
 */
export const MEMORY_BUCKETS: readonly number[] = Array.from({ length: 17 }, (_, i) => 64 * KIB * 2 ** i);

export class ModuleCallMetrics {
  private readonly fuel: Histogram<'module' | 'callback'>;
  private readonly memory: Histogram<'module' | 'callback'>;

  constructor(registry: Registry) {
    this.fuel = new Histogram({
      name: 'presence_sandbox_module_fuel_used',
      help: 'Fuel one module call used (sandbox.max_fuel_per_call, max_fuel_init), by module and callback.',
      labelNames: ['module', 'callback'],
      buckets: [...FUEL_BUCKETS],
      registers: [registry],
    });
    this.memory = new Histogram({
      name: 'presence_sandbox_module_memory_bytes',
      help: "The module instance's linear memory after one call (its high water), by module and callback.",
      labelNames: ['module', 'callback'],
      buckets: [...MEMORY_BUCKETS],
      registers: [registry],
    });
  }

  observe(report: ModuleCallReport): void {
    if (report.outcome === 'quarantined') return;
    const labels = { module: report.module, callback: report.callback };
    if (report.fuelUsed !== null) this.fuel.observe(labels, report.fuelUsed);
    // 0: the worker never answered (a deadline, a crash), so nothing was measured.
    if (report.memoryBytes > 0) this.memory.observe(labels, report.memoryBytes);
  }
}
