/**
 * One target, checked: both properties through fast-check (shrinking any failure, then minimising it
 * with host/consistency/minimise.ts), then, if both hold, the precision figure, whose large batches are
 * checked for batch independence too. Deterministic for a given seed: generation comes only from
 * fast-check's seeded generator, and module answers only from config and input (docs/abi.md).
 */
import fc from 'fast-check';
import type { UserPresenceState } from '../presence.js';
import { batchArbitrary } from './arbitraries.js';
import { userPool, type UserPool } from './config-users.js';
import { measurePrecision, type PrecisionFinding } from './precision.js';
import { minimise } from './minimise.js';
import { ConsistencyViolation, consistencyProperty, type PropertyName, type Violation } from './properties.js';
import type { Subject } from './subject.js';

export const PROPERTIES: readonly PropertyName[] = ['soundness', 'batch_independence'];

/** Runs per property and target when the operator does not say (`check --runs`). */
export const DEFAULT_RUNS = 200;

export interface CheckOptions {
  /** Runs per property. */
  runs: number;
  /** fast-check seed; without it, fast-check's global configuration decides. */
  seed?: number;
}

/** A property that failed, with its minimal counterexample and how to get it again. */
export interface Failure {
  violation: Violation;
  /** The minimised batch: every state needed, every field as plain as the failure allows. */
  batch: UserPresenceState[];
  /** What the failure needs ("fails from 21 states up", "needs two states of the same user"). */
  causes: string[];
  seed: number;
  /** fast-check's path to the counterexample (its `path` parameter); absent when precision's batches found it. */
  path?: string;
  numShrinks: number;
  /** Candidate batches the minimiser checked after fast-check's shrinking. */
  tries: number;
}

export interface TargetReport {
  subject: Subject;
  pool: UserPool;
  runs: number;
  failures: Failure[];
  /** Measured only when both properties hold. */
  precision: PrecisionFinding[];
}

export async function checkTarget(subject: Subject, options: CheckOptions): Promise<TargetReport> {
  const pool = userPool(...subject.target.modules.map((m) => m.config));
  const batches = batchArbitrary(pool);
  const failures: Failure[] = [];
  // The seed of the run, for a failure precision's batches find (fast-check draws one when none is given).
  let seed = options.seed ?? 0;
  for (const name of PROPERTIES) {
    const params = options.seed === undefined ? { numRuns: options.runs } : { numRuns: options.runs, seed: options.seed };
    const details = await fc.check(consistencyProperty(name, subject, batches), params);
    seed = details.seed;
    if (!details.failed) continue;
    const error = details.errorInstance;
    if (!(error instanceof ConsistencyViolation)) {
      // Not a finding about the module (the host refused the call, say): report it as the error it is.
      throw error instanceof Error ? error : new Error(`${subject.label}: ${name} check failed: ${String(error)}`);
    }
    failures.push({
      ...(await minimise(name, subject, pool, details.counterexample![0], error.violation)),
      seed: details.seed,
      path: details.counterexamplePath!,
      numShrinks: details.numShrinks,
    });
  }
  if (failures.length > 0) return { subject, pool, runs: options.runs, failures, precision: [] };
  const measured = await measurePrecision(subject, pool);
  if (measured.dependence) {
    const { batch, violation } = measured.dependence;
    const minimised = await minimise('batch_independence', subject, pool, batch, violation);
    failures.push({ ...minimised, seed, numShrinks: 0 });
    return { subject, pool, runs: options.runs, failures, precision: [] };
  }
  return { subject, pool, runs: options.runs, failures, precision: measured.findings };
}
