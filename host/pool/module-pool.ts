/**
 * One Piscina pool per module.
 *
 * Why not one shared pool: a deadline is enforced by terminating the worker that runs the late call.
 * In a shared pool every worker would hold an instance of every module, so one module's infinite loop
 * would also throw away every other module's instance and stall them while they re-initialise. With a
 * pool per module, a kill only costs the faulting module, per-module limits (threads, deadlines, heap)
 * map directly onto pool options, and each worker instantiates exactly one module. The price is a few
 * more idle threads, which cost memory, not CPU.
 */
import { Piscina } from 'piscina';
import { FaultCode, RefusalReason } from '../errors.js';
import type { SandboxLimits } from '../config/schema.js';
import type { Failure, Outcome, Task, WorkerSetup } from '../protocol/envelopes.js';
import { workerFile } from '../paths.js';
import { Gate } from './gate.js';

export class ModulePool {
  private readonly pool: Piscina<Task, Outcome<unknown>>;
  /**
   * Tasks go to Piscina only when a thread is free, so a deadline measures the module's own run and not
   * the time spent queued behind its neighbours (a busy pool must not look like a slow module).
   */
  private readonly gate: Gate;
  /**
   * Workers created but not yet known to hold an instance. While there are any, a call may land on one
   * and pay for instantiation and init first, so its deadline is the call deadline plus the load
   * deadline; a module's slow init must not make its first call after a kill time out forever.
   */
  private coldWorkers = 0;

  constructor(
    setup: WorkerSetup,
    private readonly limits: SandboxLimits,
  ) {
    this.gate = new Gate(limits.threads);
    this.pool = new Piscina({
      filename: workerFile,
      workerData: setup,
      minThreads: limits.threads,
      maxThreads: limits.threads,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      // The JS heap of the thread (decoded results, the module's imports); linear memory is capped in the
      // module itself (admission/memory-cap.ts). Running out ends the thread, reported as memory_limit.
      resourceLimits: { maxOldGenerationSizeMb: limits.max_heap_mb },
    });
    this.pool.on('workerCreate', () => this.coldWorkers++);
    // A worker that dies between tasks is replaced by Piscina; nothing is waiting on it.
    this.pool.on('error', () => {});
  }

  /** Tasks waiting for a free thread. */
  get queued(): number {
    return this.gate.waiting;
  }

  /** Tasks running now. */
  get running(): number {
    return this.gate.active;
  }

  get threads(): number {
    return this.limits.threads;
  }

  /** Instantiate and init in a worker, under the load deadline. */
  load(announce: boolean): Promise<Outcome<unknown>> {
    const ms = this.limits.load_timeout_ms;
    const timeout = { code: RefusalReason.LOAD_TIMEOUT, message: `instantiation and init did not finish within ${ms} ms (sandbox.load_timeout_ms)` };
    return this.run({ kind: 'load', announce }, () => ms, timeout);
  }

  /** A callback, under the call deadline (plus the load deadline while a cold worker may take it). */
  call(task: Task): Promise<Outcome<unknown>> {
    const deadline = () => this.limits.call_timeout_ms + (this.coldWorkers > 0 ? this.limits.load_timeout_ms : 0);
    const timeout = { code: FaultCode.TIMEOUT, message: `did not finish within ${this.limits.call_timeout_ms} ms (sandbox.call_timeout_ms); its worker was terminated and replaced` };
    return this.run(task, deadline, timeout);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async run(task: Task, deadline: () => number, timeout: Failure): Promise<Outcome<unknown>> {
    await this.gate.enter();
    // Aborting a running task makes Piscina terminate its worker and start a replacement: the only way
    // to stop a guest that never yields.
    const signal = AbortSignal.timeout(deadline());
    try {
      const outcome = await this.pool.run(task, { signal });
      if (outcome.instantiated && this.coldWorkers > 0) this.coldWorkers--;
      return outcome;
    } catch (err) {
      const failure = signal.aborted ? timeout : workerDeath(err);
      return { ok: false, failure, logs: [], sends: [], instantiated: false };
    } finally {
      this.gate.leave();
    }
  }
}

function workerDeath(err: unknown): Failure {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: FaultCode.MEMORY_LIMIT, message: `worker thread ran out of JS heap (sandbox.max_heap_mb): ${e.message}` };
  }
  return { code: FaultCode.WORKER_CRASH, message: `worker died: ${e?.message ?? String(err)}` };
}
