/** A counting semaphore with a FIFO queue: at most `size` holders at once. */
export class Gate {
  private holders = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly size: number) {}

  get active(): number {
    return this.holders;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Takes a slot if one is free, at once. */
  tryEnter(): boolean {
    if (this.holders >= this.size) return false;
    this.holders++;
    return true;
  }

  enter(): Promise<void> {
    if (this.holders < this.size) {
      this.holders++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** Hands the slot straight to the next waiter, so holders never exceeds size. */
  leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.holders--;
  }
}
