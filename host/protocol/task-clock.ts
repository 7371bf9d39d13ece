/**
 * Where each task's worker records what it is doing and since when, in memory shared with the main
 * thread. Why: a deadline is a main-thread timer, and the main thread can be late (a burst of large
 * batches, a loaded machine). When its timer fires, the pool reads here whether the worker is really still
 * inside the module, and for how long; a module is charged for that, never for time its task spent
 * queued, waiting for a thread, or with its answer on the way back to a busy main thread.
 *
 * One slot per task in flight; the pool hands slots out (claim) and takes them back (release), and the
 * worker is told its slot in the task. A slot is one 64-bit word, so that every change is one atomic
 * compare-and-swap: [29 bits: the task's tag (its id, modulo 2^29) | 3 bits: phase | 32 bits: when the
 * phase started, in ms since the pool's epoch, modulo 2^32]. A worker changes a slot only while it still
 * holds its own task's tag: a worker killed while the slot is handed to the next task cannot write over
 * that task's record (its swap fails). Times are `performance.timeOrigin + performance.now()`, which agree
 * across a process's threads (to well under a millisecond).
 */

/** What a task is doing, in the order a task goes through them. */
export const Phase = {
  /** Claimed by the pool: queued, in transit, or on a thread that is still starting. */
  waiting: 0,
  /** The worker is instantiating the module (and running init) because it had no instance. */
  instantiating: 1,
  /** The worker is inside the callback, or reading what it returned. */
  calling: 2,
  /** The worker is done; the answer is on its way. */
  done: 3,
  /** After a fault: the call has been answered, and the worker builds a fresh instance before its next. */
  reinstantiating: 4,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

const TAG_MASK = (1 << 29) - 1;
const TAG_SHIFT = 35n;
const PHASE_SHIFT = 32n;

/** The worker's view of a task's record: what the clock says, read by the main thread. */
export interface TaskReading {
  phase: Phase;
  /** Milliseconds since the phase started (0 if the worker's clock is a hair ahead of this thread's). */
  elapsedMs: number;
}

export class TaskClock {
  private readonly words: BigUint64Array;
  private readonly free: number[] = [];

  /**
   * @param buffer one 8-byte word per slot, shared with every worker of the pool
   * @param epoch the pool's time origin (shared clock, ms), so a phase's start fits 32 bits
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly epoch: number,
  ) {
    this.words = new BigUint64Array(buffer);
    for (let slot = this.words.length - 1; slot >= 0; slot--) this.free.push(slot);
  }

  static create(slots: number): TaskClock {
    return new TaskClock(new SharedArrayBuffer(8 * slots), sharedNow());
  }

  /** Main thread: a slot for task `id`, marked waiting; -1 if none is free (then the task has no record). */
  claim(id: number): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    Atomics.store(this.words, slot, this.word(id, Phase.waiting));
    return slot;
  }

  /** Main thread: the task has settled; its slot may be handed on. */
  release(slot: number): void {
    if (slot >= 0) this.free.push(slot);
  }

  /** Main thread: the task's record, or undefined if the slot no longer holds this task. */
  read(slot: number, id: number): TaskReading | undefined {
    if (slot < 0) return undefined;
    const word = Atomics.load(this.words, slot);
    if (Number(word >> TAG_SHIFT) !== (id & TAG_MASK)) return undefined;
    const phase = Number((word >> PHASE_SHIFT) & 7n) as Phase;
    const start = Number(word & 0xffffffffn);
    // A signed 32-bit difference: right across the 2^32 wrap, and never negative by clock jitter.
    const elapsedMs = Math.max(0, (this.now() - start) | 0);
    return { phase, elapsedMs };
  }

  /** Worker: task `id` enters `phase` now. Ignored if its slot was handed on (the task was given up). */
  mark(slot: number, id: number, phase: Phase): void {
    if (slot < 0) return;
    const current = Atomics.load(this.words, slot);
    if (Number(current >> TAG_SHIFT) !== (id & TAG_MASK)) return;
    Atomics.compareExchange(this.words, slot, current, this.word(id, phase));
  }

  private word(id: number, phase: Phase): bigint {
    return (BigInt(id & TAG_MASK) << TAG_SHIFT) | (BigInt(phase) << PHASE_SHIFT) | BigInt(this.now());
  }

  /** Now, in whole ms since the epoch, modulo 2^32. */
  private now(): number {
    return Math.floor(sharedNow() - this.epoch) >>> 0;
  }
}

/** Milliseconds since the Unix epoch, on a clock every thread of the process reads alike. */
function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}
