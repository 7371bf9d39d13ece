/**
 * Fault accounting and quarantine for one module, kept per callback: a module whose users_for_states
 * always times out but whose interested_users answers well must not have its good answers reset the
 * count of its bad ones (nor lose them to a quarantine). After `quarantine_after_faults` consecutive
 * faults of a callback, that callback is skipped without running for `quarantine_ms`; then it is on
 * probation: one success clears the record, one fault quarantines it again for twice as long (up to
 * `quarantine_max_ms`). It always comes back by itself; nothing needs an operator.
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
  /** Calls whose share was skipped without running, because the callback was quarantined. */
  skipped: number;
  /** Times one of the module's callbacks was put in quarantine. */
  quarantines: number;
  /** True while either callback is quarantined. */
  quarantined: boolean;
}

class CallbackHealth {
  consecutive = 0;
  probation = false;
  until = 0;
  constructor(public backoffMs: number) {}
}

export class ModuleHealth {
  private readonly callbacks: Record<Callback, CallbackHealth>;
  private readonly counters: Omit<ModuleStats, 'quarantined'>;

  constructor(
    module: string,
    private readonly limits: SandboxLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.callbacks = {
      users_for_states: new CallbackHealth(limits.quarantine_ms),
      interested_users: new CallbackHealth(limits.quarantine_ms),
    };
    this.counters = {
      module,
      calls: { users_for_states: 0, interested_users: 0 },
      faults: { users_for_states: {}, interested_users: {} },
      skipped: 0,
      quarantines: 0,
    };
  }

  get stats(): ModuleStats {
    const now = this.now();
    const c = this.counters;
    return {
      ...c,
      calls: { ...c.calls },
      faults: { users_for_states: { ...c.faults.users_for_states }, interested_users: { ...c.faults.interested_users } },
      quarantined: Object.values(this.callbacks).some((h) => now < h.until),
    };
  }

  /** True when the callback may run now; false (and counted as skipped) while it is quarantined. */
  mayRun(callback: Callback): boolean {
    if (this.now() < this.callbacks[callback].until) {
      this.counters.skipped++;
      return false;
    }
    return true;
  }

  succeeded(callback: Callback): void {
    this.counters.calls[callback]++;
    const h = this.callbacks[callback];
    h.consecutive = 0;
    h.probation = false;
    h.backoffMs = this.limits.quarantine_ms;
  }

  /** Records a fault; returns the quarantine period in ms when this fault starts one. */
  faulted(callback: Callback, code: FaultCode): number | undefined {
    this.counters.calls[callback]++;
    const byCode = this.counters.faults[callback];
    byCode[code] = (byCode[code] ?? 0) + 1;
    const h = this.callbacks[callback];
    h.consecutive++;
    if (!h.probation && h.consecutive < this.limits.quarantine_after_faults) return undefined;
    const period = h.backoffMs;
    h.until = this.now() + period;
    h.backoffMs = Math.min(h.backoffMs * 2, this.limits.quarantine_max_ms);
    h.consecutive = 0;
    h.probation = true;
    this.counters.quarantines++;
    return period;
  }
}
