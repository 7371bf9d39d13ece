/**
 * Question: what does fuel metering (docs/abi.md, "Fuel") cost? For every bundled module, users_for_states
 * throughput at batch 1000 on every core's thread, metered (the default) against `fuel_metering: false`,
 * in interleaved rounds (lib/interleave.ts): `fuel_overhead` is metered ÷ unmetered, the median of the
 * rounds' ratios, per module; the headline figure is the worst module's. Both hosts' answers are compared
 * before timing.
 *
 * And what metering costs at admission: the static check (host/admission/static-check.ts) of the largest
 * module the defaults accept (16 MiB, test/helpers/large-module.ts), metered and unmetered, on this
 * thread: the rewrite of its code (`fuelMeterMs`) and the whole check, first round and median.
 */
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DEFAULT_LIMITS } from '../host/index.js';
import { checkStatically } from '../host/admission/static-check.js';
import { inflateModule } from '../test/helpers/large-module.js';
import { MODULE_NAMES, makeBatch } from './lib/batches.js';
import { canonical, expectSameRouting } from './lib/canonical.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread } from './lib/interleave.js';
import { closedLoop, median } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';
import { watModule } from './lib/wat.js';

const QUESTION = 'fuel-overhead';
const BATCH = 1000;

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  const states = makeBatch(BATCH);
  const { rounds } = roundsOf(opts);
  report.plan(MODULE_NAMES.length * rounds + 1);

  for (const module of MODULE_NAMES) {
    const [metered, unmetered] = await Promise.all([hostFor(module, { threads }), hostFor(module, { threads, fuel_metering: false })]);
    try {
      expectSameRouting(`${module}: metered vs unmetered`, canonical(await metered.getUsersForStates(states)), canonical(await unmetered.getUsersForStates(states)));
      const rate = (host: typeof metered) => async (ms: number) => (await closedLoop(() => host.getUsersForStates(states), 2 * threads, { warmupMs: 0, timeMs: ms })).opsPerSec * BATCH;
      const rates = await interleave(opts, { metered: rate(metered), unmetered: rate(unmetered) }, (r) => report.start(`${module}, round ${r + 1}: metered, unmetered`));
      const what = `${module}, batch ${BATCH}, ${threads} threads`;
      for (const v of ['metered', 'unmetered'] as const) {
        report.record(SANDBOX, `${what}, ${v}`, { module, batch: BATCH, threads, fuel_metering: v === 'metered', rounds }, { states_per_sec: spread(rates[v]).median });
      }
      recordRatio(report, 'fuel_overhead', `${what}: metered ÷ unmetered`, ratioOf(rates.metered, rates.unmetered), { module });
    } finally {
      await Promise.all([metered.close(), unmetered.close()]);
    }
  }
  report.note('check: every bundled module routes batch 1000 the same metered and unmetered');

  report.start('admission of the largest accepted module, metered and unmetered');
  const base = new Uint8Array(await readFile(await watModule('large_module')));
  const binary = inflateModule(base, DEFAULT_LIMITS.max_module_bytes - 4096);
  const checkRounds = opts.quick ? 2 : 4;
  const meterMs: number[] = [];
  const whole = { metered: [] as number[], unmetered: [] as number[] };
  for (let r = 0; r < checkRounds; r++) {
    for (const v of ['metered', 'unmetered'] as const) {
      const bytes = new Uint8Array(binary);
      const started = performance.now();
      const answer = await checkStatically(bytes, { ...DEFAULT_LIMITS, fuel_metering: v === 'metered' });
      whole[v].push(performance.now() - started);
      if (!answer.ok) throw new Error(`the ${binary.length}-byte module was refused ${v}: ${answer.message}`);
      if (v === 'metered') meterMs.push(answer.fuelMeterMs ?? NaN);
    }
  }
  const params = { bytes: binary.length, rounds: checkRounds };
  report.record(SANDBOX, '16 MiB module: fuel rewrite of the code (fuel-meter.ts, fuelMeterMs)', params, { first_ms: meterMs[0]!, median_ms: median(meterMs) });
  report.record(SANDBOX, '16 MiB module: whole static check, metered (this thread)', params, { first_ms: whole.metered[0]!, median_ms: median(whole.metered) });
  report.record(SANDBOX, '16 MiB module: whole static check, unmetered (this thread)', params, { first_ms: whole.unmetered[0]!, median_ms: median(whole.unmetered) });
  report.finish();
});
