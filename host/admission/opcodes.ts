/**
 * The feature check of the code section: walks every instruction of every function body, decoding just
 * enough of each immediate to find the next opcode, and refuses the first instruction of a proposal the
 * host does not accept (features.ts). It does not validate: the engine does that, in the same thread,
 * at the same time (static-check.ts). It allocates nothing proportional to the input and runs in the
 * admission worker, never on the main thread (a 16 MiB code section takes tens of milliseconds:
 * bench/README.md).
 *
 * Why not wabt's reader with features switched off: it builds the whole module's IR in its own
 * Emscripten heap (hundreds of MB for a 16 MiB module) and takes seconds, where this walk takes tens of
 * milliseconds and nothing else (bench/README.md, admission).
 */
import { Proposal, checkValType, featureRefused } from './features.js';
import { Malformed } from './sections.js';

/** An opcode this walk does not know, where the engine may know it: refused unless the module is invalid anyway. */
export class UnknownOpcode extends Error {}

const EH = new Set([0x06, 0x07, 0x08, 0x09, 0x0a, 0x18, 0x19, 0x1f]);
const TYPED_REFERENCES = new Set([0x14, 0x15, 0xd4, 0xd5, 0xd6]);
/** Opcodes with no immediate: control, parametric, all numeric ops, sign extension, ref.is_null. */
function plain(op: number): boolean {
  return op === 0x00 || op === 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b ||
    (op >= 0x45 && op <= 0xc4) || op === 0xd1;
}

export function scanCode(bytes: Uint8Array, start: number, end: number): void {
  let at = start;
  const u32 = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= end) throw new Malformed(`unexpected end at byte ${at}`);
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Malformed(`malformed LEB128 before byte ${at}`);
  };
  const skipLeb = (maxBytes: number): void => {
    for (let i = 0; i < maxBytes; i++) {
      if (at >= end) throw new Malformed(`unexpected end at byte ${at}`);
      if (bytes[at++]! < 0x80) return;
    }
    throw new Malformed(`malformed LEB128 before byte ${at}`);
  };
  const skip = (n: number): void => {
    at += n;
    if (at > end) throw new Malformed(`unexpected end at byte ${end}`);
  };
  /** align (bit 6: a memory index follows, multi-memory), then offset. */
  const memarg = (opAt: number): void => {
    const align = u32();
    if (align & 0x40) throw featureRefused(Proposal.MULTI_MEMORY, 'an explicit memory index', opAt);
    skipLeb(5);
  };
  const memoryIndex = (opAt: number): void => {
    if (u32() !== 0) throw featureRefused(Proposal.MULTI_MEMORY, 'a memory index other than 0', opAt);
  };

  const count = u32();
  for (let f = 0; f < count; f++) {
    const size = u32();
    const bodyEnd = at + size;
    if (bodyEnd > end) throw new Malformed(`function body ${f} runs past the code section`);
    const groups = u32();
    for (let g = 0; g < groups; g++) {
      u32();
      if (at >= bodyEnd) throw new Malformed(`unexpected end at byte ${at}`);
      checkValType(bytes[at]!, at);
      at++;
    }
    while (at < bodyEnd) {
      const opAt = at;
      const op = bytes[at++]!;
      if (plain(op)) continue;
      switch (op) {
        case 0x02: // block
        case 0x03: // loop
        case 0x04: { // if
          const b = bytes[at]!;
          if (b >= 0x80) skipLeb(5); // a type index (s33) of two or more bytes
          else if (b < 0x40) at++; // a one-byte type index
          else if (b === 0x40) at++; // empty
          else {
            checkValType(b, at);
            at++;
          }
          break;
        }
        case 0x0c: // br
        case 0x0d: // br_if
        case 0x10: // call
        case 0x12: // return_call (tail calls: accepted)
        case 0x20: case 0x21: case 0x22: // local.get, set, tee
        case 0x23: case 0x24: // global.get, set
        case 0x25: case 0x26: // table.get, set
        case 0xd2: // ref.func
          u32();
          break;
        case 0x0e: { // br_table
          const labels = u32();
          for (let i = 0; i <= labels; i++) u32();
          break;
        }
        case 0x11: // call_indirect
        case 0x13: // return_call_indirect
          u32();
          u32();
          break;
        case 0x1c: { // select t*
          const n = u32();
          for (let i = 0; i < n; i++) {
            checkValType(bytes[at]!, at);
            skip(1);
          }
          break;
        }
        case 0x3f: // memory.size
        case 0x40: // memory.grow
          memoryIndex(opAt);
          break;
        case 0x41: // i32.const
          skipLeb(5);
          break;
        case 0x42: // i64.const
          skipLeb(10);
          break;
        case 0x43: // f32.const
          skip(4);
          break;
        case 0x44: // f64.const
          skip(8);
          break;
        case 0xd0: // ref.null
          checkValType(bytes[at]!, at);
          skip(1);
          break;
        case 0xfc:
          miscellaneous(u32(), opAt);
          break;
        case 0xfd:
          simd(u32(), opAt);
          break;
        case 0xfe:
          throw featureRefused(Proposal.THREADS, 'an atomic instruction', opAt);
        case 0xfb:
          throw featureRefused(Proposal.GC, 'a GC instruction', opAt);
        default:
          if (op >= 0x28 && op <= 0x3e) memarg(opAt); // loads and stores
          else if (EH.has(op)) throw featureRefused(Proposal.EXCEPTIONS, `instruction 0x${op.toString(16)}`, opAt);
          else if (TYPED_REFERENCES.has(op)) throw featureRefused(Proposal.TYPED_REFERENCES, `instruction 0x${op.toString(16)}`, opAt);
          else if (op === 0xd3) throw featureRefused(Proposal.GC, 'ref.eq', opAt);
          else throw new UnknownOpcode(`opcode 0x${op.toString(16)} at byte ${opAt}`);
      }
    }
    if (at !== bodyEnd) throw new Malformed(`function body ${f} ends inside an instruction`);
  }

  /** 0xfc: saturating truncation (0-7), bulk memory and table instructions (8-17). */
  function miscellaneous(sub: number, opAt: number): void {
    if (sub <= 7) return;
    switch (sub) {
      case 8: // memory.init data, memory
        u32();
        memoryIndex(opAt);
        return;
      case 10: // memory.copy dst, src
        memoryIndex(opAt);
        memoryIndex(opAt);
        return;
      case 11: // memory.fill
        memoryIndex(opAt);
        return;
      case 9: // data.drop
      case 13: // elem.drop
      case 15: // table.grow (bounded by the table cap)
      case 16: // table.size
      case 17: // table.fill
        u32();
        return;
      case 12: // table.init
      case 14: // table.copy
        u32();
        u32();
        return;
      default:
        throw new UnknownOpcode(`opcode 0xfc ${sub} at byte ${opAt}`);
    }
  }

  /** 0xfd: fixed-width SIMD (0x00-0xff) accepted; relaxed SIMD (0x100 and up) refused. */
  function simd(sub: number, opAt: number): void {
    if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) memarg(opAt); // loads, splat loads, store, zero loads
    else if (sub === 0x0c || sub === 0x0d) skip(16); // v128.const, i8x16.shuffle
    else if (sub >= 0x15 && sub <= 0x22) skip(1); // extract_lane, replace_lane
    else if (sub >= 0x54 && sub <= 0x5b) {
      memarg(opAt); // load_lane, store_lane
      skip(1);
    } else if (sub >= 0x100) throw featureRefused(Proposal.RELAXED_SIMD, `instruction 0xfd ${sub}`, opAt);
  }
}
