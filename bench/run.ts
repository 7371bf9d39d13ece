/**
 * `npm run bench` (full) and `npm run bench -- --quick`: runs every question in its own child process
 * (a fresh heap and JIT for each, and room for per-question Node flags), shows a progress bar, prints the
 * tables, and writes the results.
 *
 *   full:   bench/results/latest.json, bench/results/throughput.svg, and the generated part of bench/README.md
 *   quick:  bench/results/tmp/latest.json and bench/results/tmp/throughput.svg (git-ignored), so a quick
 *           look never overwrites the committed figures of the last full run
 *   --only a,b: runs those questions only (full timings unless --quick) and merges their cases into the
 *           last full run's results (recorded under `partial`), so one question can be re-measured
 *           without re-running, and re-dating, every other
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BATCH_SIZES } from './lib/batches.js';
import { describeMachine, machine, type Machine } from './lib/machine.js';
import { Progress } from './lib/progress.js';
import type { CaseResult, QuestionMessage, Skip } from './lib/question.js';
import { formatNumber, renderMarkdown, renderText } from './lib/table.js';
import { throughputChart, type Series } from './lib/svg.js';

const QUESTIONS = [
  { name: 'users-for-states-throughput' },
  // isolated-vm asks for --no-node-snapshot on Node 20 and later.
  { name: 'other-sandboxes', execArgv: ['--no-node-snapshot'] },
  { name: 'interested-latency' },
  { name: 'interested-hops' },
  { name: 'recovery-and-cold-start' },
  { name: 'limits-cost' },
  { name: 'where-the-time-goes' },
  { name: 'guest-profile' },
  { name: 'service-load' },
  { name: 'admission' },
  { name: 'service-wire' },
  { name: 'fuel-overhead' },
  { name: 'encode-vs-msgpackr' },
];

const distBench = fileURLToPath(new URL('./', import.meta.url));
const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url));

interface Collected {
  cases: CaseResult[];
  notes: string[];
  skipped: Skip[];
}

function runQuestion(name: string, execArgv: string[], args: string[], progress: Progress, index: number, total: number): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const child = fork(`${distBench}${name}.js`, args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Collected | undefined;
    child.on('message', (m: QuestionMessage) => {
      if (m.type === 'plan') progress.begin(`${index + 1}/${total} ${name}`, m.cases);
      else if (m.type === 'case') progress.step(m.name);
      else if (m.type === 'result') result = m;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      progress.end();
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${name} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

interface Target {
  ratio: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

/** A ratio's spread over its interleaved rounds (bench/lib/interleave.ts). */
interface RatioSpread {
  min: number;
  q1: number;
  q3: number;
  max: number;
  rounds: number;
}

function ratios(cases: CaseResult[]) {
  const find = (pred: (c: CaseResult) => boolean) => cases.find(pred);
  // Every ratio is recorded by its question as a case of system `ratio` (the median of its interleaved
  // rounds' ratios); where several cases share a name (fuel_overhead, one per module), the worst counts.
  const spreads: Record<string, RatioSpread & { median: number; what: string }> = {};
  for (const c of cases) {
    if (c.system !== 'ratio') continue;
    const name = String(c.params.ratio);
    const m = c.metrics;
    const worst = spreads[name];
    if (worst === undefined || m.ratio! < worst.median) {
      spreads[name] = { median: m.ratio!, min: m.min!, q1: m.q1!, q3: m.q3!, max: m.max!, rounds: m.rounds!, what: c.name.slice(name.length + 2) };
    }
  }
  const ratio = (name: string) => spreads[name]?.median ?? null;
  const recovery = find((c) => c.name.startsWith('recovery: first answer'))?.metrics.median_ms ?? null;
  const out = {
    users_for_states_vs_in_process: ratio('users_for_states_vs_in_process'),
    users_for_states_vs_floor: ratio('users_for_states_vs_floor'),
    interested_p50_vs_bare_pool: ratio('interested_p50_vs_bare_pool'),
    vs_isolated_vm: ratio('vs_isolated_vm'),
    vs_quickjs: ratio('vs_quickjs'),
    fuel_overhead: ratio('fuel_overhead'),
    encode_vs_msgpackr: ratio('encode_vs_msgpackr'),
    encode_vs_msgpackr_cold: ratio('encode_vs_msgpackr_cold'),
    interested_p50_at_64_vs_bare_pool: ratio('interested_p50_at_64_vs_bare_pool'),
    recovery_after_timeout_kill_median_ms: recovery,
    cold_start_median_ms: find((c) => c.name.startsWith('cold start: config'))?.metrics.median_ms ?? null,
    limits_default_vs_loosest: ratio('limits_default_vs_loosest'),
    service_binary_vs_json: ratio('service_binary_vs_json'),
    service_binary_vs_library: ratio('service_binary_vs_library'),
  };
  const target = (ratio: keyof typeof out, op: '≥' | '≤' | '<', bound: number, unit = ''): Target => {
    const value = out[ratio];
    const met = value === null ? null : op === '≥' ? value >= bound : op === '≤' ? value <= bound : value < bound;
    return { ratio, value, target: `${op} ${bound}${unit}`, met };
  };
  const targets = [
    target('users_for_states_vs_in_process', '≥', 0.25),
    target('users_for_states_vs_floor', '≥', 0.5),
    target('interested_p50_vs_bare_pool', '≤', 1.2),
    target('vs_isolated_vm', '≥', 2),
    target('vs_quickjs', '≥', 10),
    target('recovery_after_timeout_kill_median_ms', '<', 20, ' ms'),
    target('service_binary_vs_json', '≥', 5),
    target('service_binary_vs_library', '≥', 0.5),
    target('fuel_overhead', '≥', 0.85),
  ];
  return { ratios: out, spreads, targets };
}

function chart(cases: CaseResult[], threads: number): string {
  const pick = (pred: (c: CaseResult) => boolean) =>
    cases.filter((c) => pred(c) && !c.params.interleaved && BATCH_SIZES.includes(c.params.batch as (typeof BATCH_SIZES)[number])).map((c) => ({ x: c.params.batch as number, y: c.metrics.states_per_sec! }));
  const example = (c: CaseResult) => (c.params.module ?? 'example_presence_router') === 'example_presence_router';
  const ufs = (c: CaseResult) => c.question === 'users-for-states-throughput';
  const series: Series[] = [
    { label: 'in-process TypeScript', color: '#1b9e77', points: pick((c) => ufs(c) && c.system === 'in-process' && example(c)) },
    { label: 'msgpackr encode+decode', color: '#7570b3', dashed: true, points: pick((c) => c.system === 'msgpackr-floor') },
    ...Array.from({ length: threads }, (_, i) => i + 1).map((t, i) => ({
      label: `presence-sandbox, ${t} thread${t > 1 ? 's' : ''}`,
      color: i === threads - 1 ? '#d95f02' : '#f4a582',
      points: pick((c) => ufs(c) && c.system === 'presence-sandbox' && example(c) && c.params.threads === t),
    })),
    ...[1, threads].filter((t, i, a) => a.indexOf(t) === i).map((t) => ({
      label: `isolated-vm, ${t} thread${t > 1 ? 's' : ''}`,
      color: t === 1 ? '#92c5de' : '#2166ac',
      points: pick((c) => c.system === 'isolated-vm' && c.params.threads === t),
    })),
    { label: 'quickjs-emscripten, 1 thread', color: '#e7298a', points: pick((c) => c.system === 'quickjs') },
  ].filter((s) => s.points.length > 0);
  return throughputChart('users_for_states throughput: example_presence_router', 'states per second against batch size, log-log; higher is better', series);
}

/** `0.31–0.35 (0.29–0.38), 9 rounds`: the quartiles, then min and max, of a ratio's rounds. */
function spreadText(s: RatioSpread | undefined): string {
  if (s === undefined) return '';
  return `${formatNumber(s.q1)}–${formatNumber(s.q3)} (${formatNumber(s.min)}–${formatNumber(s.max)}), ${s.rounds} rounds`;
}

/** The previous full run's figure and the change to this one's, in per cent. */
function againstPrevious(results: Results, name: string): [string, string] {
  const before = (results.previous?.ratios as Record<string, number | null> | undefined)?.[name];
  const now = (results.ratios as Record<string, number | null>)[name];
  if (before === undefined || before === null || now === null || now === undefined) return ['', ''];
  const change = (100 * (now - before)) / before;
  return [formatNumber(before), `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`];
}

function readmeSection(results: Results): string {
  const row = (name: string, value: number | null, target: string, verdict: string) =>
    `| \`${name}\` | ${value === null ? 'n/a' : formatNumber(value)} | ${spreadText(results.spreads[name])} | ${target} | ${verdict} | ${againstPrevious(results, name).join(' | ')} |`;
  const t = results.targets.map((x) => row(x.ratio, x.value, x.target, x.met === null ? 'not measured' : x.met ? 'met' : '**missed**')).join('\n');
  const extra = Object.entries(results.ratios)
    .filter(([k]) => !results.targets.some((x) => x.ratio === k))
    .map(([k, v]) => row(k, v, '', ''))
    .join('\n');
  const skipped = results.skipped.map((s) => `- skipped ${s.system}: ${s.reason}`).join('\n');
  const partial = (results.partial ?? []).map((p) => `Re-run since (\`--only\`): ${p.questions.join(', ')} at **${p.date}**, ${p.duration_s} s; load average at the start: ${p.loadAtStart}.`);
  const previous = results.previous ? `the previous full run: ${results.previous.date}, load average ${results.previous.loadAtStart} at its start` : 'no previous full run';
  return [
    `Last full run: **${results.date}**, ${results.duration_s} s, on ${describeMachine(results.machine)}; one-minute load average at the start: ${results.machine.loadAtStart}, at the end: ${results.load_at_end}.`,
    ...(partial.length ? ['', ...partial] : []),
    '',
    `Each ratio is the median of its interleaved rounds' ratios; spread: the middle half of the rounds (and the lowest and highest); previous: ${previous}.`,
    '',
    '| ratio | measured | spread: quartiles (min–max) | target | | previous | change |',
    '| --- | ---: | --- | --- | --- | ---: | ---: |',
    t,
    extra,
    '',
    '![users_for_states throughput against batch size](results/throughput.svg)',
    '',
    ...(skipped ? [skipped, ''] : []),
    ...results.notes.map((n) => `- ${n}`),
    '',
    renderMarkdown(results.cases),
  ].join('\n');
}

interface Partial {
  date: string;
  questions: string[];
  duration_s: number;
  loadAtStart: number;
}

interface Previous {
  date: string;
  loadAtStart: number;
  ratios: Record<string, number | null>;
}

function summary(collected: Collected, started: number, m: Machine, quick: boolean) {
  const { ratios: r, spreads, targets } = ratios(collected.cases);
  return {
    partial: undefined as Partial[] | undefined,
    previous: undefined as Previous | undefined,
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    duration_s: Math.round((Date.now() - started) / 1000),
    machine: m,
    load_at_end: Math.round(loadavg()[0]! * 100) / 100,
    ratios: r,
    spreads,
    targets,
    skipped: collected.skipped,
    notes: collected.notes,
    cases: collected.cases,
  };
}

async function mainRun(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const started = Date.now();
  const m = machine();
  const threads = m.availableParallelism;
  console.log(`presence-sandbox benchmarks (${quick ? 'quick' : 'full'}) on ${describeMachine(m)}`);
  if (m.loadAtStart > 0.5) console.log(`note: the one-minute load average is ${m.loadAtStart}; other work on this machine will skew the figures`);
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',').filter(Boolean) : undefined;
  const selected = only ? QUESTIONS.filter((q) => only.includes(q.name)) : QUESTIONS;
  if (only && (only.length === 0 || selected.length !== only.length)) {
    throw new Error(`--only: expected a comma-separated list of questions among ${QUESTIONS.map((q) => q.name).join(', ')} (got ${JSON.stringify(only.join(','))})`);
  }
  const progress = new Progress();
  const collected: Collected = { cases: [], notes: [], skipped: [] };
  for (const [i, q] of selected.entries()) {
    const r = await runQuestion(q.name, q.execArgv ?? [], quick ? ['--quick'] : [], progress, i, selected.length);
    collected.cases.push(...r.cases);
    collected.notes.push(...r.notes);
    collected.skipped.push(...r.skipped);
  }
  const outDir = quick ? `${benchDir}results/tmp/` : `${benchDir}results/`;
  let results = summary(collected, started, m, quick);
  if (only) results = mergeInto(`${outDir}latest.json`, results, only);
  else results.previous = previousRun(`${outDir}latest.json`);

  console.log(renderText(results.cases));
  console.log('');
  for (const s of results.skipped) console.log(`skipped ${s.system}: ${s.reason}`);
  for (const n of results.notes) console.log(n);
  console.log('\nratios and targets');
  for (const t of results.targets) {
    console.log(`  ${t.ratio.padEnd(40)} ${(t.value === null ? 'n/a' : formatNumber(t.value)).padStart(8)}  target ${t.target.padEnd(9)} ${(t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED').padEnd(12)} ${spreadText(results.spreads[t.ratio])}  ${againstPrevious(results, t.ratio).join(' ')}`);
  }
  for (const [k, v] of Object.entries(results.ratios)) {
    if (!results.targets.some((t) => t.ratio === k)) console.log(`  ${k.padEnd(40)} ${(v === null ? 'n/a' : formatNumber(v)).padStart(8)}  ${' '.repeat(30)}${spreadText(results.spreads[k])}  ${againstPrevious(results, k).join(' ')}`);
  }

  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${outDir}throughput.svg`, chart(results.cases, threads));
  if (!quick) {
    const readme = `${benchDir}README.md`;
    const text = readFileSync(readme, 'utf8');
    const start = '<!-- results:start -->';
    const end = '<!-- results:end -->';
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${readme}: markers ${start} and ${end} not found; results not written into it`);
    writeFileSync(readme, `${text.slice(0, a + start.length)}\n${readmeSection(results)}\n${text.slice(b)}`);
  }
  console.log(`\nwrote ${outDir}latest.json and ${outDir}throughput.svg${quick ? '' : ', and the results in bench/README.md'} (${results.duration_s} s)`);
}

type Results = ReturnType<typeof summary>;

/**
 * A partial run's results merged into the last run's: its questions' cases replace theirs, notes and
 * skips are joined, the ratios are computed again over every case, and the run is recorded in `partial`.
 */
function mergeInto(file: string, fresh: Results, only: string[]): Results {
  let previous: Results;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return fresh;
  }
  const cases = [...previous.cases.filter((c) => !only.includes(c.question)), ...fresh.cases];
  const { ratios: r, spreads, targets } = ratios(cases);
  const skipped = [...new Map([...previous.skipped, ...fresh.skipped].map((s) => [JSON.stringify(s), s])).values()];
  const partial = { date: fresh.date, questions: only, duration_s: fresh.duration_s, loadAtStart: fresh.machine.loadAtStart };
  return { ...previous, partial: [...(previous.partial ?? []), partial], ratios: r, spreads, targets, skipped, notes: [...new Set([...previous.notes, ...fresh.notes])], cases };
}

/** The last full run's ratios, to set next to this run's (two runs on a quiet machine should agree within 15 %). */
function previousRun(file: string): Previous | undefined {
  try {
    const last = JSON.parse(readFileSync(file, 'utf8')) as Results;
    return { date: last.date, loadAtStart: last.machine.loadAtStart, ratios: last.ratios };
  } catch {
    return undefined;
  }
}

mainRun().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
