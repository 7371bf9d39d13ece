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
import type { AnswerMessage, CallTask, Failure, Outcome, Reply, Task, WorkerSetup } from '../protocol/envelopes.js';
import { outcomeOf } from '../protocol/reply.js';
import { Phase, TaskClock } from '../protocol/task-clock.js';
import { workerFile } from '../paths.js';
import { Deadlines, type Verdict } from './deadline.js';
import { Gate } from './gate.js';

export class ModulePool {
  private readonly pool: Piscina<Task, Reply<unknown>>;
  /**
   * Tasks go to Piscina only when one of `threads` is free, so the spare thread stays spare (see below) and
   * a quarantined callback's waiting calls can be skipped before they run.
   */
  private readonly gate: Gate;
  private nextId = 1;
  /** Each task's record, written by the worker that runs it: what its deadline is judged on. */
  private readonly clock: TaskClock;
  /** How to answer each task Piscina holds, by id: a faulted task's worker answers early (see below). */
  private readonly answers = new Map<number, (outcome: Outcome<unknown>) => void>();
  private readonly deadlines = new Deadlines();

  constructor(
    setup: Omit<WorkerSetup, 'clock'>,
    private readonly limits: SandboxLimits,
  ) {
    this.gate = new Gate(limits.threads);
    // Tasks in Piscina at once: at most `threads` passed the gate, plus one per thread finishing a faulted
    // task (re-instantiating after its early answer).
    this.clock = TaskClock.create(2 * limits.threads + 2);
    this.pool = new Piscina({
      filename: workerFile,
      workerData: { ...setup, clock: { buffer: this.clock.buffer, epoch: this.clock.epoch } } satisfies WorkerSetup,
      // One spare thread beyond the `threads` that may run at once (the gate's size): after a deadline
      // kills a thread, or while a thread re-instantiates after a fault, the next call runs on the spare,
      // which instantiated the module before it was ready (worker.ts), instead of waiting for a thread to
      // start or instantiate (bench/README.md, recovery). It costs one idle thread's memory.
      minThreads: limits.threads + 1,
      maxThreads: limits.threads + 1,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      // Piscina's run and wait histograms, which nothing reads: two clock reads in the worker and three
      // histogram records here per task (bench/interested-hops.ts).
      recordTiming: false,
      // The JS heap of the thread (decoded results, the module's imports); linear memory is capped in the
      // module itself (admission/memory-cap.ts). Running out ends the thread, reported as memory_limit.
      // The stack bounds the guest's recursion: V8 traps it with a RangeError, reported as stack_overflow,
      // and the thread lives on.
      resourceLimits: { maxOldGenerationSizeMb: limits.max_heap_mb, stackSizeMb: limits.max_stack_mb },
    });
    // A worker that faulted answers at once, on its parentPort, and only then builds a fresh instance
    // before it takes another task (worker.ts): the call is not kept waiting for that.
    this.pool.on('message', (message: AnswerMessage) => {
      // The task's deadline stays: it now watches the re-instantiation, under the load deadline.
      this.answers.get(message?.presenceSandboxAnswer)?.(message.outcome);
    });
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
    await this.gate.enter();
    const id = this.nextId++;
    const outcome = await this.run({ id, slot: this.clock.claim(id), kind: 'load' });
    if (outcome.ok || outcome.failure.code !== FaultCode.TIMEOUT) return outcome;
    const message = `instantiation and init did not finish within ${ms} ms (sandbox.load_timeout_ms)`;
    return { ...outcome, failure: { code: RefusalReason.LOAD_TIMEOUT, message } };
  }

  /**
   * A callback, under the call deadline, counted from when its worker starts it (the load deadline for
   * instantiating first, when needed). Resolves undefined, without running, when `stillWanted` says no
   * once a thread is free.
   */
  call(task: CallTask, stillWanted: () => boolean = () => true): Promise<Outcome<unknown> | undefined> {
    // A free thread: straight on, without a promise hop for the gate (bench/interested-hops.ts).
    if (this.gate.tryEnter()) return this.start(task, stillWanted);
    return this.gate.enter().then(() => this.start(task, stillWanted));
  }

  close(): Promise<void> {
    this.deadlines.close();
    return this.pool.destroy();
  }

  /** A task through the gate: runs it, unless it is no longer wanted. */
  private start(task: CallTask, stillWanted: () => boolean): Promise<Outcome<unknown> | undefined> {
    if (!stillWanted()) {
      this.gate.leave();
      return Promise.resolve(undefined);
    }
    const id = this.nextId++;
    return this.run(withId(task, id, this.clock.claim(id)));
  }

  /** Runs a task that has passed the gate; leaves the gate when the task is answered. */
  private run(task: Task): Promise<Outcome<unknown>> {
    const { id, slot } = task;
    // How long the task may have waited to start, counted in timer periods (the first is the call
    // deadline): a main-thread stall is not counted, which only makes the bound more lenient, and it
    // spares a clock read per call.
    const waited = { ms: this.limits.call_timeout_ms };
    // A first look when the budget would be spent had the task started at once; the verdict then
    // follows the worker's own record of when it started.
    const load = task.kind === 'load';
    const deadline = this.deadlines.watch(load ? this.limits.load_timeout_ms : this.limits.call_timeout_ms, load ? 'load' : 'call', () => this.verdict(task, waited));
    return new Promise((resolve) => {
      let answered = false;
      const answer = (outcome: Outcome<unknown>) => {
        if (answered) return;
        answered = true;
        this.gate.leave();
        resolve(outcome);
      };
      // Piscina's answer, or the worker's death, settles the task; its early answer (a fault) may have
      // answered the call already.
      const settle = (outcome: Outcome<unknown>) => {
        this.deadlines.drop(deadline);
        this.answers.delete(id);
        this.clock.release(slot);
        answer(outcome);
      };
      this.answers.set(id, answer);
      // Aborting a running task makes Piscina terminate its worker and start a replacement: the only way
      // to stop a guest that never yields.
      this.pool.run(task, { signal: deadline.signal }).then((reply) => settle(outcomeOf(reply)), (err: unknown) => {
        const failure = deadline.expiredDuring ? this.timeout(deadline.expiredDuring) : workerDeath(err);
        settle({ ok: false, failure, logs: [], sends: [], fuelUsed: null });
      });
    });
  }

  /**
   * When a task's timer fires: how much longer it may run, judged by what its worker recorded. Only a
   * worker still inside the module, past its budget counted from its own start, is stopped (or one still
   * checking a wire batch, past the load deadline). A task that
   * has not started (queued, in transit, on a thread still starting) is not charged, up to the load
   * deadline plus the call deadline; a task whose worker is done is never stopped (its answer is coming).
   */
  private verdict(task: Task, waited: { ms: number }): Verdict {
    const { call_timeout_ms: call, load_timeout_ms: load } = this.limits;
    const reading = this.clock.read(task.slot, task.id);
    // No record (no slot was free): the deadline is the timer's, as it counts from dispatch.
    if (reading === undefined) return { more: 0, during: task.kind === 'load' ? 'load' : 'call' };
    // The worker is writing its record at this very moment: look again shortly.
    if (reading.phase === undefined) return { more: 1, during: 'call' };
    if (reading.phase === Phase.done) return { more: Infinity, during: 'done' };
    // Admission: the thread's start and instantiation included, all within the load deadline (the
    // first timer is the whole of it).
    if (task.kind === 'load') return { more: 0, during: 'load' };
    switch (reading.phase) {
      case Phase.waiting: {
        const more = Math.min(call, load + call - waited.ms);
        waited.ms += Math.max(more, 0);
        return { more, during: 'thread start' };
      }
      case Phase.instantiating:
        return { more: load - reading.elapsedMs, during: 'instantiation' };
      case Phase.reinstantiating:
        return { more: load - reading.elapsedMs, during: 'reinstantiation' };
      // The host's check of a wire batch (bounded by the body cap and max_batch_states): the module's
      // call budget starts when the guest does, as for every other call; the check is held to the load's.
      case Phase.checking:
        return { more: load - reading.elapsedMs, during: 'batch check' };
      default:
        return { more: call - reading.elapsedMs, during: 'call' };
    }
  }

  private timeout(during: string): Failure {
    const { call_timeout_ms, load_timeout_ms } = this.limits;
    const message =
      during === 'instantiation' || during === 'thread start' || during === 'reinstantiation'
        ? `starting a worker and re-instantiating the module did not finish within ${load_timeout_ms} ms (sandbox.load_timeout_ms); its worker was terminated and replaced`
        : during === 'load'
          ? `did not finish within ${load_timeout_ms} ms (sandbox.load_timeout_ms)`
          : during === 'batch check'
            ? `checking the caller's batch did not finish within ${load_timeout_ms} ms (sandbox.load_timeout_ms); its worker was terminated and replaced`
          : `did not finish within ${call_timeout_ms} ms (sandbox.call_timeout_ms); its worker was terminated and replaced`;
    return { code: FaultCode.TIMEOUT, message };
  }
}

/**
 * The task as Piscina will clone it, written out field by field: an object made by spreading takes the
 * structured clone's slow path (bench/interested-hops.ts; bench/README.md, Changelog).
 */
function withId(task: CallTask, id: number, slot: number): Task {
  switch (task.kind) {
    case 'users_for_states':
      return { kind: task.kind, batch: task.batch, count: task.count, id, slot };
    case 'users_for_states_batch':
      return { kind: task.kind, batch: task.batch, maxStates: task.maxStates, fields: task.fields, id, slot };
    default:
      return { kind: task.kind, userId: task.userId, id, slot };
  }
}

function workerDeath(err: unknown): Failure {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: FaultCode.MEMORY_LIMIT, message: `worker thread ran out of JS heap (sandbox.max_heap_mb): ${e.message}` };
  }
  return { code: FaultCode.WORKER_CRASH, message: `worker died: ${e?.message ?? String(err)}` };
}
