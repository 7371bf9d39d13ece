/**
 * Where each task's worker records what it is doing and since when, in memory shared with the main
 * thread. Why: a deadline is a main-thread timer, and the main thread can be late (a burst of large
 * batches, a loaded machine). When its timer fires, the pool reads here whether the worker is really still
 * inside the module, and for how long; a module is charged for that, never for time its task spent
 * queued, waiting for a thread, or with its answer on the way back to a busy main thread.
 *
 * One slot per task in flight; the pool hands slots out (claim) and takes them back (release), and the
 * worker is told its slot in the task. A slot is two Int32 words: [the task's tag (its id, modulo 2^28)
 * << 3 | phase] and [when the phase started, in ms since the pool's epoch, modulo 2^32]. A worker changes
 * its slot only by compare-and-swap on the first word while it still holds its own task's tag, locking it
 * (phase `busy`) while it writes the second: a worker killed while its slot is handed to the next task
 * cannot write over that task's phase (its swap fails). Times are `performance.timeOrigin +
 * performance.now()`, which agree across a process's threads (to well under a millisecond). Int32 words,
 * not one BigInt64 word: a BigInt per write cost more than the rest of the record (bench/README.md, Changelog).
 */

/** What a task is doing, in the order a task goes through them. */
export const Phase = {
  /** Claimed by the pool: queued, in transit, or on a thread that is still starting. */
  waiting: 0,
  /** The worker is instantiating the module (and running init) because it had no instance. */
  instantiating: 1,
  /**
   * The binary wire: the worker checks and deduplicates the caller's batch before the guest sees it
   * (wire/read-batch.ts). The host's own work, on the caller's bytes: not charged to the module's call.
   */
  checking: 2,
  /** The worker is inside the callback, or reading what it returned. */
  calling: 3,
  /** The worker is done; the answer is on its way. */
  done: 4,
  /** After a fault: the call has been answered, and the worker builds a fresh instance before its next. */
  reinstantiating: 5,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

const TAG_MASK = (1 << 28) - 1;
/** A worker is writing the slot; the reader looks again a moment later. */
const BUSY = 7;

/** The worker's view of a task's record: what the clock says, read by the main thread. */
export interface TaskReading {
  /** `undefined` while the worker is writing it (a few ns): read again shortly. */
  phase: Phase | undefined;
  /** Milliseconds since the phase started (0 if the worker's clock is a hair ahead of this thread's). */
  elapsedMs: number;
}

export class TaskClock {
  private readonly words: Int32Array;
  private readonly free: number[] = [];

  /**
   * @param buffer two Int32 words per slot, shared with every worker of the pool
   * @param epoch the pool's time origin (shared clock, ms), so a phase's start fits 32 bits
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly epoch: number,
  ) {
    this.words = new Int32Array(buffer);
    for (let slot = this.words.length / 2 - 1; slot >= 0; slot--) this.free.push(slot);
  }

  static create(slots: number): TaskClock {
    return new TaskClock(new SharedArrayBuffer(8 * slots), sharedNow());
  }

  /** Main thread: a slot for task `id`, marked waiting; -1 if none is free (then the task has no record). */
  claim(id: number): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    Atomics.store(this.words, 2 * slot, ((id & TAG_MASK) << 3) | Phase.waiting);
    return slot;
  }

  /** Main thread: the task has settled; its slot may be handed on. */
  release(slot: number): void {
    if (slot >= 0) this.free.push(slot);
  }

  /** Main thread: the task's record, or undefined if the slot does not hold this task. */
  read(slot: number, id: number): TaskReading | undefined {
    if (slot < 0) return undefined;
    const head = Atomics.load(this.words, 2 * slot);
    if (head >>> 3 !== (id & TAG_MASK)) return undefined;
    const start = Atomics.load(this.words, 2 * slot + 1);
    const phase = head & 7;
    if (phase === BUSY || Atomics.load(this.words, 2 * slot) !== head) return { phase: undefined, elapsedMs: 0 };
    // A signed 32-bit difference: right across the 2^32 wrap, and never negative by clock jitter.
    return { phase: phase as Phase, elapsedMs: Math.max(0, (this.now() - start) | 0) };
  }

  /**
   * Worker: task `id` enters `phase` now. Ignored if its slot was handed on (the task was given up).
   * `done` records no time (nothing is timed after it), which spares a clock read per call.
   */
  mark(slot: number, id: number, phase: Phase): void {
    if (slot < 0) return;
    const head = Atomics.load(this.words, 2 * slot);
    const tag = (id & TAG_MASK) << 3;
    if ((head & ~7) !== tag || (head & 7) === BUSY) return;
    if (phase === Phase.done) {
      Atomics.compareExchange(this.words, 2 * slot, head, tag | phase);
      return;
    }
    if (Atomics.compareExchange(this.words, 2 * slot, head, tag | BUSY) !== head) return;
    Atomics.store(this.words, 2 * slot + 1, this.now());
    Atomics.compareExchange(this.words, 2 * slot, tag | BUSY, tag | phase);
  }

  /** Now, in whole ms since the epoch, modulo 2^32 (as an Int32). */
  private now(): number {
    return Math.floor(sharedNow() - this.epoch) | 0;
  }
}

/** This thread's time origin: read once, the getter costs about as much as performance.now() itself. */
const origin = performance.timeOrigin;

/** Milliseconds since the Unix epoch, on a clock every thread of the process reads alike. */
function sharedNow(): number {
  return origin + performance.now();
}
