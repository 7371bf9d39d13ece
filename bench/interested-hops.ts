/**
 * Question: where does an interested_users call spend what a bare Piscina task does not? Each hop of the
 * host's call path is called on its own, one call at a time, in interleaved rounds with a bare task (a
 * no-op on a pool of the same shape), and reported as the median of the rounds' p50 ratios, with the CPU
 * each call costs:
 *
 *   bare task → the host's worker and the guest on a plain Piscina pool (no host code on this thread)
 *     → the same with the call's deadline (host/pool/deadline.ts) → ModulePool.call (the gate, the task
 *     record) → PresenceHost.getInterestedUsers (admission control, the module's health, settling, merge)
 *
 * The last one's ratio is the target's (interested_p50_vs_bare_pool, measured in interested-latency.ts).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Packr } from 'msgpackr';
import { Piscina } from 'piscina';
import { compileAndInspect } from '../host/admission/inspect.js';
import { bundledModulePath } from '../host/admission/resolve.js';
import { DEFAULT_LIMITS } from '../host/config/schema.js';
import { workerFile } from '../host/paths.js';
import { Deadlines } from '../host/pool/deadline.js';
import { ModulePool } from '../host/pool/module-pool.js';
import type { Task, WorkerSetup } from '../host/protocol/envelopes.js';
import { TaskClock } from '../host/protocol/task-clock.js';
import { barePool, warm } from './lib/bare-pool.js';
import { MODULES } from './lib/batches.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread, type Round } from './lib/interleave.js';
import { closedLoop, quantile } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { hostFor } from './lib/systems.js';

const QUESTION = 'interested-hops';
const MODULE = 'example_presence_router';
const USER = '@someone.else:example.com';

/** The module as the host admits it with the default limits (capped, fuel-metered), as the host's pool gets it. */
async function setupFor(clock: TaskClock): Promise<WorkerSetup> {
  const { module } = await compileAndInspect(new Uint8Array(readFileSync(bundledModulePath(MODULE))), MODULE, DEFAULT_LIMITS);
  return {
    module,
    config: new Packr({ useRecords: false }).pack(MODULES[MODULE]),
    clock: { buffer: clock.buffer, epoch: clock.epoch },
    maxOutputBytes: DEFAULT_LIMITS.max_output_bytes,
    maxMemoryBytes: DEFAULT_LIMITS.max_memory_bytes,
    maxDestinations: DEFAULT_LIMITS.max_destinations,
    maxInterestedUsers: DEFAULT_LIMITS.max_interested_users,
    maxResultEntries: DEFAULT_LIMITS.max_result_entries,
    fuel: { perCall: DEFAULT_LIMITS.max_fuel_per_call, init: DEFAULT_LIMITS.max_fuel_init },
  };
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  const limits = { ...DEFAULT_LIMITS, threads };
  const clock = TaskClock.create(4);
  const setup = await setupFor(clock);
  const { clock: _clock, ...poolSetup } = setup;
  const bare = barePool(threads);
  // The host's worker on a pool shaped like the host's (one spare thread), driven with no host code.
  const workers = new Piscina<Task, unknown>({ filename: workerFile, workerData: setup, minThreads: threads + 1, maxThreads: threads + 1, idleTimeout: Infinity, concurrentTasksPerWorker: 1 });
  const modulePool = new ModulePool(poolSetup, limits);
  const host = await hostFor(MODULE, { threads });
  let id = 1;
  const task = (): Task => ({ kind: 'interested_users', userId: USER, id: id++, slot: -1 });
  await Promise.all([warm(bare, threads), Promise.all(Array.from({ length: 4 * threads }, () => workers.run(task()))), modulePool.load()]);
  const deadlines = new Deadlines();
  const hops = {
    bare: () => bare.run({ kind: 'interested_users', userId: USER }),
    worker: () => workers.run(task()),
    deadline: async () => {
      const deadline = deadlines.watch(limits.call_timeout_ms, 'call');
      try {
        return await workers.run(task(), { signal: deadline.signal });
      } finally {
        deadlines.drop(deadline);
      }
    },
    pool: () => modulePool.call({ kind: 'interested_users', userId: USER }),
    host: () => host.getInterestedUsers(USER),
  };
  const labels: Record<keyof typeof hops, string> = {
    bare: 'bare Piscina task (no-op)',
    worker: "host's worker + guest on a plain Piscina pool",
    deadline: '+ the deadline (host/pool/deadline.ts)',
    pool: 'ModulePool.call (+ gate, task record)',
    host: 'PresenceHost.getInterestedUsers (+ admission control, health, settle, merge)',
  };
  const names = Object.keys(hops) as (keyof typeof hops)[];
  const { rounds } = roundsOf(opts);
  report.plan(rounds);
  try {
    // A round of each hop in turn, one call at a time (not call by call: interested-latency.ts says why);
    // each round's p50 and the CPU its calls cost, every thread of this process (user + system), which
    // unlike latency does not count waiting for a core.
    const runs = await interleave(
      opts,
      Object.fromEntries(
        names.map((k) => [
          k,
          async (ms: number) => {
            const before = process.cpuUsage();
            const run = await closedLoop(hops[k], 1, { warmupMs: 0, timeMs: ms });
            const { user, system } = process.cpuUsage(before);
            return { p50: quantile(run.latencies, 0.5), cpuUs: (user + system) / run.ops };
          },
        ]),
      ) as Record<keyof typeof hops, Round<{ p50: number; cpuUs: number }>>,
      (r) => report.start(`round ${r + 1}`),
    );
    const p50s = Object.fromEntries(names.map((k) => [k, runs[k].map((r) => r.p50)])) as Record<keyof typeof hops, number[]>;
    const cpuUs = Object.fromEntries(names.map((k) => [k, runs[k].map((r) => r.cpuUs)])) as Record<keyof typeof hops, number[]>;
    for (const k of names) {
      const vs = ratioOf(p50s[k], p50s.bare);
      report.record('profile', `interested_users, sequential: ${labels[k]}`, { hop: k, threads }, {
        p50_us: spread(p50s[k]).median * 1000,
        vs_bare: vs.median,
        vs_bare_min: vs.min,
        vs_bare_max: vs.max,
        cpu_us_per_call: spread(cpuUs[k]).median,
      });
    }
    recordRatio(report, 'interested_host_vs_worker', 'PresenceHost.getInterestedUsers ÷ the host worker on a plain pool, p50', ratioOf(p50s.host, p50s.worker));
  } finally {
    deadlines.close();
    await Promise.all([bare.destroy(), workers.destroy(), modulePool.close(), host.close()]);
  }
  report.finish();
});
