/**
 * The host: admitted modules, each in its own pool, called with Synapse's semantics. A batch flows
 * config → admission → pool → worker → guest → validation (in the worker) → merge (here).
 */
import { Packr } from 'msgpackr';
import { admitModule, type AdmittedModule } from './admission/admit.js';
import { loadConfigFile } from './config/load.js';
import { parseConfig } from './config/parse.js';
import type { HostConfig } from './config/schema.js';
import { ErrorCode, SandboxError, inputError, describe, type FaultCode } from './errors.js';
import { defaultLog, type FaultReport, type HostOptions } from './host-options.js';
import { PRESENCE_ALL_USERS, type InterestedUsers, type UsersForStates } from './presence.js';
import type { InterestResult, Outcome, RoutingResult, Task } from './protocol/envelopes.js';
import { encodeBatch } from './routing/batch.js';
import { mergeInterest, mergeRouting } from './routing/merge.js';
import { isUserId } from './userid.js';

export class PresenceHost {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  // One encoder per host, not a module-level singleton: hosts share nothing.
  private readonly packr = new Packr({ useRecords: false });
  private readonly maxBatchStates: number;

  private constructor(
    private readonly modules: AdmittedModule[],
    private readonly options: HostOptions,
  ) {
    // The tightest per-module cap applies to the whole batch, which every module receives.
    this.maxBatchStates = Math.min(Infinity, ...modules.map((m) => m.spec.limits.max_batch_states));
  }

  /** Create a host from a YAML config file (Synapse homeserver.yaml subset plus `sandbox:`). */
  static async fromFile(file: string, options: HostOptions = {}): Promise<PresenceHost> {
    return PresenceHost.fromHostConfig(await loadConfigFile(file), options);
  }

  /** Create a host from a config object of the same shape as the YAML file. */
  static async create(config: unknown, options: HostOptions = {}): Promise<PresenceHost> {
    return PresenceHost.fromHostConfig(parseConfig(config, options.baseDir ?? process.cwd()), options);
  }

  private static async fromHostConfig(config: HostConfig, options: HostOptions): Promise<PresenceHost> {
    const log = options.log ?? defaultLog;
    for (const warning of config.warnings) log({ level: 'warn', message: warning });
    // Admit all modules concurrently; if any is refused, report the first in config order and stop the rest.
    const settled = await Promise.allSettled(config.modules.map((spec) => admitModule(spec, config.baseDir)));
    const admitted = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = settled.find((s) => s.status === 'rejected');
    if (refused) {
      await Promise.all(admitted.map((m) => m.pool.close()));
      throw refused.reason;
    }
    const host = new PresenceHost(admitted, { ...options, log });
    for (const m of admitted) host.deliver(m.spec.label, { ok: true, value: null, logs: m.logs, sends: m.sends, instantiated: true });
    return host;
  }

  /** Synapse's get_users_for_states: destination user ID → the caller's own state objects routed to it. */
  getUsersForStates(states: readonly unknown[]): Promise<UsersForStates> {
    return this.track(async () => {
      const batch = encodeBatch(states, this.packr, this.maxBatchStates);
      const task: Task = { kind: 'users_for_states', batch: batch.bytes, count: batch.distinct.length };
      const outcomes = await this.callAll(task);
      const routing: UsersForStates = new Map();
      outcomes.forEach((outcome, i) => {
        if (this.accept(i, 'users_for_states', outcome)) mergeRouting(routing, outcome.value as RoutingResult, batch.distinct);
      });
      return routing;
    });
  }

  /** Synapse's get_interested_users: the users whose presence `userId` receives, or PRESENCE_ALL_USERS. */
  getInterestedUsers(userId: string): Promise<InterestedUsers> {
    return this.track(async () => {
      if (!isUserId(userId)) throw inputError('user_id', `expected a Matrix user ID like @alice:example.com (got ${describe(userId)})`);
      // Called in parallel for latency; outcomes are then read in serving order and everything after the
      // first ALL is discarded unread (its sends and faults too), so the result is what Synapse's loop gives.
      const outcomes = await this.callAll({ kind: 'interested_users', userId });
      const users = new Set<string>();
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i]!;
        if (!this.accept(i, 'interested_users', outcome)) continue;
        if (mergeInterest(users, outcome.value as InterestResult) === PRESENCE_ALL_USERS) return PRESENCE_ALL_USERS;
      }
      return users;
    });
  }

  /** Stop accepting calls, let calls in flight finish, then stop every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.modules.map((m) => m.pool.close()));
  }

  private async track<T>(call: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SandboxError(ErrorCode.HOST_CLOSED, 'the host is closed');
    const promise = call();
    this.inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(promise);
    }
  }

  /** Outcomes in serving order; modules without callbacks answer nothing without a thread hop. */
  private callAll(task: Task): Promise<(Outcome<unknown> | undefined)[]> {
    return Promise.all(this.modules.map((m) => (m.hasCallbacks ? m.pool.call(task) : undefined)));
  }

  /** Deliver a module's logs and sends; report a fault. True when the outcome's value should be merged. */
  private accept(
    index: number,
    callback: FaultReport['callback'],
    outcome: Outcome<unknown> | undefined,
  ): outcome is Outcome<unknown> & { ok: true } {
    if (outcome === undefined) return false;
    const module = this.modules[index]!.spec.label;
    this.deliver(module, outcome);
    if (outcome.ok) return true;
    const fault: FaultReport = { module, callback, code: outcome.failure.code as FaultCode, message: outcome.failure.message };
    this.options.log!({ level: 'warn', module, message: `${callback} skipped (${fault.code}): ${fault.message}` });
    this.options.onFault?.(fault);
    return false;
  }

  private deliver(module: string, outcome: Outcome<unknown>): void {
    for (const entry of outcome.logs) this.options.log!({ ...entry, module });
    for (const users of outcome.sends) this.options.onSendLocalOnlinePresenceTo?.(users, module);
  }
}
