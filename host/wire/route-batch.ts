/**
 * The binary wire's call, inside the worker: check and deduplicate the caller's batch, let the guest
 * route the distinct states, and give the answer back in the caller's own indices, each destination's
 * ascending and without repeats, so that the main thread only unions lists and writes bytes.
 *
 * An invalid batch is the caller's error, not the module's: it comes back as a verdict (the guest never
 * runs), so it is neither a fault nor a call of the module.
 */
import { ErrorCode, SandboxError } from '../errors.js';
import { ALL_FIELDS } from '../protocol/abi.js';
import type { BatchRoutingResult, CallTask, RoutingResult } from '../protocol/envelopes.js';
import type { Guest } from '../worker/guest.js';
import { readRouting, type ResultCaps } from '../worker/output-reader.js';
import { projectBatch } from './project.js';
import { readBatch, type CheckedBatch } from './read-batch.js';

type BatchTask = Extract<CallTask, { kind: 'users_for_states_batch' }>;

/** `calling()` is told when the check is over and the guest's call begins (the task clock's `calling`). */
export function routeBatch(guest: Guest, task: BatchTask, caps: ResultCaps, calling: () => void): BatchRoutingResult {
  let checked: CheckedBatch;
  try {
    checked = readBatch(task.batch, task.maxStates);
  } catch (err) {
    if (err instanceof SandboxError && err.code === ErrorCode.INVALID_INPUT) return { invalid: { path: err.path ?? 'body', message: err.message } };
    throw err;
  }
  const callback = guest.usersForStates;
  if (callback === undefined) return { destinations: [], offsets: new Uint32Array(1), indices: new Uint32Array(0) };
  // Every field was checked; the guest is sent only those it reads (docs/abi.md "Field projection").
  let input = checked.guestInput;
  if (task.fields !== ALL_FIELDS) {
    const projected = new Uint8Array(input.byteLength);
    input = projected.subarray(0, projectBatch(input, ALL_FIELDS, task.fields, projected));
  }
  calling();
  const result = guest.invoke(callback, input, 'users_for_states');
  return inRequestIndices(readRouting(result, checked.count, caps), checked.firstIndex);
}

/**
 * Maps distinct-state indices to first occurrences in the request, then sorts and drops repeats within
 * each destination. Distinct states are numbered in first-seen order, so the mapping keeps the order.
 */
export function inRequestIndices(routing: RoutingResult, firstIndex: Uint32Array | null): RoutingResult {
  const { destinations, offsets, indices } = routing;
  // Already in the batch's own indices and every list ascending (as the SDK writes them): as it is.
  if (firstIndex === null && everyListAscending(routing)) return routing;
  const out = new Uint32Array(indices.length);
  const outOffsets = new Uint32Array(offsets.length);
  let k = 0;
  for (let d = 0; d < destinations.length; d++) {
    outOffsets[d] = k;
    const start = k;
    // Guests usually answer each list ascending already (the SDK keeps it so): sorted only when not.
    let ascending = true;
    for (let j = offsets[d]!; j < offsets[d + 1]!; j++) {
      const index = firstIndex === null ? indices[j]! : firstIndex[indices[j]!]!;
      if (k > start && index <= out[k - 1]!) ascending = false;
      out[k++] = index;
    }
    if (ascending) continue;
    const list = out.subarray(start, k).sort();
    // Compact the sorted list in place, dropping repeats.
    let w = 0;
    for (let r = 0; r < list.length; r++) if (r === 0 || list[r] !== list[r - 1]) list[w++] = list[r]!;
    k = start + w;
  }
  outOffsets[destinations.length] = k;
  // A view would cross the thread boundary with its whole buffer.
  return { destinations, offsets: outOffsets, indices: k === out.length ? out : out.slice(0, k) };
}

function everyListAscending({ destinations, offsets, indices }: RoutingResult): boolean {
  for (let d = 0; d < destinations.length; d++) {
    for (let j = offsets[d]! + 1; j < offsets[d + 1]!; j++) if (indices[j]! <= indices[j - 1]!) return false;
  }
  return true;
}
