/** The consistency checker: the two callbacks must agree (docs/consistency.md). Re-exports only. */
export { DEFAULT_LOCALPARTS, DEFAULT_SERVERS, userPool, type UserPool } from './config-users.js';
export { batchArbitrary, stateArbitrary, userIdArbitrary, MAX_BATCH } from './arbitraries.js';
export { Subject, ModuleFaultError, stateKey, type Routed } from './subject.js';
export { checkTargets, type CheckTarget } from './targets.js';
export {
  ConsistencyViolation,
  consistencyProperty,
  findBatchDependence,
  findUnsoundRoute,
  type PropertyName,
  type Violation,
} from './properties.js';
export { measurePrecision, PRECISION_SAMPLE, type PrecisionFinding } from './precision.js';
export { checkTarget, PROPERTIES, type CheckOptions, type Failure, type TargetReport } from './check-target.js';
export { formatPrecision, formatSummary, formatTarget, type ReportContext } from './report.js';
export { CallUsage, formatHeadroom, type Worst } from './headroom.js';
