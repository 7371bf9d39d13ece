/**
 * What runs inside a pool's worker thread: one module, instantiated as the thread starts (warm()) or, failing that, by the next task.
 *
 * State and recovery: the thread holds one `Guest` (instance, memory, the module's own heap). After a
 * fault the instance is dropped, because a trap can stop the guest halfway through updating its own heap
 * (an allocator's free list, say) and nothing proves the next call would be safe; the next task builds a
 * fresh instance from the shared compiled module and re-runs init with the same config. When a deadline
 * kills the whole thread (main side), everything here is lost and the replacement thread starts from
 * nothing in the same way. A module keeps no state across calls that matters (docs/abi.md), so nothing
 * else needs rebuilding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaultCode, RefusalReason } from '../errors.js';
import type {
  BatchRoutingResult,
  Failure,
  InterestResult,
  LoadResult,
  Outcome,
  PhaseMessage,
  RoutingResult,
  Task,
  WorkerSetup,
} from '../protocol/envelopes.js';
import { Guest } from './guest.js';
import { classify, GuestFailure } from './guest-failure.js';
import { readInterest, readRouting } from './output-reader.js';
import { routeBatch } from '../wire/route-batch.js';

const setup = workerData as WorkerSetup;
const encoder = new TextEncoder();

/** This thread's instance of the module (per thread by design: each worker serves one module). */
let guest: Guest | undefined;

type Value = LoadResult | RoutingResult | BatchRoutingResult | InterestResult;

/**
 * Instantiate ahead of need: when the thread starts and after a fault, so that the next call (often the
 * first after a kill) finds an instance ready. A failure here is left for the next task, which
 * instantiates again and reports it with its code.
 */
export function warm(): void {
  if (guest !== undefined) return;
  try {
    const fresh = new Guest(setup.module, setup.maxOutputBytes);
    fresh.runInit(setup.config);
    guest = fresh;
  } catch {
    guest = undefined;
  }
}

export default function handle(task: Task): Outcome<Value> {
  let instantiated = false;
  try {
    if (guest === undefined) {
      phase('instantiating', task.id);
      const fresh = new Guest(setup.module, setup.maxOutputBytes);
      fresh.runInit(setup.config);
      guest = fresh;
      instantiated = true;
      phase('calling', task.id);
    } else if (task.reportStart) {
      phase('calling', task.id);
    }
  } catch (err) {
    return { ok: false, failure: classify(err), logs: [], sends: [] };
  }
  const current = guest;
  // init's sends are delivered once, by the admission load; re-inits of later instances stay silent.
  const initSends = task.kind === 'load' ? current.record.sends : [];
  // init's logs: from this task's instantiation, or from warm() before the admission load.
  const initLogs = instantiated || task.kind === 'load' ? current.record.logs : [];
  current.record = { logs: [], sends: [] };
  try {
    const value = run(current, task);
    const { logs, sends } = current.record;
    return { ok: true, value, logs: [...initLogs, ...logs], sends: [...initSends, ...sends] };
  } catch (err) {
    guest = undefined;
    setImmediate(warm);
    // A faulting call delivers none of its sends (docs/abi.md); its logs help explain the fault.
    const failure = atMemoryCap(current) ? memoryLimit(classify(err)) : classify(err);
    return { ok: false, failure, logs: [...initLogs, ...current.record.logs], sends: [] };
  }
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

/** Sent before the slow part starts, so the main thread hears of it even if that part never ends. */
function phase(presenceSandboxPhase: PhaseMessage['presenceSandboxPhase'], id: number): void {
  parentPort?.postMessage({ presenceSandboxPhase, id } satisfies PhaseMessage);
}

function run(current: Guest, task: Task): Value {
  switch (task.kind) {
    case 'load':
      return { hasCallbacks: current.usersForStates !== undefined };
    case 'users_for_states': {
      const callback = current.usersForStates;
      if (callback === undefined) return { destinations: [], offsets: new Uint32Array(1), indices: new Uint32Array(0) };
      const result = current.invoke(callback, task.batch, 'users_for_states');
      return readRouting(result, task.count, setup.maxDestinations);
    }
    case 'users_for_states_batch':
      return routeBatch(current, task.batch, task.maxStates, setup.maxDestinations);
    case 'interested_users': {
      const callback = current.interestedUsers;
      if (callback === undefined) return [];
      const result = current.invoke(callback, encoder.encode(task.userId), 'interested_users');
      return readInterest(result, setup.maxInterestedUsers);
    }
    default:
      throw new GuestFailure(RefusalReason.LOAD_FAILED, `unknown task ${JSON.stringify(task)}`);
  }
}
