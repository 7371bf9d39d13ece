/** The consistency checker: the two callbacks must agree (docs/consistency.md). Re-exports only. */
export { DEFAULT_LOCALPARTS, DEFAULT_SERVERS, userPool, type UserPool } from './config-users.js';
export { batchArbitrary, stateArbitrary, userIdArbitrary, MAX_BATCH, MAX_LARGE_BATCH } from './arbitraries.js';
export { Subject, ModuleFaultError, stateKey, type Routed } from './subject.js';
export { checkTargets, type CheckTarget } from './targets.js';
export {
  ConsistencyViolation,
  consistencyProperty,
  findBatchDependence,
  COMPARE_ALONE_UP_TO,
  MAX_PARTS,
  findUnsoundRoute,
  type PropertyName,
  type Violation,
} from './properties.js';
export { measurePrecision, PRECISION_SAMPLE, type PrecisionFinding, type PrecisionResult } from './precision.js';
export { minimise, type Minimised } from './minimise.js';
export { checkTarget, DEFAULT_RUNS, PROPERTIES, type CheckOptions, type Failure, type TargetReport } from './check-target.js';
export { formatPrecision, formatSummary, formatTarget, type ReportContext } from './report.js';
export { CallUsage, formatHeadroom, type Worst } from './headroom.js';
