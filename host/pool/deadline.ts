/**
 * A task's deadline, and the abort signal Piscina watches. The clock can be moved: a task's budget
 * changes when it turns out to need a thread start or an instantiation first.
 *
 * Not an AbortController: creating one and letting Piscina listen to its EventTarget costs about 20 µs
 * per call, most of an interested_users call's overhead (bench/README.md). Piscina accepts any object
 * with `aborted`, `reason` and add/removeEventListener('abort'), which this is, for a few hundred ns.
 */
type Listener = () => void;

export class Deadline {
  aborted = false;
  reason: Error | undefined;
  /** What the task was doing when the deadline passed. */
  expiredDuring: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private during = '';
  private listener: Listener | undefined;

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
    this.timer = setTimeout(() => this.expire(), ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private expire(): void {
    this.expiredDuring = this.during;
    this.aborted = true;
    this.reason = new Error(`deadline passed during ${this.during}`);
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}
