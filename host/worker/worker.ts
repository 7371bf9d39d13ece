/**
 * What runs inside a pool's worker thread: one module, instantiated before the thread takes any task.
 *
 * Readiness: entry.cts hands Piscina a handler only once warm() has instantiated the module and run init,
 * and Piscina does not call a new thread ready (nor give a replacement a task) before it has its handler.
 * An idle thread cannot do this later: between tasks Piscina's worker sleeps in Atomics.wait, so nothing
 * scheduled for "when the thread is idle" (setImmediate) runs until the next task arrives.
 *
 * State and recovery: the thread holds one `Guest` (instance, memory, the module's own heap). After a
 * fault the instance is dropped, because a trap can stop the guest halfway through updating its own heap
 * (an allocator's free list, say) and nothing proves the next call would be safe. The faulted call is
 * answered at once (an AnswerMessage on parentPort), and the same task then builds a fresh instance from
 * the shared compiled module and re-runs init with the same config, so Piscina sees the thread busy until
 * it is ready again and gives the next call to a ready thread (the pool's spare). When a deadline kills
 * the whole thread (main side), everything here is lost and the replacement thread instantiates as it
 * starts. A module keeps no state across calls that matters (docs/abi.md), so nothing else needs
 * rebuilding. If an instantiation ahead of need fails, the next task instantiates again and reports the
 * failure with its code.
 *
 * Deadlines: each task's phases (instantiating, checking a wire batch, calling, done, re-instantiating) are recorded in shared
 * memory (protocol/task-clock.ts), so the pool charges the module only for the time this thread spent
 * in it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaultCode, RefusalReason } from '../errors.js';
import type {
  BatchRoutingResult,
  Failure,
  InterestResult,
  LoadResult,
  Outcome,
  AnswerMessage,
  Reply,
  RoutingResult,
  Task,
  WorkerSetup,
} from '../protocol/envelopes.js';
import { outcomeOf } from '../protocol/reply.js';
import { Phase, TaskClock } from '../protocol/task-clock.js';
import { Guest } from './guest.js';
import { classify, GuestFailure } from './guest-failure.js';
import { TRAP_STACK_FRAMES, TrapLocator } from './trap-location.js';
import { readInterest, readRouting } from './output-reader.js';
import { inRequestIndices, routeBatch } from '../wire/route-batch.js';

const setup = workerData as WorkerSetup;
/** Per-call reports asked for: calls are measured and always answered with their whole Outcome. */
const reports = setup.reports === true;
const encoder = new TextEncoder();
/** The user ID of an interested_users call, encoded in place: `encode` allocates, and cost more (bench/interested-hops.ts). */
const userIdBytes = new Uint8Array(1024);
const clock = new TaskClock(setup.clock.buffer, setup.clock.epoch);
const locator = setup.sourceMap === undefined ? undefined : new TrapLocator(setup.sourceMap);
// Only for a module with a map: deeper stacks cost every error of this thread a little more to capture.
if (locator !== undefined) Error.stackTraceLimit = Math.max(Error.stackTraceLimit, TRAP_STACK_FRAMES);

/** This thread's instance of the module (per thread by design: each worker serves one module). */
let guest: Guest | undefined;

type Value = LoadResult | RoutingResult | BatchRoutingResult | InterestResult;

/** No logs or sends (never written to: outcomes copy what they hold). */
const NONE: readonly never[] = Object.freeze([]);

/**
 * Instantiate ahead of need: before the thread is ready (entry.cts) and after a fault, before the thread
 * takes its next task. A failure here is left for the next task, which instantiates again and reports it
 * with its code.
 */
export function warm(): void {
  if (guest !== undefined) return;
  try {
    const fresh = new Guest(setup.module, setup.maxOutputBytes, setup.fuel, reports);
    fresh.runInit(setup.config);
    guest = fresh;
  } catch {
    guest = undefined;
  }
}

export default function handle(task: Task): Reply<Value> {
  let instantiated = false;
  try {
    if (guest === undefined) {
      clock.mark(task.slot, task.id, Phase.instantiating);
      const fresh = new Guest(setup.module, setup.maxOutputBytes, setup.fuel, reports);
      fresh.runInit(setup.config);
      guest = fresh;
      instantiated = true;
    }
  } catch (err) {
    clock.mark(task.slot, task.id, Phase.done);
    return { ok: false, failure: describe(err), logs: [], sends: [], fuelUsed: null };
  }
  // The wire's batch is checked first, which is the host's work (route-batch.ts marks `calling` after).
  clock.mark(task.slot, task.id, task.kind === 'users_for_states_batch' ? Phase.checking : Phase.calling);
  const reply = callGuest(guest, task, instantiated);
  if (guest !== undefined) {
    clock.mark(task.slot, task.id, Phase.done);
    return reply;
  }
  // A fault's reply is always a whole Outcome.
  const outcome = outcomeOf(reply);
  // The call faulted and dropped its instance (callGuest has returned: nothing holds the old one while
  // the new one is built). Recorded before the answer leaves, so the call's deadline never sees the call
  // still running; then a fresh instance, before this thread takes another task.
  clock.mark(task.slot, task.id, Phase.reinstantiating);
  parentPort?.postMessage({ presenceSandboxAnswer: task.id, outcome } satisfies AnswerMessage);
  warm();
  clock.mark(task.slot, task.id, Phase.done);
  return outcome;
}

/** Runs the task on `current`; a fault drops this thread's instance (guest = undefined). */
function callGuest(current: Guest, task: Task, instantiated: boolean): Reply<Value> {
  const load = task.kind === 'load';
  // init's sends are delivered once, by the admission load; re-inits of later instances stay silent.
  const initSends = load ? current.record.sends : NONE;
  // init's logs: from this task's instantiation, or from warm() before the admission load.
  const initLogs = instantiated || load ? current.record.logs : NONE;
  current.record = { logs: [], sends: [] };
  // Each call sets the counter (Guest.invoke); a task that runs no guest code used none.
  if (!load) current.clearFuel();
  try {
    const value = run(current, task);
    const { logs, sends } = current.record;
    // Nothing but the answer to carry: the answer alone (envelopes.ts Reply).
    if (task.kind === 'interested_users' && !reports && logs.length === 0 && sends.length === 0 && initLogs.length === 0) return value as InterestResult;
    // A load reports the instance's init, which ran before the load (warm()) or just now.
    const measure = !reports ? undefined : task.kind === 'load' ? current.initMeasure : current.takeMeasure(entriesOf(value));
    return { ok: true, value, logs: [...initLogs, ...logs], sends: [...initSends, ...sends], fuelUsed: load ? current.initFuelUsed : current.fuelUsed, measure };
  } catch (err) {
    guest = undefined;
    // A faulting call delivers none of its sends (docs/abi.md); its logs help explain the fault.
    const failure = atMemoryCap(current) ? memoryLimit(classify(err)) : describe(err);
    const measure = reports ? current.takeMeasure(0) : undefined;
    return { ok: false, failure, logs: [...initLogs, ...current.record.logs], sends: [], fuelUsed: load ? current.initFuelUsed : current.fuelUsed, measure };
  }
}

/** Distinct entries a result holds, for the per-call report. */
function entriesOf(value: Value): number {
  if (value === 'ALL') return 0;
  if (Array.isArray(value)) return value.length;
  if ('destinations' in value) return value.destinations.length + value.indices.length;
  return 0;
}

/** The failure's code and message, naming the author's source line for a trap when the module has a map. */
function describe(err: unknown): Failure {
  const failure = classify(err);
  return locator === undefined ? failure : locator.describe(failure, err);
}

/**
 * A guest that faults with its memory grown close to the cap was almost surely refused memory.grow: the
 * host cannot see the refusal itself (it is a -1 inside the guest), only where memory ended up. Allocators
 * grow in steps (AssemblyScript's by at least what one allocation needs), hence the margin.
 */
function atMemoryCap(current: Guest): boolean {
  const margin = Math.max(setup.maxMemoryBytes / 16, 2 * 1024 * 1024);
  return current.memoryBytes + margin > setup.maxMemoryBytes;
}

function memoryLimit(cause: Failure): Failure {
  const cap = setup.maxMemoryBytes;
  return { code: FaultCode.MEMORY_LIMIT, message: `reached the memory cap of ${cap} bytes (sandbox.max_memory_bytes); then ${cause.message}` };
}

function run(current: Guest, task: Task): Value {
  switch (task.kind) {
    case 'load':
      return { hasCallbacks: current.usersForStates !== undefined };
    case 'users_for_states': {
      const callback = current.usersForStates;
      if (callback === undefined) return { destinations: [], offsets: new Uint32Array(1), indices: new Uint32Array(0) };
      const result = current.invoke(callback, task.batch, 'users_for_states');
      // Each list ascending and without repeats here, off the main thread, which then only unions them.
      return inRequestIndices(readRouting(result, task.count, setup), null);
    }
    case 'users_for_states_batch':
      return routeBatch(current, task, setup, () => clock.mark(task.slot, task.id, Phase.calling));
    case 'interested_users': {
      const callback = current.interestedUsers;
      if (callback === undefined) return [];
      const { read, written } = encoder.encodeInto(task.userId, userIdBytes);
      const input = read === task.userId.length ? userIdBytes.subarray(0, written) : encoder.encode(task.userId);
      const result = current.invoke(callback, input, 'interested_users');
      return readInterest(result, setup);
    }
    default:
      throw new GuestFailure(RefusalReason.LOAD_FAILED, `unknown task ${JSON.stringify(task)}`);
  }
}
