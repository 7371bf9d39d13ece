/**
 * Question: how long is a module unavailable after a call deadline killed its worker, and how long does
 * a host take from its config to its first answer?
 *
 * Recovery: test/fixtures/wat/loop_in_users_for_states.wat loops in every users_for_states call and
 * answers interested_users at once. On a one-thread pool with a 200 ms call deadline, each round makes one
 * users_for_states call (it times out: Piscina terminates the thread and starts a replacement), then one
 * interested_users call as soon as the first resolves. That second call cannot run before the replacement
 * thread is up and has instantiated the module: its duration is the recovery time. The kill itself is
 * reported as how long after the deadline the timed-out call resolved.
 *
 * For comparison, the same on a bare Piscina pool: a task that spins until aborted, then a no-op task;
 * that is the part of recovery that is thread replacement alone.
 *
 * Recovery after a fault that leaves the thread alive: a bundled module (a real AssemblyScript module with
 * its config to parse in init) on a one-thread pool with max_output_bytes lowered until every
 * users_for_states answer is output_too_large, a fault after which the instance is discarded. Each round
 * makes that call, then one interested_users call (a tiny answer): its duration is how long the call right
 * after a fault waits for an instance. Back to back, the next round's fault lands on the spare while the
 * first thread may still be re-instantiating; with a pause between rounds, every fault meets two ready
 * threads.
 *
 * Cold start: PresenceHost.create with the example router (default threads), then one users_for_states
 * call of 10 states; from before create to the answer. Each round builds and closes its own host.
 */
import { performance } from 'node:perf_hooks';
import { PresenceHost, type ModuleCallReport } from '../host/index.js';
import { barePool, warm } from './lib/bare-pool.js';
import { MODULES, makeBatch, type ModuleName } from './lib/batches.js';
import { quantile } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';
import { watModule } from './lib/wat.js';

const QUESTION = 'recovery-and-cold-start';
/** Long enough for a replacement thread to start and report before the deadline of the call it serves. */
const CALL_TIMEOUT_MS = 200;
const TIGHT_TIMEOUT_MS = 50;

function summary(samples: number[]): Record<string, number> {
  return { median_ms: quantile(samples, 0.5), min_ms: Math.min(...samples), max_ms: Math.max(...samples), p99_ms: quantile(samples, 0.99), rounds: samples.length };
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const rounds = opts.quick ? 8 : 40;
  const coldRounds = opts.quick ? 5 : 20;
  report.plan(4);

  // Recovery after a timeout kill.
  report.start('recovery after a timeout kill');
  const loop = await watModule('loop_in_users_for_states');
  const recovery = await recover(loop, CALL_TIMEOUT_MS, rounds);
  const params = { threads: 1, call_timeout_ms: CALL_TIMEOUT_MS };
  report.record(SANDBOX, 'recovery: first answer after a timeout kill', params, summary(recovery.answered));
  report.record(SANDBOX, 'timed-out call resolves, after its deadline', params, summary(recovery.killLag));
  // The same with a tight deadline: the call after a kill has only call_timeout_ms to cover the
  // replacement thread's start, so it may be killed in turn.
  const tight = await recover(loop, TIGHT_TIMEOUT_MS, opts.quick ? 5 : 20);
  report.record(SANDBOX, `recovery with call_timeout_ms ${TIGHT_TIMEOUT_MS}: rounds whose next call was killed too`, { threads: 1, call_timeout_ms: TIGHT_TIMEOUT_MS }, {
    killed_again: tight.killedAgain,
    rounds: tight.rounds,
  });

  // Recovery after a fault the thread survives.
  report.start('the call right after a fault');
  for (const module of ['example_presence_router', 'team_groups_router'] as const) {
    for (const pauseMs of [0, 500]) {
      const after = await afterFault(module, pauseMs === 0 ? rounds : Math.ceil(rounds / 4), pauseMs);
      const params = { module, threads: 1, pause_ms: pauseMs };
      const how = `${module}, ${pauseMs === 0 ? 'back to back' : `${pauseMs} ms apart`}`;
      report.record(SANDBOX, `call right after an output_too_large fault: ${how}`, params, summary(after.next));
      report.record(SANDBOX, `the faulting call itself: ${how}`, params, summary(after.faulted));
    }
  }

  // The same on a bare pool: thread replacement alone.
  report.start('bare Piscina thread replacement');
  const pool = barePool(1);
  await warm(pool, 1);
  const bare: number[] = [];
  try {
    for (let r = 0; r < rounds + 2; r++) {
      const controller = new AbortController();
      const spinning = pool.run({ spin: true }, { signal: controller.signal }).catch(() => undefined);
      // Let the task start, then kill it as a deadline would.
      await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await spinning;
      const t1 = performance.now();
      await pool.run(null);
      if (r >= 2) bare.push(performance.now() - t1);
    }
  } finally {
    await pool.destroy();
  }
  report.record('bare-piscina', 'bare pool: first answer after an abort kill', { threads: 1 }, summary(bare));

  // Cold start.
  report.start('cold start');
  const cold: number[] = [];
  const created: number[] = [];
  const small = makeBatch(10);
  for (let r = 0; r < coldRounds + 1; r++) {
    const t0 = performance.now();
    const h = await hostFor('example_presence_router');
    const t1 = performance.now();
    await h.getUsersForStates(small);
    const t2 = performance.now();
    await h.close();
    if (r === 0) continue; // the first round also loads the host's own code
    created.push(t1 - t0);
    cold.push(t2 - t0);
  }
  report.record(SANDBOX, 'cold start: config to first answer', { module: 'example_presence_router' }, summary(cold));
  report.record(SANDBOX, 'cold start: PresenceHost.create alone', { module: 'example_presence_router' }, summary(created));
  report.finish();
});

interface Recovery {
  /** Per round: from the timed-out call's resolution to the next call's answer. */
  answered: number[];
  /** Per round: how long after its deadline the timed-out call resolved. */
  killLag: number[];
  /** Rounds in which the call after the kill was killed too. */
  killedAgain: number;
  rounds: number;
}

async function recover(module: string, callTimeoutMs: number, rounds: number): Promise<Recovery> {
  const calls: ModuleCallReport[] = [];
  const host = await PresenceHost.create(
    { modules: [{ module }], sandbox: { threads: 1, call_timeout_ms: callTimeoutMs, quarantine_after_faults: 1_000_000 } },
    { log: () => {}, onModuleCall: (c) => calls.push(c) },
  );
  const batch = makeBatch(10);
  const result: Recovery = { answered: [], killLag: [], killedAgain: 0, rounds };
  try {
    for (let r = -2; r < rounds; r++) {
      calls.length = 0;
      const t0 = performance.now();
      await host.getUsersForStates(batch);
      const t1 = performance.now();
      await host.getInterestedUsers('@a:example.com');
      const t2 = performance.now();
      const [first, second] = calls;
      if (first?.outcome !== 'timeout') throw new Error(`round ${r}: expected the looping call to time out, got ${first?.outcome}`);
      if (r < 0) continue; // warm-up rounds
      if (second?.outcome !== 'ok') {
        result.killedAgain++;
        continue;
      }
      result.killLag.push(t1 - t0 - callTimeoutMs);
      result.answered.push(t2 - t1);
    }
  } finally {
    await host.close();
  }
  return result;
}

/** Per round: the faulting call's duration, and the next call's. */
async function afterFault(module: ModuleName, rounds: number, pauseMs: number): Promise<{ faulted: number[]; next: number[] }> {
  const calls: ModuleCallReport[] = [];
  const host = await PresenceHost.create(
    { modules: [{ module, config: MODULES[module] }], sandbox: { threads: 1, max_output_bytes: 16, quarantine_after_faults: 1_000_000 } },
    { log: () => {}, onModuleCall: (c) => calls.push(c) },
  );
  const batch = makeBatch(50);
  const result = { faulted: [] as number[], next: [] as number[] };
  try {
    for (let r = -2; r < rounds; r++) {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      calls.length = 0;
      const t0 = performance.now();
      await host.getUsersForStates(batch);
      const t1 = performance.now();
      await host.getInterestedUsers('@nobody:elsewhere.example');
      const t2 = performance.now();
      const [first, second] = calls;
      if (first?.outcome !== 'output_too_large' || second?.outcome !== 'ok') {
        throw new Error(`round ${r}: expected output_too_large then ok, got ${first?.outcome}, ${second?.outcome}`);
      }
      if (r < 0) continue; // warm-up rounds
      result.faulted.push(t1 - t0);
      result.next.push(t2 - t1);
    }
  } finally {
    await host.close();
  }
  return result;
}
