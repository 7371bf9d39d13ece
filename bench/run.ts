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
  { name: 'recovery-and-cold-start' },
  { name: 'limits-cost' },
  { name: 'where-the-time-goes' },
  { name: 'guest-profile' },
  { name: 'service-load' },
  { name: 'admission' },
  { name: 'service-wire' },
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

function ratios(cases: CaseResult[], threads: number) {
  const find = (pred: (c: CaseResult) => boolean) => cases.find(pred);
  const rate = (c: CaseResult | undefined) => c?.metrics.states_per_sec;
  const example1000 = (c: CaseResult) => c.params.batch === 1000 && (c.params.module ?? 'example_presence_router') === 'example_presence_router';
  const sandbox = rate(find((c) => c.question === 'users-for-states-throughput' && c.system === 'presence-sandbox' && example1000(c) && c.params.threads === threads));
  const inProcess = rate(find((c) => c.system === 'in-process' && example1000(c)));
  const floor = rate(find((c) => c.system === 'msgpackr-floor' && c.params.batch === 1000));
  const best = (system: string) => {
    const rates = cases.filter((c) => c.system === system && example1000(c)).map((c) => c.metrics.states_per_sec!);
    return rates.length ? Math.max(...rates) : undefined;
  };
  const p50 = (system: string, name: string) => find((c) => c.question === 'interested-latency' && c.system === system && c.name === name)?.metrics.p50_ms;
  const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : a / b);
  const recovery = find((c) => c.name.startsWith('recovery: first answer'))?.metrics.median_ms ?? null;
  const out = {
    users_for_states_vs_in_process: div(sandbox, inProcess),
    users_for_states_vs_floor: div(sandbox, floor),
    interested_p50_vs_bare_pool: div(p50('presence-sandbox', 'example_presence_router, sequential'), p50('bare-piscina', 'no-op task, sequential')),
    vs_isolated_vm: div(sandbox, best('isolated-vm')),
    vs_quickjs: div(sandbox, best('quickjs')),
    interested_p50_at_64_vs_bare_pool: div(p50('presence-sandbox', 'example_presence_router, 64 concurrent'), p50('bare-piscina', 'no-op task, 64 concurrent')),
    recovery_after_timeout_kill_median_ms: recovery,
    cold_start_median_ms: find((c) => c.name.startsWith('cold start: config'))?.metrics.median_ms ?? null,
    limits_default_vs_loosest: find((c) => c.question === 'limits-cost' && c.metrics.ratio !== undefined)?.metrics.ratio ?? null,
    // Medians of each round's ratio (bench/service-wire.ts), not ratios of medians: the same moment compared.
    service_binary_vs_json: find((c) => c.question === 'service-wire' && c.params.wire === 'binary')?.metrics.vs_json ?? null,
    service_binary_vs_library: find((c) => c.question === 'service-wire' && c.params.wire === 'binary')?.metrics.vs_library ?? null,
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
  ];
  return { ratios: out, targets };
}

function chart(cases: CaseResult[], threads: number): string {
  const pick = (pred: (c: CaseResult) => boolean) =>
    cases.filter((c) => pred(c) && BATCH_SIZES.includes(c.params.batch as (typeof BATCH_SIZES)[number])).map((c) => ({ x: c.params.batch as number, y: c.metrics.states_per_sec! }));
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

function readmeSection(results: ReturnType<typeof summary>): string {
  const t = results.targets
    .map((x) => `| \`${x.ratio}\` | ${x.value === null ? 'n/a' : formatNumber(x.value)} | ${x.target} | ${x.met === null ? 'not measured' : x.met ? 'met' : '**missed**'} |`)
    .join('\n');
  const extra = Object.entries(results.ratios)
    .filter(([k]) => !results.targets.some((x) => x.ratio === k))
    .map(([k, v]) => `| \`${k}\` | ${v === null ? 'n/a' : formatNumber(v)} | | |`)
    .join('\n');
  const skipped = results.skipped.map((s) => `- skipped ${s.system}: ${s.reason}`).join('\n');
  const partial = (results.partial ?? []).map((p) => `Re-run since (\`--only\`): ${p.questions.join(', ')} at **${p.date}**, ${p.duration_s} s; load average at the start: ${p.loadAtStart}.`);
  return [
    `Last full run: **${results.date}**, ${results.duration_s} s, on ${describeMachine(results.machine)}; one-minute load average at the start: ${results.machine.loadAtStart}.`,
    ...(partial.length ? ['', ...partial] : []),
    '',
    '| ratio | measured | target | |',
    '| --- | ---: | --- | --- |',
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

function summary(collected: Collected, started: number, m: Machine, quick: boolean) {
  const { ratios: r, targets } = ratios(collected.cases, m.availableParallelism);
  return {
    partial: undefined as Partial[] | undefined,
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    duration_s: Math.round((Date.now() - started) / 1000),
    machine: m,
    load_at_end: Math.round(loadavg()[0]! * 100) / 100,
    ratios: r,
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
  if (only) results = mergeInto(`${outDir}latest.json`, results, only, threads);

  console.log(renderText(results.cases));
  console.log('');
  for (const s of results.skipped) console.log(`skipped ${s.system}: ${s.reason}`);
  for (const n of results.notes) console.log(n);
  console.log('\nratios and targets');
  for (const t of results.targets) {
    console.log(`  ${t.ratio.padEnd(40)} ${(t.value === null ? 'n/a' : formatNumber(t.value)).padStart(8)}  target ${t.target.padEnd(9)} ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`);
  }
  for (const [k, v] of Object.entries(results.ratios)) {
    if (!results.targets.some((t) => t.ratio === k)) console.log(`  ${k.padEnd(40)} ${(v === null ? 'n/a' : formatNumber(v)).padStart(8)}`);
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
function mergeInto(file: string, fresh: Results, only: string[], threads: number): Results {
  let previous: Results;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return fresh;
  }
  const cases = [...previous.cases.filter((c) => !only.includes(c.question)), ...fresh.cases];
  const { ratios: r, targets } = ratios(cases, threads);
  const skipped = [...new Map([...previous.skipped, ...fresh.skipped].map((s) => [JSON.stringify(s), s])).values()];
  const partial = { date: fresh.date, questions: only, duration_s: fresh.duration_s, loadAtStart: fresh.machine.loadAtStart };
  return { ...previous, partial: [...(previous.partial ?? []), partial], ratios: r, targets, skipped, notes: [...new Set([...previous.notes, ...fresh.notes])], cases };
}

mainRun().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
