/**
 * The per-call report (ModuleCallReport, host-options.ts) from what the worker measured and how the call
 * ended, and its delivery to `onModuleCall`, which must never break the call it reports.
 */
import type { HostLogEntry, ModuleCallReport } from '../host-options.js';
import type { Outcome } from '../protocol/envelopes.js';

/** The report of a call that ran (or an init that did), from its outcome and its main-thread duration. */
export function ranReport(
  module: string,
  callback: ModuleCallReport['callback'],
  outcome: Outcome<unknown>,
  durationMs: number,
): ModuleCallReport {
  const measure = outcome.measure;
  return {
    module,
    callback,
    outcome: outcome.ok ? 'ok' : (outcome.failure.code as ModuleCallReport['outcome']),
    fuelUsed: outcome.fuelUsed,
    // A worker terminated at a deadline (or dead) measured nothing: the main thread's figure stands in.
    wallMs: measure?.wallMs ?? durationMs,
    memoryBytes: measure?.memoryBytes ?? 0,
    inputBytes: measure?.inputBytes ?? 0,
    outputBytes: measure?.outputBytes ?? 0,
    entries: measure?.entries ?? 0,
    durationMs,
  };
}

/** The report of a call skipped because its callback was quarantined: nothing ran. */
export function quarantinedReport(module: string, callback: ModuleCallReport['callback']): ModuleCallReport {
  return { module, callback, outcome: 'quarantined', fuelUsed: null, wallMs: 0, memoryBytes: 0, inputBytes: 0, outputBytes: 0, entries: 0, durationMs: 0 };
}

/** Hands `report` to the embedder's callback; one that throws is logged, and the call goes on. */
export function deliverReport(
  report: ModuleCallReport,
  onModuleCall: ((report: ModuleCallReport) => void) | undefined,
  log: (entry: HostLogEntry) => void,
): void {
  if (onModuleCall === undefined) return;
  try {
    onModuleCall(report);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log({ level: 'error', module: report.module, message: `onModuleCall threw on the ${report.callback} report (the call goes on): ${message}` });
  }
}
