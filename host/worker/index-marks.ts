/**
 * Which batch indices each destination of one result already holds, so that a repeated index costs one
 * comparison and is never stored or sent to the main thread. One mark per batch index: index i is held
 * by the destination whose stamp is in marks[i]. A repeated destination key keeps its first stamp, so
 * repeats across keys collapse too. Made per result (not kept between calls: no module-level state), and
 * only once the result names an index.
 */
export class IndexMarks {
  private marks: Uint32Array | undefined;
  private next = 1;

  constructor(private readonly count: number) {}

  /** A stamp for one destination, distinct from every other destination's. */
  stamp(): number {
    return this.next++;
  }

  /** True the first time `index` (< count) is added under `stamp`. */
  add(stamp: number, index: number): boolean {
    const marks = (this.marks ??= new Uint32Array(this.count));
    if (marks[index] === stamp) return false;
    marks[index] = stamp;
    return true;
  }
}
