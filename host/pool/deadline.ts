/**
 * A task's deadline, and the abort signal Piscina watches. When the timer fires, the deadline first asks
 * its `recheck` (the pool, reading the worker's own record of the task, task-clock.ts): the timer is a
 * main-thread timer and may fire late or early relative to what the worker really did, so the verdict
 * is the worker's: wait longer (the task started later than the timer, or is done and its answer is on
 * its way) or expire now.
 *
 * Not an AbortController: creating one and letting Piscina listen to its EventTarget costs about 20 µs
 * per call, most of an interested_users call's overhead (bench/README.md). Piscina accepts any object
 * with `aborted`, `reason` and add/removeEventListener('abort'), which this is, for a few hundred ns.
 */
type Listener = () => void;

/** `more` ms still owed to the task (Infinity: no timer, the answer is coming), or 0: expire `during`. */
export interface Verdict {
  more: number;
  during: string;
}

export class Deadline {
  aborted = false;
  reason: Error | undefined;
  /** What the task was doing when the deadline passed. */
  expiredDuring: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private during = '';
  private listener: Listener | undefined;

  constructor(private readonly recheck?: () => Verdict) {}

  /** The object to pass as Piscina's `signal`. */
  get signal(): this {
    return this;
  }

  addEventListener(_type: 'abort', listener: Listener): void {
    this.listener = listener;
  }

  removeEventListener(_type: 'abort', listener: Listener): void {
    if (this.listener === listener) this.listener = undefined;
  }

  /** Start, or restart, the clock: `ms` from now, for the named phase. */
  reset(ms: number, during: string): void {
    if (this.aborted) return;
    clearTimeout(this.timer);
    this.during = during;
    this.timer = setTimeout(() => this.fire(), ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private fire(): void {
    const verdict = this.recheck?.();
    if (verdict === undefined || verdict.more <= 0) return this.expire(verdict?.during ?? this.during);
    if (verdict.more !== Infinity) this.reset(verdict.more, verdict.during);
  }

  private expire(during: string): void {
    this.during = during;
    this.expiredDuring = this.during;
    this.aborted = true;
    this.reason = new Error(`deadline passed during ${this.during}`);
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}
