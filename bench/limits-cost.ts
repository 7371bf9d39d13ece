/**
 * Question: what do the limits cost? The example router, batch 1000, every core's thread, with the
 * default limits and with every limit as loose as the config allows (10-minute deadlines, 4 GiB memory,
 * 1 GiB outputs, 64 GiB heap, ten million destinations). The checks themselves still run either way (a
 * deadline is still armed, a length still compared): what changes is only how much room the module gets,
 * so this measures whether the limits' values cost anything, e.g. a memory maximum written into the module.
 * The two hosts run in interleaved rounds (lib/interleave.ts); the ratio is the median of the rounds' ratios.
 */
import { availableParallelism } from 'node:os';
import type { SandboxOptions } from '../host/index.js';
import { LIMIT_MAX } from '../host/config/parse.js';
import { makeBatch } from './lib/batches.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread } from './lib/interleave.js';
import { closedLoop } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';

const QUESTION = 'limits-cost';
const BATCH = 1000;

// The largest value the config accepts for every limit (threads are set per variant below).
const { threads: _threads, ...LOOSE }: SandboxOptions = LIMIT_MAX;

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  const states = makeBatch(BATCH);
  const variants = [
    { label: 'default limits', sandbox: { threads } },
    { label: 'loosest limits', sandbox: { ...LOOSE, threads } },
  ];
  report.plan(roundsOf(opts).rounds);
  const hosts = await Promise.all(variants.map((v) => hostFor('example_presence_router', v.sandbox)));
  try {
    const rate = (i: number) => async (ms: number) => (await closedLoop(() => hosts[i]!.getUsersForStates(states), 2 * threads, { warmupMs: 0, timeMs: ms })).opsPerSec * BATCH;
    const rates = await interleave(opts, { withLimits: rate(0), loosest: rate(1) }, (r) => report.start(`round ${r + 1}: default, loosest`));
    [rates.withLimits, rates.loosest].forEach((r, i) => {
      report.record(SANDBOX, `example_presence_router, batch ${BATCH}, ${threads} threads, ${variants[i]!.label}`, { module: 'example_presence_router', batch: BATCH, threads, limits: variants[i]!.label, rounds: r.length }, {
        states_per_sec: spread(r).median,
      });
    });
    recordRatio(report, 'limits_default_vs_loosest', `example_presence_router, batch ${BATCH}, ${threads} threads`, ratioOf(rates.withLimits, rates.loosest));
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  report.finish();
});
