/**
 * Which batch indices each destination of a result already holds, so that a repeated index costs one
 * comparison and is never stored or sent to the main thread. One mark per batch index: index i is held
 * by the destination whose stamp is in marks[i]. Stamps only grow, so the array is reused from call to
 * call without clearing (a worker reads results one at a time); it is as long as the largest batch seen,
 * which max_batch_states bounds.
 */
export class IndexMarks {
  private marks = new Uint32Array(0);
  private next = 1;

  /** Before a result over a batch of `count` states with at most `destinations` destinations. */
  begin(count: number, destinations: number): void {
    if (this.marks.length < count) {
      this.marks = new Uint32Array(count);
      this.next = 1;
    } else if (this.next + destinations >= 0xffffffff) {
      this.marks.fill(0);
      this.next = 1;
    }
  }

  /** A stamp for one destination, distinct from every stamp still in the marks. */
  stamp(): number {
    return this.next++;
  }

  /** True the first time `index` (< count) is added under `stamp`. */
  add(stamp: number, index: number): boolean {
    if (this.marks[index] === stamp) return false;
    this.marks[index] = stamp;
    return true;
  }
}
