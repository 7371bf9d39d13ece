/**
 * The memory cap, enforced in the binary itself: the module's memory maximum is set to the cap (when it
 * declares none or a larger one) before compiling, so `memory.grow` past the cap fails inside the guest,
 * whatever toolchain built it. Checking after a call would be too late: a module can touch gigabytes
 * within one call.
 *
 * Why not binaryen: it is a 100 MB dependency that re-emits the whole module (about 140 ms just to read a
 * 37 KB one) and its JS API cannot change a memory's maximum without rebuilding every data segment. The
 * change needed is the limits of one memory type; everything else stays byte for byte as built.
 * The input has passed `WebAssembly.validate`, so the structure is known good; bounds are checked anyway.
 */
import { RefusalReason, moduleRefused } from '../errors.js';
const MEMORY_SECTION = 5;
const LIMITS_MIN = 0x00;
const LIMITS_MIN_MAX = 0x01;

interface Leb {
  value: number;
  end: number;
}

function readLeb(bytes: Uint8Array, at: number): Leb {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && i < at + 5; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, end: i + 1 };
  }
  throw new Error(`malformed LEB128 at byte ${at}`);
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/** Returns the module with its memory maximum at most `maxPages`; refuses memories the ABI rules out. */
export function capMemory(bytes: Uint8Array<ArrayBuffer>, maxPages: number, label: string): Uint8Array<ArrayBuffer> {
  let at = 8; // magic + version
  while (at < bytes.length) {
    const id = bytes[at]!;
    const size = readLeb(bytes, at + 1);
    const payloadStart = size.end;
    const payloadEnd = payloadStart + size.value;
    if (id === MEMORY_SECTION) {
      const replacement = cappedMemorySection(bytes.subarray(payloadStart, payloadEnd), maxPages, label);
      if (replacement === undefined) return bytes;
      const header = [MEMORY_SECTION, ...writeLeb(replacement.length)];
      const out = new Uint8Array(bytes.length - (payloadEnd - at) + header.length + replacement.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(header, at);
      out.set(replacement, at + header.length);
      out.set(bytes.subarray(payloadEnd), at + header.length + replacement.length);
      return out;
    }
    at = payloadEnd;
  }
  return bytes; // no memory section: admission refuses the missing memory export
}

function cappedMemorySection(payload: Uint8Array, maxPages: number, label: string): number[] | undefined {
  const count = readLeb(payload, 0);
  if (count.value !== 1) {
    throw moduleRefused(label, RefusalReason.MISSING_EXPORT, `defines ${count.value} memories; the ABI allows exactly one`);
  }
  const flags = payload[count.end]!;
  if (flags !== LIMITS_MIN && flags !== LIMITS_MIN_MAX) {
    const kind = flags & 0x04 ? 'a 64-bit memory' : 'a shared memory';
    throw moduleRefused(label, RefusalReason.MEMORY_REFUSED, `declares ${kind}; the ABI allows one 32-bit unshared memory`);
  }
  const min = readLeb(payload, count.end + 1);
  if (min.value > maxPages) {
    throw moduleRefused(
      label,
      RefusalReason.MEMORY_REFUSED,
      `starts with ${min.value} pages of memory, over the cap of ${maxPages} (sandbox.max_memory_bytes)`,
    );
  }
  const max = flags === LIMITS_MIN_MAX ? readLeb(payload, min.end).value : Infinity;
  if (max <= maxPages) return undefined;
  return [1, LIMITS_MIN_MAX, ...writeLeb(min.value), ...writeLeb(maxPages)];
}
