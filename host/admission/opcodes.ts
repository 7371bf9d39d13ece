/**
 * The feature check of the code section: walks every instruction of every function body, decoding just
 * enough of each immediate to find the next opcode, and refuses the first instruction of a proposal the
 * host does not accept (features.ts). It does not validate: the engine does that, in the same thread,
 * at the same time (static-check.ts). It allocates nothing proportional to the input and runs in the
 * admission worker, never on the main thread.
 *
 * Why not wabt's reader with features switched off: it builds the whole module's IR in its Emscripten
 * heap, taking seconds and hundreds of MB on a 16 MiB module, where this walk takes a fraction of a second
 * and no memory (bench/README.md, "Admission: off the main thread").
 */
import { Proposal, checkValType, featureRefused } from './features.js';
import { Malformed } from './sections.js';

/** An opcode this walk does not know, where the engine may: refused unless the module is invalid anyway. */
export class UnknownOpcode extends Error {}

/** How each one-byte opcode's immediates are laid out; the walk is one table look-up per instruction. */
const enum Imm {
  NONE,
  U32,
  MEMARG,
  I32,
  I64,
  BYTES4,
  BYTES8,
  BR_TABLE,
  SELECT_TYPES,
  MEMORY_INDEX,
  HEAP_TYPE,
  PREFIX_FC,
  PREFIX_FD,
  /** block, loop, if: a block type; the fuel meter (fuel-meter.ts) follows the nesting. */
  CONTROL_OPEN,
  /** else, end: as CONTROL_OPEN. */
  CONTROL_NEXT,
  /** call, return_call: a function index (the meter notes the function is not a leaf). */
  CALL,
  /** call_indirect, return_call_indirect: a type and a table index (as CALL). */
  CALL_INDIRECT,
  /** global.get, global.set: the index is checked when the module is metered (it must not reach the counter). */
  GLOBAL,
  /** Refused or unknown: the slow path names it. */
  OTHER,
}

const IMMEDIATES = new Uint8Array(256).fill(Imm.OTHER);
const set = (imm: Imm, ...ops: number[]) => ops.forEach((op) => (IMMEDIATES[op] = imm));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
set(Imm.NONE, 0x00, 0x01, 0x0f, 0x1a, 0x1b, 0xd1, ...range(0x45, 0xc4)); // numeric ops, sign extension
set(Imm.CONTROL_OPEN, 0x02, 0x03, 0x04);
set(Imm.CONTROL_NEXT, 0x05, 0x0b);
// br, br_if, local.*, table.get/set, ref.func
set(Imm.U32, 0x0c, 0x0d, 0x20, 0x21, 0x22, 0x25, 0x26, 0xd2);
set(Imm.CALL, 0x10, 0x12); // call, return_call (tail calls: accepted)
set(Imm.CALL_INDIRECT, 0x11, 0x13);
set(Imm.GLOBAL, 0x23, 0x24);
set(Imm.BR_TABLE, 0x0e);
set(Imm.SELECT_TYPES, 0x1c);
set(Imm.MEMARG, ...range(0x28, 0x3e)); // loads and stores
set(Imm.MEMORY_INDEX, 0x3f, 0x40); // memory.size, memory.grow
set(Imm.I32, 0x41);
set(Imm.I64, 0x42);
set(Imm.BYTES4, 0x43);
set(Imm.BYTES8, 0x44);
set(Imm.HEAP_TYPE, 0xd0);
set(Imm.PREFIX_FC, 0xfc);
set(Imm.PREFIX_FD, 0xfd);

const EXCEPTIONS = new Set([0x06, 0x07, 0x08, 0x09, 0x0a, 0x18, 0x19, 0x1f]);
const TYPED_REFERENCES = new Set([0x14, 0x15, 0xd4, 0xd5, 0xd6]);

/**
 * What the walk tells the fuel meter (fuel-meter.ts), when the module is metered: where each function's
 * locals and instructions start, and each structured control instruction with the count of instructions
 * walked since the last one.
 */
export interface CodeMeter {
  /** The module's own globals: an index at or past it would reach the fuel counter. */
  readonly globals: number;
  /** A function's body: its locals start at `localsStart`, its instructions at `at`. */
  begin(localsStart: number, at: number): void;
  /**
   * block, loop, if, else or end (`op`), the next instruction at `at`, after `cost` instructions counted
   * in the current region (this one included): the count to go on from.
   */
  control(op: number, at: number, cost: number): number;
  /** The function's body ended at `bodyEnd`; `calls`: it holds a call instruction. */
  finish(bodyEnd: number, calls: boolean): void;
}

export function scanCode(bytes: Uint8Array, start: number, end: number, meter?: CodeMeter): void {
  let at = start;
  const count = readU32(bytes, at, end);
  at = next;
  for (let f = 0; f < count; f++) {
    const size = readU32(bytes, at, end);
    at = next;
    const bodyEnd = at + size;
    if (bodyEnd > end) throw new Malformed(`function body ${f} runs past the code section`);
    const groups = readU32(bytes, at, bodyEnd);
    at = next;
    for (let g = 0; g < groups; g++) {
      readU32(bytes, at, bodyEnd);
      at = next;
      if (at >= bodyEnd) throw new Malformed(`unexpected end at byte ${at}`);
      checkValType(bytes[at]!, at);
      at++;
    }
    meter?.begin(bodyEnd - size, at);
    at = walkBody(bytes, at, bodyEnd, meter);
    if (at !== bodyEnd) throw new Malformed(`function body ${f} ends inside an instruction`);
    meter?.finish(bodyEnd, calls);
  }
}

/**
 * One function body's instructions. Written as one loop over local variables, with LEB128 immediates
 * skipped inline (a byte below 0x80 ends one): the walk runs once per admission in a fresh thread, mostly
 * before the JIT has optimised anything, so its shape decides its speed. Running past the body's end
 * stops the loop, and the caller refuses a body that does not end exactly at its end.
 */
/** Whether the body walked last holds a call (one module-wide slot, as `next`: the walk is synchronous). */
let calls = false;

function walkBody(bytes: Uint8Array, at: number, bodyEnd: number, meter: CodeMeter | undefined): number {
  let cost = 0; // instructions in the current region, counted for the meter
  calls = false;
  while (at < bodyEnd) {
    const opAt = at;
    const op = bytes[at++]!;
    cost++;
    switch (IMMEDIATES[op]) {
      case Imm.NONE:
        break;
      case Imm.U32:
      case Imm.I32:
      case Imm.I64:
        while (bytes[at++]! & 0x80);
        break;
      case Imm.CALL:
        calls = true;
        while (bytes[at++]! & 0x80);
        break;
      case Imm.CALL_INDIRECT:
        calls = true;
        while (bytes[at++]! & 0x80);
        while (bytes[at++]! & 0x80);
        break;
      case Imm.MEMARG:
        // The common case inline: a one-byte alignment without the memory-index bit, then the offset.
        if (bytes[at]! < 0x40) {
          at++;
          while (bytes[at++]! & 0x80);
        } else at = memarg(bytes, at, bodyEnd, opAt);
        break;
      case Imm.CONTROL_OPEN:
        at = blockType(bytes, at);
        if (meter !== undefined) cost = meter.control(op, at, cost);
        break;
      case Imm.CONTROL_NEXT:
        if (meter !== undefined) cost = meter.control(op, at, cost);
        break;
      case Imm.GLOBAL:
        if (meter !== undefined && readU32(bytes, at, bodyEnd) >= meter.globals) {
          throw new Malformed(`global ${readU32(bytes, at, bodyEnd)} at byte ${opAt} is past the module's ${meter.globals} globals`);
        }
        while (bytes[at++]! & 0x80);
        break;
      case Imm.BYTES4:
        at += 4;
        break;
      case Imm.BYTES8:
        at += 8;
        break;
      case Imm.BR_TABLE: {
        const labels = readU32(bytes, at, bodyEnd);
        at = next;
        for (let i = 0; i <= labels && at < bodyEnd; i++) while (bytes[at++]! & 0x80);
        break;
      }
      case Imm.SELECT_TYPES: {
        const n = readU32(bytes, at, bodyEnd);
        at = next;
        for (let i = 0; i < n; i++, at++) checkValType(bytes[at]!, at);
        break;
      }
      case Imm.MEMORY_INDEX:
        at = memoryIndex(bytes, at, bodyEnd, opAt);
        break;
      case Imm.HEAP_TYPE:
        checkValType(bytes[at]!, at);
        at++;
        break;
      case Imm.PREFIX_FC:
        at = miscellaneous(bytes, readU32(bytes, at, bodyEnd), next, bodyEnd, opAt);
        break;
      case Imm.PREFIX_FD:
        at = simd(bytes, readU32(bytes, at, bodyEnd), next, bodyEnd, opAt);
        break;
      default:
        refuse(op, opAt);
    }
  }
  return at;
}

/** Past a block type: empty, a value type, or a type index (s33). */
function blockType(bytes: Uint8Array, at: number): number {
  const b = bytes[at]!;
  if (b >= 0x80) while (bytes[at++]! & 0x80); // a type index of two or more bytes
  else if (b <= 0x40) at++; // a one-byte type index, or empty
  else {
    checkValType(b, at);
    at++;
  }
  return at;
}

/** The offset just past the LEB128 read last by readU32 (one module-wide slot: the walk is synchronous). */
let next = 0;

function readU32(bytes: Uint8Array, at: number, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) throw new Malformed(`unexpected end at byte ${at}`);
    const b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      next = at;
      return value;
    }
  }
  throw new Malformed(`malformed LEB128 before byte ${at}`);
}

/** align (bit 6 set: a memory index follows, multi-memory), then the offset. */
function memarg(bytes: Uint8Array, at: number, end: number, opAt: number): number {
  const align = readU32(bytes, at, end);
  at = next;
  if (align & 0x40) throw featureRefused(Proposal.MULTI_MEMORY, 'an explicit memory index', opAt);
  while (bytes[at++]! & 0x80);
  return at;
}

function memoryIndex(bytes: Uint8Array, at: number, end: number, opAt: number): number {
  if (readU32(bytes, at, end) !== 0) throw featureRefused(Proposal.MULTI_MEMORY, 'a memory index other than 0', opAt);
  return next;
}

/** 0xfc: saturating truncation (0-7), bulk memory and table instructions (8-17). */
function miscellaneous(bytes: Uint8Array, sub: number, at: number, end: number, opAt: number): number {
  if (sub <= 7) return at;
  switch (sub) {
    case 8: // memory.init data, memory
      readU32(bytes, at, end);
      return memoryIndex(bytes, next, end, opAt);
    case 10: // memory.copy dst, src
      return memoryIndex(bytes, memoryIndex(bytes, at, end, opAt), end, opAt);
    case 11: // memory.fill
      return memoryIndex(bytes, at, end, opAt);
    case 9: // data.drop
    case 13: // elem.drop
    case 15: // table.grow (bounded by the table cap)
    case 16: // table.size
    case 17: // table.fill
      readU32(bytes, at, end);
      return next;
    case 12: // table.init
    case 14: // table.copy
      readU32(bytes, at, end);
      readU32(bytes, next, end);
      return next;
    default:
      throw new UnknownOpcode(`opcode 0xfc ${sub} at byte ${opAt}`);
  }
}

/** 0xfd: fixed-width SIMD (0x00-0xff) accepted; relaxed SIMD (0x100 and up) refused. */
function simd(bytes: Uint8Array, sub: number, at: number, end: number, opAt: number): number {
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) return memarg(bytes, at, end, opAt); // loads, splats, store, zero loads
  if (sub === 0x0c || sub === 0x0d) return at + 16; // v128.const, i8x16.shuffle
  if (sub >= 0x15 && sub <= 0x22) return at + 1; // extract_lane, replace_lane
  if (sub >= 0x54 && sub <= 0x5b) return memarg(bytes, at, end, opAt) + 1; // load_lane, store_lane
  if (sub >= 0x100) throw featureRefused(Proposal.RELAXED_SIMD, `instruction 0xfd ${sub}`, opAt);
  return at;
}

function refuse(op: number, at: number): never {
  const what = `instruction 0x${op.toString(16)}`;
  if (EXCEPTIONS.has(op)) throw featureRefused(Proposal.EXCEPTIONS, what, at);
  if (TYPED_REFERENCES.has(op)) throw featureRefused(Proposal.TYPED_REFERENCES, what, at);
  if (op === 0xfe) throw featureRefused(Proposal.THREADS, 'an atomic instruction', at);
  if (op === 0xfb || op === 0xd3) throw featureRefused(Proposal.GC, what, at);
  throw new UnknownOpcode(`opcode 0x${op.toString(16)} at byte ${at}`);
}
