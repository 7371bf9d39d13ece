/** An abort deadline that can be moved: a task's budget changes when it turns out to need instantiation. */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private during = '';
  /** What the task was doing when the deadline passed. */
  expiredDuring: string | undefined;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Start, or restart, the clock: `ms` from now, for the named phase. */
  reset(ms: number, during: string): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.during = during;
    this.timer = this.arm(ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private arm(ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      this.expiredDuring = this.during;
      this.controller.abort();
    }, ms);
  }
}
