/**
 * The host: admitted modules, each in its own pool, called with Synapse's semantics. A batch flows
 * config → admission → pool → worker → guest → validation (in the worker) → merge (here).
 */
import { admitModule } from './admission/admit.js';
import { loadConfigFile } from './config/load.js';
import { parseConfig } from './config/parse.js';
import type { HostConfig } from './config/schema.js';
import { ErrorCode, SandboxError, describe, inputError } from './errors.js';
import type { ModuleStats } from './faults/module-health.js';
import { defaultLog, type HostOptions } from './host-options.js';
import { PRESENCE_ALL_USERS, type InterestedUsers, type UsersForStates } from './presence.js';
import { ALL_FIELDS } from './protocol/abi.js';
import type { BatchRoutingResult, CallTask, InterestResult, InvalidBatch, RoutingResult } from './protocol/envelopes.js';
import type { UserPresenceState } from './presence.js';
import { BatchEncoder } from './routing/batch.js';
import { BatchBuffers } from './routing/batch-buffers.js';
import { mergeInterest } from './routing/merge.js';
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

/**
 * users_for_states with the caller's objects, before they become Sets: the distinct states, and each
 * destination's indices into them, ascending (so in the order of the states' first occurrence), without
 * repeats. What the service writes its answers from (service/routing-answer.ts).
 */
export interface IndexedRouting {
  distinct: UserPresenceState[];
  lists: ReadonlyMap<string, Uint32Array>;
}

export class PresenceHost {
  private closed = false;
  private overloaded = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  // One encoder per host, not a module-level singleton: hosts share nothing.
  private readonly encoder = new BatchEncoder();
  private readonly batchBuffers = new BatchBuffers();
  private readonly maxBatchStates: number;
  /** The fields each module is sent (docs/abi.md "Field projection"), in serving order. */
  private readonly sentFields: number[];
  /** The distinct masks of sentFields, each encoded once per call; module i reads batch maskOf[i]. */
  private readonly masks: number[];
  private readonly maskOf: number[];

  private constructor(
    private readonly modules: ServedModule[],
    private readonly maxPendingCalls: number,
    batchCaps: number[],
    fields: number[],
  ) {
    // The tightest per-module cap applies to the whole batch, which every module receives.
    this.maxBatchStates = Math.min(Infinity, ...batchCaps);
    this.sentFields = fields;
    this.masks = [...new Set(fields)];
    this.maskOf = fields.map((f) => this.masks.indexOf(f));
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
    const settled = await Promise.allSettled(config.modules.map((spec) => admitModule(spec, config.baseDir, options.onModuleCall !== undefined)));
    const admitted = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = settled.find((s) => s.status === 'rejected');
    if (refused) {
      await Promise.all(admitted.map((m) => m.pool.close()));
      throw refused.reason;
    }
    const served = admitted.map((m) => new ServedModule(m, filled));
    const fields = admitted.map((m) => (options.sendFullStates ? ALL_FIELDS : m.fields));
    return new PresenceHost(served, config.maxPendingCalls, admitted.map((m) => m.spec.limits.max_batch_states), fields);
  }

  /** Synapse's get_users_for_states: destination user ID → the caller's own state objects routed to it. */
  async getUsersForStates(states: readonly unknown[]): Promise<UsersForStates> {
    const { distinct, lists } = await this.getUsersForStatesIndexed(states);
    const routing: UsersForStates = new Map();
    for (const [destination, list] of lists) {
      const set = new Set<UserPresenceState>();
      for (let k = 0; k < list.length; k++) set.add(distinct[list[k]!]!);
      routing.set(destination, set);
    }
    return routing;
  }

  /** The same call, as the distinct states and indices into them: the service answers from this. */
  getUsersForStatesIndexed(states: readonly unknown[]): Promise<IndexedRouting> {
    return this.track(async () => {
      const batch = this.encoder.encode(states, this.maxBatchStates, this.batchBuffers, this.masks);
      const count = batch.distinct.length;
      const outcomes = await this.callAll((i) => ({ kind: 'users_for_states', batch: batch.batches[this.maskOf[i]!]!, count }));
      // Every module has answered, been skipped, or timed out (its worker then reads nothing that matters).
      for (const bytes of batch.batches) this.batchBuffers.release(bytes);
      // Synapse's per-destination union (routing/merge.ts), over the workers' ascending lists.
      const routing = new IndexRouting();
      outcomes.forEach((outcome, i) => {
        if (outcome === undefined) return;
        const result = this.modules[i]!.settle('users_for_states', outcome);
        if (result.ok) routing.add(result.value as RoutingResult);
      });
      return { distinct: batch.distinct, lists: routing.lists };
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
        const outcomes = await this.callAll((i) => ({ kind: 'users_for_states_batch', batch: shared, maxStates: this.maxBatchStates, fields: this.sentFields[i]! }));
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
      const task = { kind: 'interested_users', userId } as const;
      const outcomes = await this.callAll(() => task);
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

  /** Outcomes in serving order; undefined where nothing ran (no callbacks, or quarantined). `task(i)`: module i's task. */
  private callAll(task: (i: number) => CallTask): Promise<(TimedOutcome | undefined)[]> {
    // A module skipped at the gate (quarantined meanwhile) resolves undefined, like one never called.
    return Promise.all(this.modules.map((m, i) => m.call(task(i))));
  }
}
