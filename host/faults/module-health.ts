/**
 * Fault accounting and quarantine for one module. After `quarantine_after_faults` consecutive faults the
 * module is skipped without running for `quarantine_ms`; then it is on probation: one success clears the
 * record, one fault quarantines it again for twice as long (up to `quarantine_max_ms`). It always comes
 * back by itself; nothing needs an operator.
 */
import type { SandboxLimits } from '../config/schema.js';
import type { FaultCode } from '../errors.js';

export type Callback = 'users_for_states' | 'interested_users';

export interface ModuleStats {
  /** The module as written in the config. */
  module: string;
  /** Calls that ran the module, by callback. */
  calls: Record<Callback, number>;
  /** Faults by callback and code. */
  faults: Record<Callback, Partial<Record<FaultCode, number>>>;
  /** Calls whose share was skipped without running, because the module was quarantined. */
  skipped: number;
  /** Times the module was put in quarantine. */
  quarantines: number;
  quarantined: boolean;
}

export class ModuleHealth {
  private consecutive = 0;
  private probation = false;
  private backoffMs: number;
  private quarantinedUntil = 0;
  readonly stats: ModuleStats;

  constructor(
    module: string,
    private readonly limits: SandboxLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.backoffMs = limits.quarantine_ms;
    this.stats = {
      module,
      calls: { users_for_states: 0, interested_users: 0 },
      faults: { users_for_states: {}, interested_users: {} },
      skipped: 0,
      quarantines: 0,
      quarantined: false,
    };
  }

  /** True when the module may run now; false (and counted) while quarantined. */
  mayRun(): boolean {
    if (this.now() < this.quarantinedUntil) {
      this.stats.skipped++;
      return false;
    }
    this.stats.quarantined = false;
    return true;
  }

  succeeded(callback: Callback): void {
    this.stats.calls[callback]++;
    this.consecutive = 0;
    this.probation = false;
    this.backoffMs = this.limits.quarantine_ms;
  }

  /** Records a fault; returns the quarantine period in ms when this fault starts one. */
  faulted(callback: Callback, code: FaultCode): number | undefined {
    this.stats.calls[callback]++;
    const byCode = this.stats.faults[callback];
    byCode[code] = (byCode[code] ?? 0) + 1;
    this.consecutive++;
    if (!this.probation && this.consecutive < this.limits.quarantine_after_faults) return undefined;
    const period = this.backoffMs;
    this.quarantinedUntil = this.now() + period;
    this.backoffMs = Math.min(this.backoffMs * 2, this.limits.quarantine_max_ms);
    this.consecutive = 0;
    this.probation = true;
    this.stats.quarantines++;
    this.stats.quarantined = true;
    return period;
  }
}
