// The guest side of ABI v1 (docs/abi.md), exported under exactly the ABI's names. A module's entry file
// re-exports all of this with `export * from "../../guest-sdk/exports";`.

import { Config } from "./config";
import { currentRouter, initRouter } from "./registry";
import { decodeBatch, encodeInterested, encodeRouting } from "./wire";
import { publish, publishString } from "./result";
import { decodeUtf8 } from "./utf8";
import { userIdError } from "./userid";
import { E_BAD_INPUT, E_BAD_USER } from "./errors";
import { afterCall } from "./collect";

/** The ABI version this SDK implements (an immutable i32 global export). */
export const presence_abi_version: i32 = 1;

// The input presence_alloc handed out for the next callback. Holding it here keeps it from the GC while
// the host writes it and the callback decodes it; the callback then lets go, and from there the input
// lives as long as something references it: a batch reads its user IDs and status messages from it, and
// a state built from the batch keeps its status_msg bytes there until the router reads them (presence.ts).
let pending: ArrayBuffer | null = null;

/** Reserves `size` bytes for the host's input, in a GC-managed buffer (see `pending`). */
export function presence_alloc(size: i32): usize {
  const input = new ArrayBuffer(size);
  pending = input;
  return changetype<usize>(input);
}

/** Builds the router from the msgpack config; 0, or a descriptor naming the config error. */
export function presence_init(ptr: usize, len: i32): usize {
  const config = Config.decode(changetype<usize>(input(ptr, len)), <usize>len);
  pending = null; // the config copies what it keeps
  const error = initRouter(config);
  const result: usize = error === null ? 0 : publishString(error);
  afterCall(<usize>len, 0);
  return result;
}

/** Batch of states in, map of destination -> batch indices out. */
export function presence_users_for_states(ptr: usize, len: i32): usize {
  const batch = decodeBatch(input(ptr, len), <usize>len);
  pending = null; // the batch, and states built from it, keep the input alive as long as they need it
  const w = encodeRouting(currentRouter().getUsersForBatch(batch));
  const result = publish(w.buffer, w.length); // held until the host has read it, collections or not
  afterCall(<usize>len, <usize>w.length);
  return result;
}

/** A local user ID (raw UTF-8) in, "ALL" or an array of user IDs out. */
export function presence_interested_users(ptr: usize, len: i32): usize {
  const decoded = decodeUtf8(changetype<usize>(input(ptr, len)), <usize>len);
  pending = null;
  if (decoded === null) throw new Error(E_BAD_USER + "invalid UTF-8");
  const userId = decoded;
  const reason = userIdError(userId);
  if (reason !== null) throw new Error(E_BAD_USER + reason);
  const w = encodeInterested(currentRouter().getInterestedUsers(userId));
  const result = publish(w.buffer, w.length);
  afterCall(<usize>len, <usize>w.length);
  return result;
}

// The callback's input: `[ptr, ptr + len)` must lie in the buffer presence_alloc handed out last, since
// decoded states read their status_msg bytes from that buffer later.
function input(ptr: usize, len: i32): ArrayBuffer {
  const buffer = pending;
  if (buffer === null || changetype<usize>(buffer) != ptr || <u32>len > <u32>buffer.byteLength) {
    throw new Error(E_BAD_INPUT);
  }
  return buffer;
}
