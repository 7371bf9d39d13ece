/**
 * An admitted module as it serves calls: its pool, its health, and the reporting of what it did
 * (logs, send_local_online_presence_to, faults) under its config name.
 */
import type { AdmittedModule } from '../admission/admit.js';
import type { FaultCode } from '../errors.js';
import type { FaultReport, HostOptions, ModuleCallReport } from '../host-options.js';
import { ModuleHealth, type Callback, type ModuleStats } from '../faults/module-health.js';
import type { CallTask, Outcome } from '../protocol/envelopes.js';
import { deliverReport, quarantinedReport, ranReport } from './call-report.js';

export type CallResult = { ok: true; value: unknown } | { ok: false };

/** An outcome with how long the module took, measured around the pool call. */
export interface TimedOutcome {
  outcome: Outcome<unknown>;
  durationMs: number;
}

export class ServedModule {
  readonly label: string;
  private readonly health: ModuleHealth;

  constructor(
    private readonly admitted: AdmittedModule,
    private readonly options: Required<Pick<HostOptions, 'log'>> & HostOptions,
  ) {
    this.label = admitted.spec.label;
    this.health = new ModuleHealth(this.label, admitted.spec.limits, options.now);
    this.deliver({ ok: true, value: null, logs: admitted.logs, sends: admitted.sends, fuelUsed: admitted.initFuelUsed });
    this.report(ranReport(this.label, 'init', admitted.init.outcome, admitted.init.durationMs));
  }

  get stats(): ModuleStats & { queued: number; running: number; threads: number } {
    const { pool } = this.admitted;
    return { ...this.health.stats, queued: pool.queued, running: pool.running, threads: pool.threads };
  }

  /** Run a call; undefined when nothing runs (no callbacks, or quarantined). Pass the outcome to settle(). */
  call(task: CallTask): Promise<TimedOutcome | undefined> | undefined {
    // The binary wire's task is a users_for_states call like any other: one health record for both.
    const callback: Callback = task.kind === 'interested_users' ? 'interested_users' : 'users_for_states';
    if (!this.admitted.hasCallbacks) return undefined;
    if (!this.health.mayRun(callback)) return this.skipped(callback);
    const start = performance.now();
    // Asked again when a thread frees up: calls queued behind a module's timeouts are skipped, not run,
    // once those timeouts have put the callback in quarantine.
    const stillWanted = () => this.health.mayRun(callback);
    return this.admitted.pool
      .call(task, stillWanted)
      .then((outcome) => (outcome === undefined ? this.skipped(callback) : { outcome, durationMs: performance.now() - start }));
  }

  close(): Promise<void> {
    return this.admitted.pool.close();
  }

  /**
   * Account for an outcome: deliver its logs and sends, count it, report a fault. An outcome that is
   * never settled (a module after the first ALL) is as if the call had not been made.
   */
  settle(callback: Callback, { outcome, durationMs }: TimedOutcome): CallResult {
    this.deliver(outcome);
    // Built only for an embedder that asked: every call pays for it otherwise (bench/interested-hops.ts).
    if (this.options.onModuleCall !== undefined) this.report(ranReport(this.label, callback, outcome, durationMs));
    if (outcome.ok) {
      this.health.succeeded(callback);
      return { ok: true, value: outcome.value };
    }
    const code = outcome.failure.code as FaultCode;
    const fault: FaultReport = { module: this.label, callback, code, message: outcome.failure.message, durationMs };
    this.options.log({ level: 'warn', module: this.label, fault: code, message: `${callback} skipped (${code}): ${fault.message}` });
    this.options.onFault?.(fault);
    const quarantine = this.health.faulted(callback, code);
    if (quarantine !== undefined) {
      this.options.log({
        level: 'error',
        module: this.label,
        message: `${callback} quarantined for ${quarantine} ms after repeated faults: its share of every such call is skipped until then`,
      });
    }
    return { ok: false };
  }

  /**
   * An outcome whose guest never ran because the worker refused the caller's input: its logs (an
   * instantiation's, say) are delivered, and nothing is counted: no call, no fault, no quarantine.
   */
  refusedInput({ outcome }: TimedOutcome): void {
    this.deliver(outcome);
  }

  /** A call skipped by quarantine: reported, and resolved undefined like one never made. */
  private skipped(callback: Callback): undefined {
    this.report(quarantinedReport(this.label, callback));
    return undefined;
  }

  private report(report: ModuleCallReport): void {
    deliverReport(report, this.options.onModuleCall, this.options.log);
  }

  private deliver(outcome: Outcome<unknown>): void {
    for (const entry of outcome.logs) this.options.log({ ...entry, module: this.label });
    for (const users of outcome.sends) this.options.onSendLocalOnlinePresenceTo?.(users, this.label);
  }
}
