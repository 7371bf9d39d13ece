/**
 * The harness: plain closed loops, a warm-up before every measurement, one definition of throughput for
 * every system (operations completed over wall time) and, for async operations, every operation's latency.
 *
 * Why not tinybench's task loop: its throughput is the mean of per-iteration 1/latency, which is not the
 * rate a pool reaches with several calls in flight, and several calls in flight is the point of a pool.
 */
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Wall-clock milliseconds spent in the warm-up and in the measurement. */
  warmupMs: number;
  timeMs: number;
}

export interface Throughput {
  ops: number;
  seconds: number;
  opsPerSec: number;
}

export interface LoopResult extends Throughput {
  /** Every operation's latency in ms, in completion order. */
  latencies: number[];
}

/**
 * A synchronous operation in a tight loop. The clock is read once per round of `k` operations, with `k`
 * grown until a round takes about 1 ms (even with no warm-up, as in an interleaved round), so reading
 * the clock does not count against operations of 100 ns.
 */
export function syncLoop(fn: () => unknown, timing: Timing): Throughput {
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    if (performance.now() - t0 >= 1 || k >= 1 << 20) break;
    k *= 2;
  }
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) for (let i = 0; i < k; i++) fn();
  let ops = 0;
  const start = performance.now();
  const end = start + timing.timeMs;
  let now = start;
  while (now < end) {
    for (let i = 0; i < k; i++) fn();
    ops += k;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { ops, seconds, opsPerSec: ops / seconds };
}

/**
 * `concurrency` callers, each awaiting `fn` again as soon as it resolves, first for the warm-up (not
 * recorded) and then for the measurement; the measurement ends when the last call started before the
 * deadline resolves.
 */
export async function closedLoop(fn: () => Promise<unknown>, concurrency: number, timing: Timing): Promise<LoopResult> {
  if (timing.warmupMs > 0) await drive(fn, concurrency, timing.warmupMs, null);
  const latencies: number[] = [];
  const start = performance.now();
  await drive(fn, concurrency, timing.timeMs, latencies);
  const seconds = (performance.now() - start) / 1000;
  return { ops: latencies.length, seconds, opsPerSec: latencies.length / seconds, latencies };
}

async function drive(fn: () => Promise<unknown>, concurrency: number, ms: number, latencies: number[] | null): Promise<void> {
  const end = performance.now() + ms;
  const caller = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await fn();
      latencies?.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
}

/** The q-quantile (0..1) of `values`, linearly interpolated; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

