/**
 * Question: how many states per second does users_for_states route, for each bundled module, batch size
 * and pool size, next to the same routing in plain in-process TypeScript (the ceiling, no isolation)
 * and next to msgpackr encoding and decoding the same batch (the floor any msgpack boundary pays)?
 *
 * Before timing, every module's answer from the host is compared with its in-process baseline for every
 * batch. A pool of T threads is driven by 2T callers in a closed loop, so that a thread never waits
 * while the main thread encodes the next batch or merges the last answer.
 *
 * The sweep gives the tables and the chart; the two target ratios (example router, batch 1000, every
 * core's thread, against in-process and against the floor) come from interleaved rounds of the three
 * (lib/interleave.ts), so that each round's ratio compares one moment of the machine.
 */
import { availableParallelism } from 'node:os';
import { Packr } from 'msgpackr';
import { inProcessRouter } from './baselines/routers.js';
import { BATCH_SIZES, MODULES, MODULE_NAMES, makeBatch, toTuple } from './lib/batches.js';
import { answerSize, canonical, expectSameRouting } from './lib/canonical.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread } from './lib/interleave.js';
import { closedLoop, quantile, syncLoop } from './lib/measure.js';
import { Reporter, main, options, type Options } from './lib/question.js';
import { FLOOR, IN_PROCESS, SANDBOX, hostFor } from './lib/systems.js';

const QUESTION = 'users-for-states-throughput';
const RATIO_BATCH = 1000;

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = Array.from({ length: availableParallelism() }, (_, i) => i + 1);
  const batches = BATCH_SIZES.map((size) => ({ size, states: makeBatch(size) }));
  report.plan(MODULE_NAMES.length * batches.length * (threads.length + 1) + batches.length + roundsOf(opts).rounds);

  for (const module of MODULE_NAMES) {
    const baseline = inProcessRouter(module, MODULES[module]);
    const ceiling = new Map<number, number>();
    for (const { size, states } of batches) {
      report.start(`${module}, batch ${size}, in-process`);
      const run = syncLoop(() => baseline(states), opts);
      ceiling.set(size, run.opsPerSec * size);
      const { destinations, pairs } = answerSize(canonical(baseline(states)));
      report.record(IN_PROCESS, `${module}, batch ${size}, in-process`, { module, batch: size, threads: 1 }, {
        states_per_sec: run.opsPerSec * size,
        calls_per_sec: run.opsPerSec,
        destinations,
        routed_pairs: pairs,
      });
    }
    for (const t of threads) {
      const host = await hostFor(module, { threads: t });
      try {
        if (t === 1) {
          // The acceptance check: the sandbox and the baseline give the same answer for every batch.
          for (const { size, states } of batches) {
            expectSameRouting(`${module}, batch ${size}: sandbox vs in-process`, canonical(await host.getUsersForStates(states)), canonical(baseline(states)));
          }
          report.note(`check: ${module} gives the in-process baseline's answer for batches ${BATCH_SIZES.join(', ')}`);
        }
        for (const { size, states } of batches) {
          const name = `${module}, batch ${size}, ${t} thread${t > 1 ? 's' : ''}`;
          report.start(name);
          const run = await closedLoop(() => host.getUsersForStates(states), 2 * t, opts);
          const statesPerSec = run.opsPerSec * size;
          report.record(SANDBOX, name, { module, batch: size, threads: t, concurrency: 2 * t }, {
            states_per_sec: statesPerSec,
            calls_per_sec: run.opsPerSec,
            p50_ms: quantile(run.latencies, 0.5),
            p99_ms: quantile(run.latencies, 0.99),
            vs_in_process: statesPerSec / ceiling.get(size)!,
          });
        }
      } finally {
        await host.close();
      }
    }
  }

  // The floor: what crossing any msgpack boundary costs at least, encode and decode of the batch alone.
  const packr = new Packr({ useRecords: false });
  for (const { size, states } of batches) {
    const name = `batch ${size}, msgpackr encode + decode`;
    report.start(name);
    const run = syncLoop(() => packr.unpack(packr.pack(states.map(toTuple))), opts);
    report.record(FLOOR, name, { batch: size, threads: 1 }, { states_per_sec: run.opsPerSec * size, calls_per_sec: run.opsPerSec });
  }

  await targetRatios(report, opts, packr);
  report.finish();
});

/** users_for_states_vs_in_process and users_for_states_vs_floor, from interleaved rounds. */
async function targetRatios(report: Reporter, opts: Options, packr: Packr): Promise<void> {
  const module = 'example_presence_router';
  const t = availableParallelism();
  const states = makeBatch(RATIO_BATCH);
  const baseline = inProcessRouter(module, MODULES[module]);
  const host = await hostFor(module, { threads: t });
  try {
    const rates = await interleave(
      opts,
      {
        sandbox: async (ms) => (await closedLoop(() => host.getUsersForStates(states), 2 * t, { warmupMs: 0, timeMs: ms })).opsPerSec * RATIO_BATCH,
        inProcess: (ms) => syncLoop(() => baseline(states), { warmupMs: 0, timeMs: ms }).opsPerSec * RATIO_BATCH,
        floor: (ms) => syncLoop(() => packr.unpack(packr.pack(states.map(toTuple))), { warmupMs: 0, timeMs: ms }).opsPerSec * RATIO_BATCH,
      },
      (r) => report.start(`interleaved round ${r + 1}: sandbox, in-process, floor`),
    );
    const what = `${module}, batch ${RATIO_BATCH}, ${t} threads`;
    const params = { module, batch: RATIO_BATCH, threads: t, interleaved: true, rounds: rates.sandbox.length };
    report.record(SANDBOX, `${what}, interleaved rounds (median)`, params, { states_per_sec: spread(rates.sandbox).median });
    report.record(IN_PROCESS, `${what}, interleaved rounds (median)`, params, { states_per_sec: spread(rates.inProcess).median });
    report.record(FLOOR, `batch ${RATIO_BATCH}, msgpackr encode + decode, interleaved rounds (median)`, params, { states_per_sec: spread(rates.floor).median });
    recordRatio(report, 'users_for_states_vs_in_process', what, ratioOf(rates.sandbox, rates.inProcess));
    recordRatio(report, 'users_for_states_vs_floor', what, ratioOf(rates.sandbox, rates.floor));
  } finally {
    await host.close();
  }
}
