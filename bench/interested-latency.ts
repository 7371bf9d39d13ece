/**
 * Question: how long does get_interested_users take, one call at a time and with 64 calls in flight, next
 * to a bare Piscina task that does nothing on a pool of the same shape? Both use every core's thread.
 *
 * The host serves the example router alone (one pool, like the bare one); the user asked about is not in
 * always_send_to_users, so the answer is the empty set, the common case. A second host serves the bundled
 * config (two modules, so two pools answer each call) for reference.
 */
import { availableParallelism } from 'node:os';
import { PresenceHost } from '../host/index.js';
import { barePool, warm } from './lib/bare-pool.js';
import { MODULES } from './lib/batches.js';
import { closedLoop, quantile, type LoopResult } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';

const QUESTION = 'interested-latency';
const USER = '@someone.else:example.com';
const CONCURRENCY = [1, 64];

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  report.plan(CONCURRENCY.length * 3);
  const record = (system: string, what: string, c: number, run: LoopResult) =>
    report.record(system, `${what}, ${c === 1 ? 'sequential' : `${c} concurrent`}`, { threads, concurrency: c }, {
      p50_ms: quantile(run.latencies, 0.5),
      p99_ms: quantile(run.latencies, 0.99),
      calls_per_sec: run.opsPerSec,
    });

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
  try {
    const answer = await host.getInterestedUsers(USER);
    if (!(answer instanceof Set) || answer.size !== 0) throw new Error(`expected the empty set for ${USER}, got ${String(answer)}`);
    for (const c of CONCURRENCY) {
      report.start(`bare Piscina task, ${c}`);
      record('bare-piscina', 'no-op task', c, await closedLoop(() => pool.run({ kind: 'interested_users', userId: USER }), c, opts));
      report.start(`example_presence_router, ${c}`);
      record(SANDBOX, 'example_presence_router', c, await closedLoop(() => host.getInterestedUsers(USER), c, opts));
      report.start(`bundled config, ${c}`);
      record(SANDBOX, 'bundled config (2 modules)', c, await closedLoop(() => bundled.getInterestedUsers(USER), c, opts));
    }
  } finally {
    await Promise.all([host.close(), bundled.close(), pool.destroy()]);
  }
  report.finish();
});
