/**
 * `presence-sandbox check`: do a config's modules' two callbacks agree? Runs the properties of
 * docs/consistency.md against every module alone and the config combined, inside the sandbox.
 * A failing check is a normal outcome, not an error: the report goes to stdout and the exit code is 1.
 */
import { loadConfigFile } from '../config/load.js';
import { checkTarget, type TargetReport } from '../consistency/check-target.js';
import { formatSummary, formatTarget, type ReportContext } from '../consistency/report.js';
import { Subject } from '../consistency/subject.js';
import { checkTargets } from '../consistency/targets.js';
import { UsageError, requireOption, type Command } from './usage.js';

const DEFAULT_RUNS = 200;
const MAX_RUNS = 1_000_000;

export const checkCommand: Command = {
  name: 'check',
  summary: 'check that each module\'s users_for_states and interested_users agree',
  usage: `Usage: presence-sandbox check --config FILE [--runs N] [--seed S]

Checks every module of the config alone, then the config combined, against the properties in
docs/consistency.md, with generated batches of presence states (user IDs from each module's config
plus generated ones), shrinking any failure to a minimal batch:
  soundness            a state routed to U is of a user U is interested in, or U is interested in ALL
  batch independence   a state goes to the same users alone as inside any batch
  precision            (a warning) users U is interested in whose states never reach U
For each module alone that holds, it then prints its headroom: the worst fuel and linear memory of
its init and each callback over the generated batches, next to the module's limits.

Exit 0 when everything is sound and batch-independent (precision warnings are printed), 1 with the
minimal counterexample when not, 2 for usage, config and module-load errors.

Options:
  --config FILE   the YAML config (env PRESENCE_SANDBOX_CONFIG)
  --runs N        generated batches per property and module (default ${DEFAULT_RUNS})
  --seed S        fast-check seed, to replay a run (default: a fresh one, printed)
  -h, --help      show this help`,
  options: { config: { type: 'string' }, runs: { type: 'string' }, seed: { type: 'string' } },
  async run(values) {
    const configFile = requireOption(values, 'config', 'check');
    const runs = values.runs === undefined ? DEFAULT_RUNS : parseInteger(values.runs, '--runs', 1, MAX_RUNS);
    // The seed is chosen here, once, and used for every target, so one --seed replays the whole run.
    const seed = values.seed === undefined ? freshSeed() : parseInteger(values.seed, '--seed', -(2 ** 31), 2 ** 31 - 1);
    const config = await loadConfigFile(configFile);
    for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
    const targets = checkTargets(config);
    const context: ReportContext = { configFile, runs, seed };
    // Start every host before checking anything, so a module that cannot load fails the command (exit 2)
    // at once instead of after minutes of checking the others.
    const opened = await Promise.allSettled(targets.map((t) => Subject.open(t)));
    const subjects = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    try {
      const refused = opened.find((o) => o.status === 'rejected');
      if (refused) throw refused.reason;
      process.stdout.write(
        `check ${configFile}: ${config.modules.length} ${config.modules.length === 1 ? 'module' : 'modules'}, ` +
          `${runs} runs per property, seed ${seed}\n`,
      );
      const reports: TargetReport[] = [];
      for (const subject of subjects) {
        const report = await checkTarget(subject, { runs, seed });
        reports.push(report);
        process.stdout.write(formatTarget(report, context) + '\n');
      }
      process.stdout.write(formatSummary(reports, context) + '\n');
      if (reports.some((r) => r.failures.length > 0)) process.exitCode = 1;
    } finally {
      await Promise.all(subjects.map((s) => s.close()));
    }
  },
};

function parseInteger(value: string | boolean, option: string, min: number, max: number): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`check: ${option} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return number;
}

/**
 * A new seed for a run the user did not ask to replay; the only place the checker reads the clock.
 * fast-check keeps seeds as signed 32-bit integers; a non-negative one also reads well after `--seed`
 * (a negative one needs `--seed=-5`, or parseArgs takes it for an option).
 */
function freshSeed(): number {
  return (Date.now() ^ (Math.random() * 0x100000000)) & 0x7fffffff;
}
