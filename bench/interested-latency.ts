/**
 * Question: how long does get_interested_users take, one call at a time and with 64 calls in flight, next
 * to a bare Piscina task that does nothing on a pool of the same shape? Both use every core's thread.
 *
 * The host serves the example router alone (one pool, like the bare one); the user asked about is not in
 * always_send_to_users, so the answer is the empty set, the common case. A second host serves the bundled
 * config (two modules, so two pools answer each call) for reference.
 *
 * Interleaved (lib/interleave.ts): each runs a round in turn, one call at a time, then with 64 in flight.
 * A ratio is the median of the rounds' p50 ratios.
 */
import { availableParallelism } from 'node:os';
import { PresenceHost } from '../host/index.js';
import { barePool, warm } from './lib/bare-pool.js';
import { MODULES } from './lib/batches.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread, type Round } from './lib/interleave.js';
import { closedLoop, quantile, type LoopResult } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';

const QUESTION = 'interested-latency';
const USER = '@someone.else:example.com';
const CONCURRENT = 64;

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  const { rounds, roundMs } = roundsOf(opts);
  report.plan(2 * rounds);

  const pool = barePool(threads);
  await warm(pool, threads);
  const host = await hostFor('example_presence_router', { threads });
  const bundled = await PresenceHost.create(
    {
      modules: [{ module: 'custom_presence_router' }],
      presence: { presence_router: { module: 'example_presence_router', config: MODULES.example_presence_router } },
      sandbox: { threads },
    },
    { log: () => {} },
  );
  const systems = [
    { system: 'bare-piscina', what: 'no-op task', run: () => pool.run({ kind: 'interested_users', userId: USER }) },
    { system: SANDBOX, what: 'example_presence_router', run: () => host.getInterestedUsers(USER) },
    { system: SANDBOX, what: 'bundled config (2 modules)', run: () => bundled.getInterestedUsers(USER) },
  ];
  try {
    const answer = await host.getInterestedUsers(USER);
    if (!(answer instanceof Set) || answer.size !== 0) throw new Error(`expected the empty set for ${USER}, got ${String(answer)}`);

    // One call at a time: a round of each in turn. Not call by call: a call on another pool than the last
    // one wakes a thread that has gone to sleep, which a caller of one system alone does not pay.
    const seqRuns = await interleave(
      opts,
      Object.fromEntries(systems.map((s, i) => [String(i), (ms: number) => closedLoop(s.run, 1, { warmupMs: 0, timeMs: ms })])) as Record<string, Round<LoopResult>>,
      (r) => report.start(`sequential, round ${r + 1}`),
    );
    const seq = systems.map((_, i) => {
      const runs = seqRuns[String(i)]!;
      return { p50: runs.map((run) => quantile(run.latencies, 0.5)), p99: runs.map((run) => quantile(run.latencies, 0.99)), rate: runs.map((run) => run.opsPerSec) };
    });
    // 64 in flight: a round of each in turn.
    const conc = await interleave(
      opts,
      Object.fromEntries(systems.map((s, i) => [String(i), (ms: number) => closedLoop(s.run, CONCURRENT, { warmupMs: 0, timeMs: ms })])) as Record<string, Round<LoopResult>>,
      (r) => report.start(`${CONCURRENT} concurrent, round ${r + 1}`),
    );
    const concP50 = systems.map((_, i) => conc[String(i)]!.map((run) => quantile(run.latencies, 0.5)));
    systems.forEach((s, i) => {
      report.record(s.system, `${s.what}, sequential`, { threads, concurrency: 1, rounds }, {
        p50_ms: spread(seq[i]!.p50).median,
        p99_ms: spread(seq[i]!.p99).median,
        calls_per_sec: spread(seq[i]!.rate).median,
      });
    });
    systems.forEach((s, i) => {
      const runs = conc[String(i)]!;
      report.record(s.system, `${s.what}, ${CONCURRENT} concurrent`, { threads, concurrency: CONCURRENT, rounds }, {
        p50_ms: spread(concP50[i]!).median,
        p99_ms: spread(runs.map((run) => quantile(run.latencies, 0.99))).median,
        calls_per_sec: spread(runs.map((run) => run.opsPerSec)).median,
      });
    });
    recordRatio(report, 'interested_p50_at_64_vs_bare_pool', `example_presence_router ÷ bare Piscina task, p50, ${CONCURRENT} in flight`, ratioOf(concP50[1]!, concP50[0]!));
    recordRatio(report, 'interested_p50_vs_bare_pool', 'example_presence_router ÷ bare Piscina task, p50, one call at a time', ratioOf(seq[1]!.p50, seq[0]!.p50));
  } finally {
    await Promise.all([host.close(), bundled.close(), pool.destroy()]);
  }
  report.finish();
});
