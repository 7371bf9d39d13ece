/**
 * SharedArrayBuffers for encoded batches, reused from call to call: a new SharedArrayBuffer per call cost
 * more than the batch's encoding, and its external memory brings the main thread's collections forward
 * (bench/README.md, Changelog, round 1). A buffer comes back once its call has every module's outcome: by
 * then each worker that read it has copied it into its guest, or its deadline has passed and Piscina has
 * been asked to terminate it. Such a worker may still be reading while the buffer is reused; what it
 * reads then no longer matters, since its outcome has been settled as a timeout without it.
 *
 * What is kept is bounded: at most KEEP_PER_CLASS buffers per size class up to MAX_POOLED_BYTES, about
 * 32 MiB in all; larger batches get a buffer of their own.
 */

/** Smallest buffer handed out; batches of a few states share this class. */
const MIN_BYTES = 4096;
/** Larger batches get a buffer of their own, never kept. */
const MAX_POOLED_BYTES = 4 * 1024 * 1024;
/** Free buffers kept per size class: enough for the calls a host runs at once. */
const KEEP_PER_CLASS = 4;

export class BatchBuffers {
  /** Free buffers by size class: class k holds buffers of MIN_BYTES << k bytes. */
  private readonly free: SharedArrayBuffer[][] = [];

  /** A view of exactly `length` bytes over a shared buffer. */
  acquire(length: number): Uint8Array {
    const k = sizeClass(length);
    const capacity = MIN_BYTES * 2 ** k;
    const buffer = capacity > MAX_POOLED_BYTES ? new SharedArrayBuffer(length) : (this.free[k]?.pop() ?? new SharedArrayBuffer(capacity));
    return new Uint8Array(buffer, 0, length);
  }

  /** Gives the buffer behind `bytes` back; nothing may read it afterwards. */
  release(bytes: Uint8Array): void {
    const buffer = bytes.buffer as SharedArrayBuffer;
    if (buffer.byteLength > MAX_POOLED_BYTES) return;
    const k = sizeClass(buffer.byteLength);
    if (MIN_BYTES * 2 ** k !== buffer.byteLength) return; // not one of ours
    const list = (this.free[k] ??= []);
    if (list.length < KEEP_PER_CLASS) list.push(buffer);
  }
}

/** The smallest k with MIN_BYTES << k >= length. */
function sizeClass(length: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(length, 1) / MIN_BYTES)));
}
