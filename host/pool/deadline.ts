/**
 * Tasks' deadlines, and the abort signal Piscina watches. When a task is due, its deadline first asks its
 * `recheck` (the pool, reading the worker's own record of the task, task-clock.ts): the timer is a
 * main-thread timer and may fire late or early relative to what the worker really did, so the verdict
 * is the worker's: wait longer (the task started later than the timer, or is done and its answer is on
 * its way) or expire now.
 *
 * One timer per pool (`Deadlines`), not one per task: a timer armed and cleared on every call was a
 * measurable share of an interested_users call's cost over a bare Piscina task (bench/interested-hops.ts).
 * The pool's timer is armed for the earliest task due and, when it fires, looks at every task due then.
 *
 * Not an AbortController, which costs far more per call (bench/README.md, Changelog): Piscina accepts any
 * object with `aborted`, `reason` and add/removeEventListener('abort'), which a `Deadline` is.
 */
type Listener = () => void;

/** `more` ms still owed to the task (Infinity: stop watching, the answer is coming), or 0: expire `during`. */
export interface Verdict {
  more: number;
  during: string;
}

export class Deadline {
  aborted = false;
  reason: Error | undefined;
  /** What the task was doing when the deadline passed. */
  expiredDuring: string | undefined;
  /** When to look at the task next (performance.now() ms). */
  due: number;
  private listener: Listener | undefined;

  constructor(
    ms: number,
    private during: string,
    private readonly recheck?: () => Verdict,
  ) {
    this.due = performance.now() + ms;
  }

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

  /** The task is due: expire it, or say how many more ms it gets (undefined: stop watching it). */
  look(): number | undefined {
    const verdict = this.recheck?.();
    if (verdict === undefined || verdict.more <= 0) {
      this.expire(verdict?.during ?? this.during);
      return undefined;
    }
    if (verdict.more === Infinity) return undefined;
    this.during = verdict.during;
    return verdict.more;
  }

  private expire(during: string): void {
    this.during = during;
    this.expiredDuring = during;
    this.aborted = true;
    this.reason = new Error(`deadline passed during ${during}`);
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}

/** A pool's deadlines under one timer. */
export class Deadlines {
  private readonly live = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() ms); Infinity when none is armed. */
  private armedFor = Infinity;

  /** A deadline `ms` from now, for the named phase, watched until `drop`. */
  watch(ms: number, during: string, recheck?: () => Verdict): Deadline {
    const deadline = new Deadline(ms, during, recheck);
    this.live.add(deadline);
    if (deadline.due < this.armedFor) this.arm(deadline.due);
    // The timer keeps the process alive only while a task is watched (as a timer per task did).
    else if (this.live.size === 1) this.timer?.ref();
    return deadline;
  }

  /** The task is settled: no more looks. The timer stays armed (its next look finds nothing to do). */
  drop(deadline: Deadline): void {
    this.live.delete(deadline);
    if (this.live.size === 0) this.timer?.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.live.clear();
  }

  private arm(due: number): void {
    clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(due - performance.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const deadline of this.live) {
      if (deadline.due <= now) {
        const more = deadline.look();
        if (more === undefined) {
          this.live.delete(deadline);
          continue;
        }
        deadline.due = now + more;
      }
      next = Math.min(next, deadline.due);
    }
    if (next !== Infinity) this.arm(next);
  }
}
