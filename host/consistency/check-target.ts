/**
 * One target, checked: both properties through fast-check (shrinking any failure to a minimal batch),
 * then, if both hold, the precision figure. Deterministic for a given seed: generation comes only from
 * fast-check's seeded generator, and module answers only from config and input (docs/abi.md).
 */
import fc from 'fast-check';
import type { UserPresenceState } from '../presence.js';
import { batchArbitrary } from './arbitraries.js';
import { userPool, type UserPool } from './config-users.js';
import { measurePrecision, type PrecisionFinding } from './precision.js';
import { ConsistencyViolation, consistencyProperty, violationOf, type PropertyName, type Violation } from './properties.js';
import type { Subject } from './subject.js';

export const PROPERTIES: readonly PropertyName[] = ['soundness', 'batch_independence'];

export interface CheckOptions {
  /** Runs per property. */
  runs: number;
  /** fast-check seed; without it, fast-check's global configuration decides. */
  seed?: number;
}

/** A property that failed, with its minimal counterexample and how to get it again. */
export interface Failure {
  violation: Violation;
  /** The shrunk batch, with every state whose removal keeps the failure removed. */
  batch: UserPresenceState[];
  seed: number;
  /** fast-check's path to the counterexample (its `path` parameter). */
  path: string;
  numShrinks: number;
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
  for (const name of PROPERTIES) {
    const params = options.seed === undefined ? { numRuns: options.runs } : { numRuns: options.runs, seed: options.seed };
    const details = await fc.check(consistencyProperty(name, subject, batches), params);
    if (!details.failed) continue;
    const error = details.errorInstance;
    if (!(error instanceof ConsistencyViolation)) {
      // Not a finding about the module (the host refused the call, say): report it as the error it is.
      throw error instanceof Error ? error : new Error(`${subject.label}: ${name} check failed: ${String(error)}`);
    }
    failures.push({
      ...(await removeBystanders(name, subject, details.counterexample![0], error.violation)),
      seed: details.seed,
      path: details.counterexamplePath!,
      numShrinks: details.numShrinks,
    });
  }
  const precision = failures.length === 0 ? await measurePrecision(subject, pool) : [];
  return { subject, pool, runs: options.runs, failures, precision };
}

/**
 * fast-check's array shrinker removes states from the front and can stop at two states when only the
 * first one matters; one deterministic pass that drops each state the failure does not need leaves a
 * batch where every state is necessary (one state for most soundness failures).
 */
async function removeBystanders(
  name: PropertyName,
  subject: Subject,
  shrunk: UserPresenceState[],
  violation: Violation,
): Promise<{ batch: UserPresenceState[]; violation: Violation }> {
  let batch = shrunk;
  for (let i = 0; i < batch.length && batch.length > 1; ) {
    const without = batch.filter((_, k) => k !== i);
    const still = await violationOf(name, subject, without);
    if (still) [batch, violation] = [without, still];
    else i++;
  }
  return { batch, violation };
}
