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
import type { CallTask, Failure, Outcome, PhaseMessage, Task, WorkerSetup } from '../protocol/envelopes.js';
import { workerFile } from '../paths.js';
import { Deadline } from './deadline.js';
import { Gate } from './gate.js';

export class ModulePool {
  private readonly pool: Piscina<Task, Outcome<unknown>>;
  /**
   * Tasks go to Piscina only when a thread is free, so a deadline measures the module's own run and not
   * the time spent queued behind its neighbours (a busy pool must not look like a slow module).
   */
  private readonly gate: Gate;
  private nextId = 1;
  /** Deadlines of running call tasks, by task id, moved when the worker reports a phase. */
  private readonly deadlines = new Map<number, Deadline>();
  /**
   * Threads that have started. Fewer than `threads + 1` means a replacement is still booting (after a
   * kill), and a call may wait for it: such a call starts with a boot allowance and asks its worker to report
   * when it really starts, so neither the boot nor a slow neighbour's kill is charged to it.
   */
  private readyWorkers = 0;

  constructor(
    setup: WorkerSetup,
    private readonly limits: SandboxLimits,
  ) {
    this.gate = new Gate(limits.threads);
    this.pool = new Piscina({
      filename: workerFile,
      workerData: setup,
      // One spare thread beyond the `threads` that may run at once (the gate's size): after a deadline
      // kills a thread, the next call runs on the spare, already instantiated, instead of waiting some
      // 35 ms for a new thread to start (bench/README.md, recovery). It costs one idle thread's memory.
      minThreads: limits.threads + 1,
      maxThreads: limits.threads + 1,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      // The JS heap of the thread (decoded results, the module's imports); linear memory is capped in the
      // module itself (admission/memory-cap.ts). Running out ends the thread, reported as memory_limit.
      // The stack bounds the guest's recursion: V8 traps it with a RangeError, reported as stack_overflow,
      // and the thread lives on.
      resourceLimits: { maxOldGenerationSizeMb: limits.max_heap_mb, stackSizeMb: limits.max_stack_mb },
    });
    // A call that lands on a thread without an instance (a replacement after a kill, or after a fault)
    // must first instantiate and init: that part gets the load deadline, the callback the call deadline.
    this.pool.on('message', (message: PhaseMessage) => {
      const deadline = this.deadlines.get(message?.id);
      if (deadline === undefined) return;
      if (message.presenceSandboxPhase === 'instantiating') deadline.reset(this.limits.load_timeout_ms, 'instantiation');
      else if (message.presenceSandboxPhase === 'calling') deadline.reset(this.limits.call_timeout_ms, 'call');
    });
    // Piscina announces a worker once it is ready (the first ones at once) and again when it is gone.
    this.pool.on('workerCreate', () => this.readyWorkers++);
    this.pool.on('workerDestroy', () => this.readyWorkers--);
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
  async load(): Promise<Outcome<unknown>> {
    const ms = this.limits.load_timeout_ms;
    const outcome = await this.run({ id: this.nextId++, kind: 'load' }, false, false);
    if (outcome.ok || outcome.failure.code !== FaultCode.TIMEOUT) return outcome;
    const message = `instantiation and init did not finish within ${ms} ms (sandbox.load_timeout_ms)`;
    return { ...outcome, failure: { code: RefusalReason.LOAD_TIMEOUT, message } };
  }

  /** A callback, under the call deadline (the load deadline for instantiating first, when needed). */
  /** Resolves undefined, without running, when `stillWanted` says no once a thread is free. */
  async call(task: CallTask, stillWanted: () => boolean = () => true): Promise<Outcome<unknown> | undefined> {
    await this.gate.enter();
    if (!stillWanted()) {
      this.gate.leave();
      return undefined;
    }
    return this.run(withId(task, this.nextId++, this.readyWorkers <= this.limits.threads), true, true);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async run(task: Task, movable: boolean, entered: boolean): Promise<Outcome<unknown>> {
    if (!entered) await this.gate.enter();
    const deadline = new Deadline();
    if (movable) this.deadlines.set(task.id, deadline);
    // The clock starts when a thread is free, not while the task waits at the gate. A task that may wait
    // for a booting thread gets the load deadline until its worker reports that the call has started.
    if (!movable) deadline.reset(this.limits.load_timeout_ms, 'load');
    else if (task.reportStart) deadline.reset(this.limits.load_timeout_ms + this.limits.call_timeout_ms, 'thread start');
    else deadline.reset(this.limits.call_timeout_ms, 'call');
    try {
      // Aborting a running task makes Piscina terminate its worker and start a replacement: the only way
      // to stop a guest that never yields.
      return await this.pool.run(task, { signal: deadline.signal });
    } catch (err) {
      const failure = deadline.expiredDuring ? this.timeout(deadline.expiredDuring) : workerDeath(err);
      return { ok: false, failure, logs: [], sends: [] };
    } finally {
      deadline.clear();
      this.deadlines.delete(task.id);
      this.gate.leave();
    }
  }

  private timeout(during: string): Failure {
    const { call_timeout_ms, load_timeout_ms } = this.limits;
    const message =
      during === 'instantiation' || during === 'thread start'
        ? `starting a worker and re-instantiating the module did not finish within ${load_timeout_ms} ms (sandbox.load_timeout_ms); its worker was terminated and replaced`
        : during === 'load'
          ? `did not finish within ${load_timeout_ms} ms (sandbox.load_timeout_ms)`
          : `did not finish within ${call_timeout_ms} ms (sandbox.call_timeout_ms); its worker was terminated and replaced`;
    return { code: FaultCode.TIMEOUT, message };
  }
}

/**
 * The task as Piscina will clone it, written out field by field: an object made by spreading
 * (`{ ...task, id }`) took the structured clone's slow path, about 8 µs more per call (a third of an
 * interested_users call's overhead over a bare Piscina task, bench/README.md).
 */
function withId(task: CallTask, id: number, reportStart: boolean): Task {
  switch (task.kind) {
    case 'users_for_states':
      return { kind: task.kind, batch: task.batch, count: task.count, id, reportStart };
    case 'users_for_states_batch':
      return { kind: task.kind, batch: task.batch, maxStates: task.maxStates, id, reportStart };
    default:
      return { kind: task.kind, userId: task.userId, id, reportStart };
  }
}

function workerDeath(err: unknown): Failure {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: FaultCode.MEMORY_LIMIT, message: `worker thread ran out of JS heap (sandbox.max_heap_mb): ${e.message}` };
  }
  return { code: FaultCode.WORKER_CRASH, message: `worker died: ${e?.message ?? String(err)}` };
}
