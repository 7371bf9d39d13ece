// The result descriptor of docs/abi.md: 8 bytes, { u32 ptr, u32 len }, naming bytes the host copies
// out after the callback returns. The descriptor is static data; the result bytes stay reachable from
// `held` (so the GC keeps them) until the next result replaces them, which is after the host has
// copied them: the host reads nothing once it calls into the module again.

const DESCRIPTOR: usize = memory.data(8);
let held: ArrayBuffer | null = null;

/** Publishes the first `len` bytes of `bytes` as the call's result; returns the descriptor pointer. */
export function publish(bytes: ArrayBuffer, len: i32): usize {
  held = bytes;
  store<u32>(DESCRIPTOR, <u32>changetype<usize>(bytes));
  store<u32>(DESCRIPTOR, <u32>len, 4);
  return DESCRIPTOR;
}

/** Publishes `message` as UTF-8, as presence_init does with a config error. */
export function publishString(message: string): usize {
  const bytes = String.UTF8.encode(message, false, String.UTF8.ErrorMode.REPLACE);
  return publish(bytes, bytes.byteLength);
}
