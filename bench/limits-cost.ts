/**
 * Question: what do the limits cost? The example router, batch 1000, every core's thread, with the
 * default limits and with every limit as loose as the config allows (10-minute deadlines, 4 GiB memory,
 * 1 GiB outputs, 64 GiB heap, ten million destinations). The checks themselves still run either way (a
 * deadline is still armed, a length still compared): what changes is only how much room the module gets,
 * so this measures whether the limits' values cost anything, e.g. a memory maximum written into the module.
 * The two hosts run in alternation, several rounds, and each keeps its median round.
 */
import { availableParallelism } from 'node:os';
import type { SandboxOptions } from '../host/index.js';
import { LIMIT_MAX } from '../host/config/parse.js';
import { makeBatch } from './lib/batches.js';
import { closedLoop, median } from './lib/measure.js';
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
  const rounds = opts.quick ? 2 : 3;
  const states = makeBatch(BATCH);
  const variants = [
    { label: 'default limits', sandbox: { threads } },
    { label: 'loosest limits', sandbox: { ...LOOSE, threads } },
  ];
  report.plan(rounds * variants.length);
  const hosts = await Promise.all(variants.map((v) => hostFor('example_presence_router', v.sandbox)));
  const rates: number[][] = variants.map(() => []);
  try {
    for (let r = 0; r < rounds; r++) {
      for (let v = 0; v < variants.length; v++) {
        report.start(`${variants[v]!.label}, round ${r + 1}`);
        const run = await closedLoop(() => hosts[v]!.getUsersForStates(states), 2 * threads, opts);
        rates[v]!.push(run.opsPerSec * BATCH);
      }
    }
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  const [withLimits, without] = rates.map(median) as [number, number];
  variants.forEach((v, i) => {
    report.record(SANDBOX, `example_presence_router, batch ${BATCH}, ${threads} threads, ${v.label}`, { module: 'example_presence_router', batch: BATCH, threads, limits: v.label, rounds }, {
      states_per_sec: median(rates[i]!),
      ...(i === 0 ? { ratio: withLimits / without } : {}),
    });
  });
  report.finish();
});
