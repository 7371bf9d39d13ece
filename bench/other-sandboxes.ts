/**
 * Question: what would the example router cost in the sandboxes a user might pick instead, isolated-vm
 * (V8 isolates, native addon) and quickjs-emscripten (QuickJS compiled to Wasm)? Same batches, same
 * answer (checked against the in-process baseline before timing), time per batch.
 *
 * Each runs the router as plain JavaScript inside the sandbox, under a deadline and a 128 MiB memory
 * limit like the host's: the batch goes in as a JSON string of the same seven-field tuples the
 * host puts on its wire, the answer comes out as JSON, destination → batch indices, and indices are
 * mapped back to the caller's objects exactly as the host does. They skip what the host does besides
 * (validating the states, collapsing equal ones), which only flatters them.
 *
 * isolated-vm runs one isolate on the calling thread (applySync) and, for "all threads", one isolate per
 * core called asynchronously (each isolate then runs on its own thread). quickjs-emscripten runs on the
 * calling thread only: spreading it over threads means building a worker pool around it, which is what
 * presence-sandbox is.
 *
 * The target ratios (vs_isolated_vm against isolated-vm's better of 1 and N threads, vs_quickjs) come
 * from interleaved rounds of the host and the sandboxes at batch 1000 (lib/interleave.ts).
 */
import { availableParallelism } from 'node:os';
import type { UserPresenceState, UsersForStates } from '../host/index.js';
import { exampleRouter } from './baselines/routers.js';
import { BATCH_SIZES, EXAMPLE_CONFIG, makeBatch, toTuple } from './lib/batches.js';
import { canonical, expectSameRouting } from './lib/canonical.js';
import { interleave, ratioOf, recordRatio, roundsOf, spread, type Round } from './lib/interleave.js';
import { closedLoop, quantile, syncLoop } from './lib/measure.js';
import { loadOptional } from './lib/optional.js';
import { Reporter, main, options, type Options } from './lib/question.js';
import { SANDBOX, hostFor } from './lib/systems.js';

const QUESTION = 'other-sandboxes';
// Looser than the host's 1 s default: this deadline is wall time on the calling thread, and a loaded
// machine must not fail the run (the host's counts only its worker's time in the module).
const DEADLINE_MS = 10_000;
const MEMORY_MB = 128;
const RATIO_BATCH = 1000;

/** The example router as plain JavaScript, config baked in: JSON tuples in, JSON destination → indices out. */
const ROUTER_SOURCE = `
const ALWAYS = ${JSON.stringify([...new Set(EXAMPLE_CONFIG.always_send_to_users)])};
const BLACKLISTED = new Set(${JSON.stringify(EXAMPLE_CONFIG.blacklisted_users)});
globalThis.route = function route(json) {
  const states = JSON.parse(json);
  const desired = [];
  for (let i = 0; i < states.length; i++) if (!BLACKLISTED.has(states[i][0])) desired.push(i);
  const out = {};
  for (const user of ALWAYS) out[user] = desired;
  return JSON.stringify(out);
};
`;

/** The caller's side of one call, identical for both sandboxes: encode, run, map indices back. */
function caller(run: (json: string) => string): (states: readonly UserPresenceState[]) => UsersForStates {
  return (states) => answer(states, run(JSON.stringify(states.map(toTuple))));
}

function asyncCaller(run: (json: string) => Promise<string>): (states: readonly UserPresenceState[]) => Promise<UsersForStates> {
  return async (states) => answer(states, await run(JSON.stringify(states.map(toTuple))));
}

function answer(states: readonly UserPresenceState[], json: string): UsersForStates {
  const routing: UsersForStates = new Map();
  for (const [destination, indices] of Object.entries(JSON.parse(json) as Record<string, number[]>)) {
    const set = new Set<UserPresenceState>();
    for (const i of indices) set.add(states[i]!);
    routing.set(destination, set);
  }
  return routing;
}

// The few calls made into each library, typed here so that tsc does not need them installed.
interface IvmReference {
  applySync(self: undefined, args: unknown[], options: { timeout: number }): unknown;
  apply(self: undefined, args: unknown[], options: { timeout: number }): Promise<unknown>;
}
interface IvmIsolate {
  createContextSync(): { evalSync(code: string): unknown; global: { getSync(key: string, options: { reference: true }): IvmReference } };
  dispose(): void;
}
interface Ivm {
  Isolate: new (options: { memoryLimit: number }) => IvmIsolate;
}
interface QjsHandle {
  dispose(): void;
}
interface QjsContext {
  evalCode(code: string): unknown;
  unwrapResult(result: unknown): QjsHandle;
  getProp(handle: QjsHandle, key: string): QjsHandle;
  newString(value: string): QjsHandle;
  callFunction(fn: QjsHandle, self: QjsHandle, ...args: QjsHandle[]): unknown;
  getString(handle: QjsHandle): string;
  global: QjsHandle;
  undefined: QjsHandle;
  dispose(): void;
}
interface QjsRuntime {
  setMemoryLimit(bytes: number): void;
  setInterruptHandler(handler: () => boolean): void;
  newContext(): QjsContext;
  dispose(): void;
}
interface Qjs {
  getQuickJS(): Promise<{ newRuntime(): QjsRuntime }>;
}

function ivmRoute(ivm: Ivm): { isolate: IvmIsolate; route: IvmReference } {
  const isolate = new ivm.Isolate({ memoryLimit: MEMORY_MB });
  const context = isolate.createContextSync();
  context.evalSync(ROUTER_SOURCE);
  return { isolate, route: context.global.getSync('route', { reference: true }) };
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const cores = availableParallelism();
  const batches = BATCH_SIZES.map((size) => ({ size, states: makeBatch(size) }));
  const baseline = exampleRouter(EXAMPLE_CONFIG);
  const [ivm, qjs] = await Promise.all([loadOptional<Ivm>('isolated-vm'), loadOptional<Qjs>('quickjs-emscripten')]);
  report.plan(batches.length * ((ivm.ok ? (cores > 1 ? 2 : 1) : 0) + (qjs.ok ? 1 : 0)) + (ivm.ok || qjs.ok ? roundsOf(opts).rounds : 0));

  const check = (what: string, route: (s: readonly UserPresenceState[]) => UsersForStates) => {
    for (const { size, states } of batches) {
      expectSameRouting(`${what}, batch ${size}`, canonical(route(states)), canonical(baseline(states)));
    }
    report.note(`check: ${what} gives the in-process baseline's answer for batches ${BATCH_SIZES.join(', ')}`);
  };
  const record = (system: string, threads: number, size: number, run: { opsPerSec: number; latencies?: number[] }) => {
    const name = `example_presence_router, batch ${size}, ${threads} thread${threads > 1 ? 's' : ''}`;
    const metrics: Record<string, number> = { states_per_sec: run.opsPerSec * size, calls_per_sec: run.opsPerSec };
    if (run.latencies) Object.assign(metrics, { p50_ms: quantile(run.latencies, 0.5), p99_ms: quantile(run.latencies, 0.99) });
    report.record(system, name, { module: 'example_presence_router', batch: size, threads }, metrics);
  };

  // Each sandbox's route at batch RATIO_BATCH, kept open for the interleaved rounds, closed after them.
  const rounds: Record<string, Round> = {};
  const closers: (() => void)[] = [];
  try {
    if (ivm.ok) await isolatedVm(ivm.module, opts, report, batches, cores, check, record, rounds, closers);
    else report.skip('isolated-vm', ivm.reason);
    if (qjs.ok) await quickJs(qjs.module, opts, report, batches, check, record, rounds, closers);
    else report.skip('quickjs', qjs.reason);
    if (ivm.ok || qjs.ok) await targetRatios(report, opts, cores, rounds);
  } finally {
    for (const close of closers) close();
  }
  report.finish();
});

type Batches = { size: number; states: UserPresenceState[] }[];
type Check = (what: string, route: (s: readonly UserPresenceState[]) => UsersForStates) => void;
type Record_ = (system: string, threads: number, size: number, run: { opsPerSec: number; latencies?: number[] }) => void;

/** vs_isolated_vm (isolated-vm's better of 1 and N threads, round by round) and vs_quickjs, interleaved with the host. */
async function targetRatios(report: Reporter, opts: Options, cores: number, sandboxes: Record<string, Round>): Promise<void> {
  const states = makeBatch(RATIO_BATCH);
  const host = await hostFor('example_presence_router', { threads: cores });
  try {
    const rates: Record<string, number[]> = await interleave<string>(
      opts,
      { sandbox: async (ms) => (await closedLoop(() => host.getUsersForStates(states), 2 * cores, { warmupMs: 0, timeMs: ms })).opsPerSec * RATIO_BATCH, ...sandboxes },
      (r) => report.start(`interleaved round ${r + 1}: presence-sandbox, ${Object.keys(sandboxes).join(', ')}`),
    );
    const what = `example_presence_router, batch ${RATIO_BATCH}, ${cores} threads`;
    for (const [system, values] of Object.entries(rates)) {
      report.record(system === 'sandbox' ? SANDBOX : system.replace(/ .*/, ''), `${what}: ${system}, interleaved rounds (median)`, { batch: RATIO_BATCH, interleaved: true, rounds: values.length }, { states_per_sec: spread(values).median });
    }
    const ivm = Object.keys(rates).filter((k) => k.startsWith('isolated-vm'));
    if (ivm.length > 0) {
      const best = rates.sandbox!.map((_, i) => Math.max(...ivm.map((k) => rates[k]![i]!)));
      recordRatio(report, 'vs_isolated_vm', `${what}, against isolated-vm's better of ${ivm.map((k) => k.replace('isolated-vm ', '')).join(' and ')}`, ratioOf(rates.sandbox!, best));
    }
    if (rates.quickjs) recordRatio(report, 'vs_quickjs', `${what}, against quickjs on 1 thread`, ratioOf(rates.sandbox!, rates.quickjs));
  } finally {
    await host.close();
  }
}

async function isolatedVm(ivm: Ivm, opts: Options, report: Reporter, batches: Batches, cores: number, check: Check, record: Record_, rounds: Record<string, Round>, closers: (() => void)[]) {
  const one = ivmRoute(ivm);
  closers.push(() => one.isolate.dispose());
  const route = caller((json) => one.route.applySync(undefined, [json], { timeout: DEADLINE_MS }) as string);
  check('isolated-vm', route);
  for (const { size, states } of batches) {
    report.start(`isolated-vm, batch ${size}, 1 thread`);
    record('isolated-vm', 1, size, syncLoop(() => route(states), opts));
  }
  const ratioStates = makeBatch(RATIO_BATCH);
  rounds['isolated-vm 1 thread'] = (ms) => syncLoop(() => route(ratioStates), { warmupMs: 0, timeMs: ms }).opsPerSec * RATIO_BATCH;
  if (cores < 2) return;
  // One isolate per core, called asynchronously: isolated-vm runs each isolate's work on its own thread.
  const isolates = Array.from({ length: cores }, () => ivmRoute(ivm));
  let next = 0;
  const routeAsync = asyncCaller(async (json) => {
    const { route } = isolates[next++ % isolates.length]!;
    return (await route.apply(undefined, [json], { timeout: DEADLINE_MS })) as string;
  });
  closers.push(() => isolates.forEach((i) => i.isolate.dispose()));
  for (const { size, states } of batches) {
    report.start(`isolated-vm, batch ${size}, ${cores} threads`);
    record('isolated-vm', cores, size, await closedLoop(() => routeAsync(states), 2 * cores, opts));
  }
  rounds[`isolated-vm ${cores} threads`] = async (ms) => (await closedLoop(() => routeAsync(ratioStates), 2 * cores, { warmupMs: 0, timeMs: ms })).opsPerSec * RATIO_BATCH;
}

async function quickJs(qjs: Qjs, opts: Options, report: Reporter, batches: Batches, check: Check, record: Record_, rounds: Record<string, Round>, closers: (() => void)[]) {
  const QuickJS = await qjs.getQuickJS();
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(MEMORY_MB * 1024 * 1024);
  let deadline = 0;
  runtime.setInterruptHandler(() => Date.now() > deadline);
  const vm = runtime.newContext();
  deadline = Date.now() + DEADLINE_MS;
  vm.unwrapResult(vm.evalCode(ROUTER_SOURCE)).dispose();
  const fn = vm.getProp(vm.global, 'route');
  const route = caller((json) => {
    deadline = Date.now() + DEADLINE_MS;
    const arg = vm.newString(json);
    try {
      const result = vm.unwrapResult(vm.callFunction(fn, vm.undefined, arg));
      try {
        return vm.getString(result);
      } finally {
        result.dispose();
      }
    } finally {
      arg.dispose();
    }
  });
  check('quickjs', route);
  for (const { size, states } of batches) {
    report.start(`quickjs, batch ${size}, 1 thread`);
    record('quickjs', 1, size, syncLoop(() => route(states), opts));
  }
  const ratioStates = makeBatch(RATIO_BATCH);
  rounds.quickjs = (ms) => syncLoop(() => route(ratioStates), { warmupMs: 0, timeMs: ms }).opsPerSec * RATIO_BATCH;
  closers.push(() => {
    fn.dispose();
    vm.dispose();
    runtime.dispose();
  });
}
