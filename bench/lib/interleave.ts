/**
 * Ratios that hold still on a shared machine: the systems a ratio compares run in turn, round after round
 * (A, B, A, B ...) in one process, and the ratio is the median of the rounds' own ratios, with its spread.
 * Why: timed in phases of their own, two systems are two moments of a machine whose load comes and goes,
 * and their ratios swung from run to run (bench/README.md, Changelog); a round's ratio compares one moment.
 */
import type { Options, Reporter } from './question.js';

/** A per-round figure's median and spread: min, max, and the quartiles. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  rounds: number;
}

/** One round of a system: measures for `timeMs` and returns its figure (states/s, a p50, ...). */
export type Round<T = number> = (timeMs: number) => T | Promise<T>;

/**
 * How many rounds and how long each, quick or full: enough rounds for a median that two runs agree on,
 * after a warm-up of each system long enough for its JIT (a fresh host's first calls are slower).
 */
export function roundsOf(opts: Options): { rounds: number; roundMs: number; warmupMs: number } {
  return opts.quick ? { rounds: 5, roundMs: 150, warmupMs: 200 } : { rounds: 9, roundMs: 500, warmupMs: 1000 };
}

/**
 * Runs every system once to warm it, then `rounds` rounds of each in turn; collects before each round,
 * so no system pays for another's garbage. Returns each system's figures, round by round.
 */
export async function interleave<K extends string, T = number>(opts: Options, systems: Record<K, Round<T>>, onRound?: (round: number) => void): Promise<Record<K, T[]>> {
  const { rounds, roundMs, warmupMs } = roundsOf(opts);
  const names = Object.keys(systems) as K[];
  const out = Object.fromEntries(names.map((k) => [k, [] as T[]])) as Record<K, T[]>;
  for (const k of names) await systems[k](warmupMs);
  for (let r = 0; r < rounds; r++) {
    onRound?.(r);
    for (const k of names) {
      collect();
      out[k].push(await systems[k](roundMs));
    }
  }
  return out;
}

/** Each round's a ÷ b, summarised. */
export function ratioOf(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x / b[i]!));
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
  };
  return { median: at(0.5), min: sorted[0]!, max: sorted.at(-1)!, q1: at(0.25), q3: at(0.75), rounds: sorted.length };
}

/**
 * Records a ratio as a case of system `ratio`, which bench/run.ts reads by `params.ratio`: the median of
 * the rounds' ratios and its spread.
 */
export function recordRatio(report: Reporter, ratio: string, what: string, s: Spread, params: Record<string, string | number> = {}): void {
  report.record('ratio', `${ratio}: ${what}`, { ratio, ...params }, { ratio: s.median, min: s.min, q1: s.q1, q3: s.q3, max: s.max, rounds: s.rounds });
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
