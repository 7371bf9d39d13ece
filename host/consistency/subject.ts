/**
 * What the checker checks: one host (a single module, or a whole config combined), driven only through
 * the public PresenceHost API, exactly as Synapse would call it. Faults are surfaced, not skipped: a
 * property over a module whose share was silently dropped would prove nothing.
 */
import type { FaultReport } from '../host-options.js';
import { PRESENCE_ALL_USERS, type InterestedUsers, type UserPresenceState } from '../presence.js';
import { PresenceHost } from '../presence-host.js';
import { CallUsage } from './headroom.js';
import type { CheckTarget } from './targets.js';

/** A state's identity: its seven fields, as Synapse's attrs equality sees them. */
export function stateKey(s: UserPresenceState): string {
  return JSON.stringify([s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active]);
}

/** Routing in a comparable form: destination → state key → state. */
export type Routed = Map<string, Map<string, UserPresenceState>>;

/** A module faulted while being checked; the answer it was part of is meaningless. */
export class ModuleFaultError extends Error {
  constructor(readonly fault: FaultReport) {
    super(`${fault.module} faulted in ${fault.callback} (${fault.code}): ${fault.message}`);
    this.name = 'ModuleFaultError';
  }
}

export class Subject {
  /** Every destination any users_for_states answer has named: the probes for interested_users. */
  readonly destinations = new Set<string>();
  // The ABI requires answers to depend only on config and input, so one interested_users answer per
  // user is the answer; memoising keeps a few hundred runs to a few hundred calls.
  private readonly interest = new Map<string, Promise<InterestedUsers>>();

  private constructor(
    readonly target: CheckTarget,
    private readonly host: PresenceHost,
    private readonly faults: FaultReport[],
    /** The worst fuel and memory of every module's calls so far, by the operator's module label. */
    readonly usage: CallUsage,
  ) {}

  /** Start a host for `target`; rejects with the host's own error (module_refused, config_invalid). */
  static async open(target: CheckTarget): Promise<Subject> {
    const faults: FaultReport[] = [];
    const usage = new CallUsage();
    // The target's host names its modules `modules[i] (...)`; faults name them as the operator's config does.
    const labels = new Map(target.modules.map((spec, i) => [`modules[${i}] (${spec.module})`, spec.label]));
    const host = await PresenceHost.create(target.document, {
      baseDir: target.baseDir,
      // Faults are reported through onFault and become counterexamples; the host's log lines would
      // only repeat them on stderr.
      log: () => {},
      onFault: (fault) => faults.push({ ...fault, module: labels.get(fault.module) ?? fault.module }),
      onModuleCall: (call) => usage.record({ ...call, module: labels.get(call.module) ?? call.module }),
    });
    return new Subject(target, host, faults, usage);
  }

  get label(): string {
    return this.target.label;
  }

  /** users_for_states(batch), keyed by state identity. Rejects with ModuleFaultError on any fault. */
  async route(batch: readonly UserPresenceState[]): Promise<Routed> {
    const seen = this.faults.length;
    const routing = await this.host.getUsersForStates(batch);
    this.throwIfFaulted(seen);
    const routed: Routed = new Map();
    for (const [destination, states] of routing) {
      this.destinations.add(destination);
      routed.set(destination, new Map([...states].map((s) => [stateKey(s), s])));
    }
    return routed;
  }

  /** interested_users(user), memoised. Rejects with ModuleFaultError on any fault. */
  interestedUsers(user: string): Promise<InterestedUsers> {
    let answer = this.interest.get(user);
    if (answer === undefined) {
      answer = (async () => {
        const seen = this.faults.length;
        const users = await this.host.getInterestedUsers(user);
        this.throwIfFaulted(seen);
        return users === PRESENCE_ALL_USERS ? users : new Set([...users].sort());
      })();
      this.interest.set(user, answer);
    }
    return answer;
  }

  close(): Promise<void> {
    return this.host.close();
  }

  private throwIfFaulted(seen: number): void {
    const fault = this.faults[seen];
    if (fault !== undefined) throw new ModuleFaultError(fault);
  }
}
