// When the module's garbage is collected. Modules build with AssemblyScript's minimal runtime
// (asconfig.json), which has no write barriers and never collects on its own: the SDK collects between
// calls, when nothing of a call is on the stack. That made the example router's guest time 2.3 times
// shorter than the incremental runtime (bench/README.md).
//
// A full collection marks everything the router keeps (its config), so it must not run after every
// call: with a large config that would cost more than the call. Instead each call runs up a debt, an
// estimate of the garbage it left (a few times what it decoded and encoded, plus a fixed share), and the
// SDK collects once the debt reaches a quarter of the module's memory, so marking is paid in proportion
// to allocation, as an incremental collector would. It also collects whenever memory grew during a call:
// the allocator only grows memory when its free space is used up. A router that makes far more garbage
// than it decodes and encodes may still reach the memory cap between collections; the host then reports
// memory_limit and starts a fresh instance. With another runtime this stays correct (and collects a
// little more often than that runtime would on its own).

/** Garbage a call is assumed to leave beyond its input and output, in bytes. */
const PER_CALL_BYTES: usize = 1024;
/** Never collect for less than this much estimated garbage. */
const MIN_BUDGET_BYTES: usize = 1 << 20;

let debt: usize = 0;
let pagesAtLastCollection: i32 = 0;

/** Called at the end of every export, once its result is published. */
export function afterCall(inputBytes: usize, outputBytes: usize): void {
  debt += (inputBytes << 2) + (outputBytes << 1) + PER_CALL_BYTES;
  const pages = memory.size();
  const budget = max<usize>(<usize>pages << 14, MIN_BUDGET_BYTES); // a quarter of memory
  if (debt < budget && pages == pagesAtLastCollection) return;
  __collect();
  debt = 0;
  pagesAtLastCollection = memory.size();
}
