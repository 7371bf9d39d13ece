/**
 * Which WebAssembly proposals a module may use (docs/abi.md, "Features"), decided by the host and not by
 * whatever the engine in this Node happens to ship: Node 20 accepts exception handling, threads and tail
 * calls; later versions add GC, multi-memory and memory64.
 *
 * Accepted: WebAssembly 2.0 (multi-value, reference types with bounded tables, bulk memory, non-trapping
 * float-to-int, sign extension, mutable globals), fixed-width SIMD and tail calls: all compute over
 * values and the module's own bounded memory and tables. Refused: exception handling (a module could
 * catch the trap the host raises from an import with `catch_all` and answer normally), threads (shared
 * memory and atomics: an instance is single-threaded, and `memory.atomic.wait` would block the worker),
 * multi-memory and memory64 (the memory cap is one 32-bit memory), GC and typed function references (GC
 * objects live on the worker's JS heap, outside every cap the host writes into the binary), and relaxed
 * SIMD (its results may differ between machines; a module's answers must depend only on its input).
 */
import { RefusalReason } from '../errors.js';
import { Malformed } from './sections.js';
import { Refusal } from './refusal.js';

export const Proposal = {
  EXCEPTIONS: 'exception handling',
  THREADS: 'threads (shared memory, atomics)',
  MULTI_MEMORY: 'multi-memory',
  MEMORY64: 'memory64',
  GC: 'garbage collection (GC)',
  TYPED_REFERENCES: 'typed function references',
  RELAXED_SIMD: 'relaxed SIMD',
} as const;
export type Proposal = (typeof Proposal)[keyof typeof Proposal];

export const ValType = {
  I32: 0x7f,
  I64: 0x7e,
  F32: 0x7d,
  F64: 0x7c,
  V128: 0x7b,
  FUNCREF: 0x70,
  EXTERNREF: 0x6f,
} as const;

const ACCEPTED_VALTYPES = new Set<number>(Object.values(ValType));
/** Value types of refused proposals, so that the refusal can name the proposal. */
const REFUSED_VALTYPES = new Map<number, Proposal>([
  [0x69, Proposal.EXCEPTIONS], // exnref
  [0x74, Proposal.EXCEPTIONS], // nullexnref
  [0x63, Proposal.TYPED_REFERENCES], // (ref null ht)
  [0x64, Proposal.TYPED_REFERENCES], // (ref ht)
  ...[0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x71, 0x72, 0x73].map((b) => [b, Proposal.GC] as [number, Proposal]),
]);

export function featureRefused(proposal: Proposal, what: string, at: number): Refusal {
  return new Refusal(
    RefusalReason.FEATURE_REFUSED,
    `uses ${proposal} (${what} at byte ${at}), which this host does not accept (docs/abi.md, "Features")`,
  );
}

/** `byte` is a value type a module may use; anything else is refused, naming its proposal. */
export function checkValType(byte: number | undefined, at: number): void {
  if (byte !== undefined && ACCEPTED_VALTYPES.has(byte)) return;
  if (byte === undefined) throw new Malformed(`unexpected end at byte ${at}`);
  const proposal = REFUSED_VALTYPES.get(byte);
  if (proposal !== undefined) throw featureRefused(proposal, `value type 0x${byte.toString(16)}`, at);
  throw new Malformed(`unknown value type 0x${byte.toString(16)} at byte ${at}`);
}

export function isReferenceType(byte: number): boolean {
  return byte === ValType.FUNCREF || byte === ValType.EXTERNREF;
}
