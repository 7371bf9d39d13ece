/**
 * Host ↔ worker envelopes: every message that crosses the thread boundary, in one place. Plain data
 * only (structured clone): errors cross as `{ code, message }`, never as Error objects.
 */
import type { FaultCode, RefusalReason } from '../errors.js';
import type { LogLevel } from './abi.js';

/** What each worker of a module's pool is started with. */
export interface WorkerSetup {
  /** Compiled once on the main thread; shared, not recompiled, by every worker. */
  module: WebAssembly.Module;
  /** The module's config, msgpack-encoded once. */
  config: Uint8Array;
  /** The pool's task records (task-clock.ts), written by the worker, read by the pool's deadlines. */
  clock: { buffer: SharedArrayBuffer; epoch: number };
  maxOutputBytes: number;
  /** The memory cap already written into the module; a fault at the cap is reported as memory_limit. */
  maxMemoryBytes: number;
  maxDestinations: number;
  maxInterestedUsers: number;
  /** Most entries (user IDs plus indices, repeats included) one result may hold. */
  maxResultEntries: number;
  /** The module is fuel-metered (admission/fuel-meter.ts) with these budgets; absent when metering is off. */
  fuel?: FuelBudget;
  /** The module's source map, when one was found next to it (worker/trap-location.ts). */
  sourceMap?: SourceMapSetup;
  /**
   * The host builds per-call reports (HostOptions.onModuleCall): each call is measured and answered with
   * its whole Outcome. Absent or false: nothing is measured, and a clean interested_users call is answered
   * with its value alone (Reply).
   */
  reports?: boolean;
}

/** sandbox.max_fuel_per_call and sandbox.max_fuel_init. */
export interface FuelBudget {
  perCall: number;
  init: number;
}

/**
 * A source map as admission found it: its text (size-capped, not yet parsed) and where the code moved.
 * An offset in the compiled binary is, in the binary as built, `originalOffset(inserted, offset) + codeShift`
 * (admission/inserted-runs.ts), or `offset + codeShift` without `inserted`.
 */
export interface SourceMapSetup {
  text: string;
  /** How far the code section moved back when sections before it were rewritten (caps, fuel metering). */
  codeShift: number;
  /** Fuel metering's inserted byte runs, in the compiled binary's offsets (absent when unmetered). */
  inserted?: Uint32Array;
}

/** `slot`: where the worker records the task's phases (task-clock.ts); -1 for none. */
export type Task = { id: number; slot: number } & (
  /** Admission's check of one thread's instance; it delivers init's send_local_online_presence_to calls. */
  | { kind: 'load' }
  /** `batch` is the msgpack batch in a SharedArrayBuffer, encoded once for every module. */
  | { kind: 'users_for_states'; batch: Uint8Array; count: number }
  | { kind: 'interested_users'; userId: string }
  /**
   * The binary wire (docs/wire.md): `batch` is the caller's msgpack batch as it came, in a
   * SharedArrayBuffer; the worker checks and deduplicates it (wire/read-batch.ts) before the guest reads it,
   * then sends the guest only the `fields` it reads (docs/abi.md "Field projection").
   */
  | { kind: 'users_for_states_batch'; batch: Uint8Array; maxStates: number; fields: number }
);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A callback task before the pool gives it an id and a slot. */
export type CallTask = Exclude<DistributiveOmit<Task, 'id' | 'slot'>, { kind: 'load' }>;

/**
 * Posted by a worker (on its parentPort, outside Piscina's task channel) when a call faulted: the call's
 * outcome at once, before the worker builds a fresh instance and only then takes its next task. The
 * same outcome is also Piscina's answer to the task, whichever arrives first settles the call.
 */
export interface AnswerMessage {
  presenceSandboxAnswer: number;
  outcome: Outcome<unknown>;
}

/** users_for_states result in compact form: destination i gets indices[offsets[i] .. offsets[i+1]). */
export interface RoutingResult {
  destinations: string[];
  offsets: Uint32Array;
  indices: Uint32Array;
}

/**
 * users_for_states_batch result: the routing with indices into the caller's batch (each destination's
 * ascending and without repeats), or, when the batch itself is invalid, why; the guest did not run then.
 */
export type BatchRoutingResult = RoutingResult | InvalidBatch;

export interface InvalidBatch {
  invalid: { path: string; message: string };
}

export type InterestResult = 'ALL' | string[];

export interface LoadResult {
  /** False for a module that exports neither callback: it loads and routes nothing. */
  hasCallbacks: boolean;
}

export interface GuestLog {
  level: LogLevel;
  message: string;
}

export interface Failure {
  code: FaultCode | RefusalReason;
  message: string;
}

/**
 * What the worker measured of one call's guest code: its half of the per-call report (ModuleCallReport
 * in host-options.ts). For a load, the instance's start function and init.
 */
export interface CallMeasure {
  /** Time inside guest code (alloc and the callback; the start function and init), in ms. */
  wallMs: number;
  /** The instance's linear memory after the call: memory never shrinks, so this is its high water. */
  memoryBytes: number;
  /** Bytes handed to the guest (the batch, the user ID, the config). */
  inputBytes: number;
  /** Bytes of the result the host read. */
  outputBytes: number;
  /** Distinct entries returned: destinations plus indices, or user IDs ("ALL" holds none). */
  entries: number;
}

/**
 * What a worker answers a task with: its Outcome, or, for an interested_users call that succeeded with
 * nothing else to carry (no logs, no sends, no report asked for: WorkerSetup.reports), its value alone,
 * the least for Piscina's structured clone to copy each way (bench/interested-hops.ts). An Outcome is
 * an object that is not an array, so the two never look alike (protocol/reply.ts).
 */
export type Reply<T> = Outcome<T> | InterestResult;

/** What every task resolves to: a task never rejects for a module's fault, only for the worker's death. */
export type Outcome<T> = {
  logs: GuestLog[];
  /** send_local_online_presence_to calls to deliver, each a list of user IDs. */
  sends: string[][];
  /**
   * Fuel the task's guest code used (the load: start and init; a call: alloc and the callback), past the
   * budget when it ran out; null when metering is off or no instance ran.
   */
  fuelUsed: number | null;
  /**
   * Absent when the worker never answered (terminated at a deadline, or dead), never got an instance, or
   * was not asked to measure (WorkerSetup.reports).
   */
  measure?: CallMeasure;
} & ({ ok: true; value: T } | { ok: false; failure: Failure });
