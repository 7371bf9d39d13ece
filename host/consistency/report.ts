/**
 * `check`'s report, as text for a person: one line per target that holds, its precision warnings with
 * their figure, and for each failure everything needed to act on it and to get it again.
 */
import type { ModuleSpec } from '../config/schema.js';
import { formatHeadroom } from './headroom.js';
import { PRESENCE_ALL_USERS } from '../presence.js';
import type { Failure, TargetReport } from './check-target.js';
import type { PrecisionFinding } from './precision.js';
import { list } from './properties.js';

export interface ReportContext {
  /** The config file as the operator named it, for the replay command. */
  configFile: string;
  runs: number;
  seed: number;
}

const PROPERTY_TITLE = { soundness: 'soundness', batch_independence: 'batch independence' } as const;

/** One precision warning, e.g. `x: @g:example.org is interested in ALL, but 2 of 12 sampled users' states never reach it (17%): ...`. */
export function formatPrecision(label: string, finding: PrecisionFinding): string {
  const share = `${finding.unreached.length} of ${finding.sampled}`;
  const percent = `${Math.round((100 * finding.unreached.length) / finding.sampled)}%`;
  const what =
    finding.interest === PRESENCE_ALL_USERS
      ? `is interested in ALL, but ${share} sampled users' states never reach it (${percent})`
      : `is interested in ${finding.interest} users, but ${share} sampled ones never have a state routed to it (${percent})`;
  return `${label}: ${finding.user} ${what}: ${list(finding.unreached)}`;
}

export function formatTarget(report: TargetReport, context: ReportContext): string {
  const { label } = report.subject;
  if (report.failures.length === 0) {
    const lines = [`ok    ${label}: sound and batch-independent (${report.runs} runs each)`];
    for (const finding of report.precision) lines.push(`      warning (precision): ${formatPrecision(label, finding)}`);
    // A module alone: the combined target runs the same modules on the same batches. Failing targets have
    // none, as an instance's memory depends on which thread served which call, and a replay must print
    // the failure exactly as before.
    const { modules } = report.subject.target;
    if (modules.length === 1) lines.push(...formatHeadroom(modules[0]!, report.subject.usage).map((line) => `      ${line}`));
    return lines.join('\n');
  }
  return report.failures.map((failure) => formatFailure(label, report.subject.target.modules, failure, context)).join('\n');
}

function formatFailure(label: string, modules: ModuleSpec[], failure: Failure, context: ReportContext): string {
  const { violation, batch } = failure;
  const config = modules.length === 1 ? modules[0]!.config : Object.fromEntries(modules.map((m) => [m.label, m.config]));
  const lines = [
    `FAIL  ${label}: ${PROPERTY_TITLE[violation.property]}`,
    `      module:   ${label}`,
    `      config:   ${JSON.stringify(config)}`,
  ];
  if (violation.user !== undefined) lines.push(`      user:     ${violation.user}`);
  if (violation.state !== undefined) lines.push(`      state:    ${JSON.stringify(violation.state)}`);
  lines.push(
    `      expected: ${violation.expected}`,
    `      found:    ${violation.found}`,
    `      batch (${batch.length} ${batch.length === 1 ? 'state' : 'states'}, minimal after ${failure.numShrinks} shrinks):`,
    ...batch.map((s) => `        ${JSON.stringify(s)}`),
    `      replay:   presence-sandbox check --config ${context.configFile} --runs ${context.runs} --seed${context.seed < 0 ? '=' : ' '}${context.seed}` +
      ` (fast-check path ${JSON.stringify(failure.path)})`,
  );
  return lines.join('\n');
}

export function formatSummary(reports: TargetReport[], context: ReportContext): string {
  const failed = reports.filter((r) => r.failures.length > 0).length;
  const warnings = reports.reduce((n, r) => n + r.precision.length, 0);
  if (failed > 0) return `result: ${failed} of ${reports.length} checked failed (seed ${context.seed})`;
  const warned = warnings === 0 ? 'no precision warnings' : `${warnings} precision ${warnings === 1 ? 'warning' : 'warnings'}`;
  return `result: all ${reports.length} checked are sound and batch-independent; ${warned} (seed ${context.seed})`;
}
