// The guest side of ABI v1 (docs/abi.md), exported under exactly the ABI's names. A module's entry file
// re-exports all of this with `export * from "../../guest-sdk/exports";`.

import { Config } from "./config";
import { currentRouter, initRouter } from "./registry";
import { decodeBatch, encodeInterested, encodeRouting } from "./wire";
import { publish, publishString } from "./result";
import { decodeUtf8 } from "./utf8";
import { userIdError } from "./userid";
import { E_BAD_USER } from "./errors";

/** The ABI version this SDK implements (an immutable i32 global export). */
export const presence_abi_version: i32 = 1;

/**
 * Reserves `size` bytes for the host's input. heap.alloc is the raw allocator, outside the GC's view,
 * so the input cannot be collected while the host writes it; each callback frees it once decoded.
 */
export function presence_alloc(size: i32): usize {
  return heap.alloc(<usize>size);
}

/** Builds the router from the msgpack config; 0, or a descriptor naming the config error. */
export function presence_init(ptr: usize, len: i32): usize {
  const config = Config.decode(ptr, <usize>len);
  heap.free(ptr);
  const error = initRouter(config);
  return error === null ? 0 : publishString(error);
}

/** Batch of states in, map of destination -> batch indices out. */
export function presence_users_for_states(ptr: usize, len: i32): usize {
  const states = decodeBatch(ptr, <usize>len);
  heap.free(ptr);
  const w = encodeRouting(currentRouter().getUsersForStates(states));
  return publish(w.buffer, w.length);
}

/** A local user ID (raw UTF-8) in, "ALL" or an array of user IDs out. */
export function presence_interested_users(ptr: usize, len: i32): usize {
  const decoded = decodeUtf8(ptr, <usize>len);
  heap.free(ptr);
  if (decoded === null) throw new Error(E_BAD_USER + "invalid UTF-8");
  const userId = decoded;
  const reason = userIdError(userId);
  if (reason !== null) throw new Error(E_BAD_USER + reason);
  const w = encodeInterested(currentRouter().getInterestedUsers(userId));
  return publish(w.buffer, w.length);
}
