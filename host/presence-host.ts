/**
 * The host: admitted modules, each in its own pool, called with Synapse's semantics. A batch flows
 * config → admission → pool → worker → guest → validation (in the worker) → merge (here).
 */
import { Packr } from 'msgpackr';
import { admitModule } from './admission/admit.js';
import { loadConfigFile } from './config/load.js';
import { parseConfig } from './config/parse.js';
import type { HostConfig } from './config/schema.js';
import { ErrorCode, SandboxError, describe, inputError } from './errors.js';
import type { ModuleStats } from './faults/module-health.js';
import { defaultLog, type HostOptions } from './host-options.js';
import { PRESENCE_ALL_USERS, type InterestedUsers, type UsersForStates } from './presence.js';
import type { BatchRoutingResult, CallTask, InterestResult, InvalidBatch, RoutingResult } from './protocol/envelopes.js';
import { encodeBatch } from './routing/batch.js';
import { BatchBuffers } from './routing/batch-buffers.js';
import { mergeInterest, mergeRouting } from './routing/merge.js';
import { ServedModule, type TimedOutcome } from './serving/served-module.js';
import { isUserId, notUserIdMessage } from './userid.js';
import { encodeRouting } from './wire/encode-routing.js';
import { IndexRouting, type BatchRouting } from './wire/merge-indices.js';
import { readBatch } from './wire/read-batch.js';

export interface HostStats {
  /** Calls accepted and not yet resolved. */
  pendingCalls: number;
  maxPendingCalls: number;
  /** Calls refused with `overloaded`. */
  overloaded: number;
  modules: (ModuleStats & { queued: number; running: number; threads: number })[];
}

export class PresenceHost {
  private closed = false;
  private overloaded = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  // One encoder per host, not a module-level singleton: hosts share nothing.
  private readonly packr = new Packr({ useRecords: false });
  private readonly batchBuffers = new BatchBuffers();
  private readonly maxBatchStates: number;

  private constructor(
    private readonly modules: ServedModule[],
    private readonly maxPendingCalls: number,
    batchCaps: number[],
  ) {
    // The tightest per-module cap applies to the whole batch, which every module receives.
    this.maxBatchStates = Math.min(Infinity, ...batchCaps);
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
    const filled = { ...options, log: options.log ?? defaultLog };
    for (const warning of config.warnings) filled.log({ level: 'warn', message: warning });
    // Admit all modules concurrently; if any is refused, report the first in config order and stop the rest.
    const settled = await Promise.allSettled(config.modules.map((spec) => admitModule(spec, config.baseDir)));
    const admitted = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = settled.find((s) => s.status === 'rejected');
    if (refused) {
      await Promise.all(admitted.map((m) => m.pool.close()));
      throw refused.reason;
    }
    const served = admitted.map((m) => new ServedModule(m, filled));
    return new PresenceHost(served, config.maxPendingCalls, admitted.map((m) => m.spec.limits.max_batch_states));
  }

  /** Synapse's get_users_for_states: destination user ID → the caller's own state objects routed to it. */
  getUsersForStates(states: readonly unknown[]): Promise<UsersForStates> {
    return this.track(async () => {
      const batch = encodeBatch(states, this.packr, this.maxBatchStates, this.batchBuffers);
      const task = { kind: 'users_for_states', batch: batch.bytes, count: batch.distinct.length } as const;
      const outcomes = await this.callAll(task);
      // Every module has answered, been skipped, or timed out (its worker then reads nothing that matters).
      this.batchBuffers.release(batch.bytes);
      const routing: UsersForStates = new Map();
      outcomes.forEach((outcome, i) => {
        if (outcome === undefined) return;
        const result = this.modules[i]!.settle('users_for_states', outcome);
        if (result.ok) mergeRouting(routing, result.value as RoutingResult, batch.distinct);
      });
      return routing;
    });
  }

  /**
   * The binary wire (docs/wire.md): `batch` is the ABI v1 msgpack batch exactly as the caller sent it;
   * the answer maps each destination to indices into it, ascending, equal states named by their first
   * occurrence. The batch is checked and deduplicated in the workers, not here: this thread copies bytes.
   * An invalid batch rejects with invalid_input naming the field (`states[3].user_id`); it is never a
   * module's fault.
   *
   * @example
   * const routing = await host.getUsersForStatesBatch(pack(states.map((s) => [s.user_id, s.state, ...])));
   * for (const [destination, indices] of routing) for (const i of indices) send(destination, states[i]);
   */
  async getUsersForStatesBatch(batch: Uint8Array): Promise<BatchRouting> {
    return (await this.routeBatch(batch)).toMap();
  }

  /** The same call, answered as the wire's msgpack bytes ({destination: [indices]}), as the service sends them. */
  async getUsersForStatesBatchAnswer(batch: Uint8Array): Promise<Uint8Array> {
    return encodeRouting((await this.routeBatch(batch)).lists);
  }

  private routeBatch(batch: Uint8Array): Promise<IndexRouting> {
    return this.track(async () => {
      if (!(batch instanceof Uint8Array)) throw inputError('batch', `expected the msgpack batch as bytes, a Uint8Array (got ${describe(batch)})`);
      const shared = this.batchBuffers.acquire(batch.byteLength);
      shared.set(batch);
      try {
        const outcomes = await this.callAll({ kind: 'users_for_states_batch', batch: shared, maxStates: this.maxBatchStates });
        const routing = new IndexRouting();
        let invalid: InvalidBatch['invalid'] | undefined;
        let checked = false;
        outcomes.forEach((timed, i) => {
          if (timed === undefined) return;
          const module = this.modules[i]!;
          const value = timed.outcome.ok ? (timed.outcome.value as BatchRoutingResult) : undefined;
          if (value !== undefined && 'invalid' in value) {
            invalid = value.invalid;
            module.refusedInput(timed);
            return;
          }
          const result = module.settle('users_for_states', timed);
          if (result.ok) {
            checked = true;
            routing.add(result.value as RoutingResult);
          }
        });
        if (invalid !== undefined) throw new SandboxError(ErrorCode.INVALID_INPUT, invalid.message, { path: invalid.path });
        // No worker got as far as a verdict (no module ran, or every one faulted before answering):
        // the batch is checked here, so that an invalid one is still the caller's error.
        if (!checked) readBatch(shared, this.maxBatchStates);
        return routing;
      } finally {
        // Every module has answered, been skipped, or timed out (as in getUsersForStates).
        this.batchBuffers.release(shared);
      }
    });
  }

  /** Synapse's get_interested_users: the users whose presence `userId` receives, or PRESENCE_ALL_USERS. */
  getInterestedUsers(userId: string): Promise<InterestedUsers> {
    return this.track(async () => {
      if (!isUserId(userId)) throw inputError('user_id', notUserIdMessage(userId));
      // Called in parallel for latency; outcomes are then settled in serving order and everything after
      // the first ALL is left unsettled (its sends, logs and faults too), so the answer and its side
      // effects are what Synapse's loop gives.
      const outcomes = await this.callAll({ kind: 'interested_users', userId });
      const users = new Set<string>();
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i];
        if (outcome === undefined) continue;
        const result = this.modules[i]!.settle('interested_users', outcome);
        if (result.ok && mergeInterest(users, result.value as InterestResult) === PRESENCE_ALL_USERS) return PRESENCE_ALL_USERS;
      }
      return users;
    });
  }

  /** Counters for monitoring: calls, faults by code, quarantines, queues; per module in serving order. */
  stats(): HostStats {
    return {
      pendingCalls: this.inFlight.size,
      maxPendingCalls: this.maxPendingCalls,
      overloaded: this.overloaded,
      modules: this.modules.map((m) => m.stats),
    };
  }

  /** Stop accepting calls, let calls in flight finish, then stop every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.modules.map((m) => m.close()));
  }

  /** Admission control: a bounded number of calls at once; past it, refuse at once rather than queue. */
  private async track<T>(call: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SandboxError(ErrorCode.HOST_CLOSED, 'the host is closed');
    if (this.inFlight.size >= this.maxPendingCalls) {
      this.overloaded++;
      throw new SandboxError(
        ErrorCode.OVERLOADED,
        `overloaded: ${this.inFlight.size} calls pending (sandbox.max_pending_calls); retry later`,
      );
    }
    const promise = call();
    this.inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(promise);
    }
  }

  /** Outcomes in serving order; undefined where nothing ran (no callbacks, or quarantined). */
  private callAll(task: CallTask): Promise<(TimedOutcome | undefined)[]> {
    // A module skipped at the gate (quarantined meanwhile) resolves undefined, like one never called.
    return Promise.all(this.modules.map((m) => m.call(task)));
  }
}
