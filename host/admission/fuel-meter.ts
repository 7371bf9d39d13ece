/**
 * Fuel metering, written into the binary at admission (docs/abi.md, "Fuel"): one mutable i64 global is
 * appended after the module's own, the counter of fuel left. Every region of code (CodeRewriter below)
 * subtracts its cost (one unit per instruction it holds) from it as it starts, and every loop header
 * and the entry of every function that calls then traps (`unreachable`) when the counter is below zero.
 * Any endless run of guest code passes loop headers or such entries without end, so it traps within
 * one region of running out.
 *
 * The host reaches the counter through an export of a reserved name (FUEL_EXPORT); the guest cannot:
 * a global index at or past its own globals in its code, an export of one, or an export that already
 * uses a reserved name is refused here (the first two would be invalid in the module as written, and so
 * are refused as not_wasm). The start function is moved to another reserved export, so that the host
 * sets the counter before any guest code runs and can tell a start function that ran out of fuel from
 * one that trapped.
 *
 * Why by hand and not binaryen: binaryen has no metering pass, takes about 0.6 s to load in a fresh
 * thread, 7 s to read and 2 s to re-emit a 16 MiB module with half a GB of memory; this rewrite rides on
 * the feature walk (opcodes.ts), which already decodes every instruction the host accepts and refuses
 * every other (bench/README.md, "Admission").
 */
import { RefusalReason } from '../errors.js';
import { FUEL_EXPORT, START_EXPORT } from '../protocol/abi.js';
import { InsertedRunsBuilder } from './inserted-runs.js';
import { type CodeMeter, scanCode } from './opcodes.js';
import { Refusal } from './refusal.js';
import { Malformed, SectionId, payload, writeU32, type Section } from './sections.js';
import type { ModuleStructure } from './structure.js';

const I64 = 0x7e;
const MUTABLE = 1;
const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const I64_CONST = 0x42;
const I64_SUB = 0x7d;
const I64_LT_S = 0x53;
const IF_EMPTY = [0x04, 0x40];
const UNREACHABLE = 0x00;
const END = 0x0b;
const KIND_FUNCTION = 0x00;
const KIND_GLOBAL = 0x03;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The new payloads of the sections metering changes; `null` removes the section (the start section). */
export type FuelSections = Map<Section, ArrayLike<number> | null>;

export interface MeteredModule {
  sections: FuelSections;
  /** With `mapOffsets`: the bytes inserted into the code (inserted-runs.ts), offsets relative to its payload. */
  inserted?: InsertedRunsBuilder;
}

/**
 * Meters the module's code: the sections to replace, or a Refusal, Malformed or UnknownOpcode. With
 * `mapOffsets` (a module with a source map), also where it inserted bytes into the code.
 */
export function meterFuel(bytes: Uint8Array, structure: ModuleStructure, mapOffsets = false): MeteredModule {
  const inserted = mapOffsets ? new InsertedRunsBuilder() : undefined;
  const counter = structure.globals.length; // imported globals are refused: the defined ones are all
  const sections = new Map<Section, ArrayLike<number> | null>();
  const find = (id: number) => structure.sections.find((s) => s.id === id);
  const start = find(SectionId.START);
  const startFunction = start === undefined ? undefined : payload(bytes, start).u32();
  if (start !== undefined) sections.set(start, null);
  // The contract check has required the ABI exports, so the export section exists. A module whose markers
  // are constant functions may have no global section: one holding only the counter is inserted just
  // before the exports (an empty section at the export section's offset; replacePayloads keeps the
  // insertion order of sections that start at the same offset).
  const exports = find(SectionId.EXPORT)!;
  const globals = find(SectionId.GLOBAL);
  if (globals === undefined) {
    const at = exports.start;
    sections.set({ id: SectionId.GLOBAL, start: at, payloadStart: at, end: at }, [1, ...COUNTER_GLOBAL]);
  } else {
    sections.set(globals, withGlobal(bytes, globals));
  }
  sections.set(exports, withExports(bytes, exports, counter, startFunction));
  if (structure.code !== undefined) {
    const rewriter = new CodeRewriter(bytes, counter, structure.code, inserted);
    scanCode(bytes, structure.code.payloadStart, structure.code.end, rewriter);
    sections.set(structure.code, rewriter.payload());
  }
  return { sections, ...(inserted === undefined ? {} : { inserted }) };
}

/** The counter's global entry: `(global (mut i64) (i64.const 0))`. */
const COUNTER_GLOBAL = [I64, MUTABLE, I64_CONST, 0, END];

/** The global section with the counter appended: `(global (mut i64) (i64.const 0))`, set by the host. */
function withGlobal(bytes: Uint8Array, section: Section): number[] {
  const r = payload(bytes, section);
  const count = r.u32();
  return [...writeU32(count + 1), ...bytes.subarray(r.at, section.end), ...COUNTER_GLOBAL];
}

/** The export section with the host's two exports appended, after refusing any way to the counter. */
function withExports(bytes: Uint8Array, section: Section, counter: number, startFunction: number | undefined): number[] {
  const r = payload(bytes, section);
  const count = r.u32();
  const entries = r.at;
  const reserved = new Set([FUEL_EXPORT, START_EXPORT]);
  for (let i = 0; i < count; i++) {
    const name = utf8Decoder.decode(r.name());
    const kind = r.byte();
    const index = r.u32();
    if (reserved.has(name)) {
      throw new Refusal(RefusalReason.RESERVED_NAME, `exports ${JSON.stringify(name)}, a name the host reserves for fuel metering (docs/abi.md, "Fuel"); rename the export`);
    }
    if (kind === KIND_GLOBAL && index >= counter) throw new Malformed(`export ${JSON.stringify(name)} names global ${index}, past the module's ${counter} globals`);
  }
  const added = [...exportEntry(FUEL_EXPORT, KIND_GLOBAL, counter)];
  if (startFunction !== undefined) added.push(...exportEntry(START_EXPORT, KIND_FUNCTION, startFunction));
  return [...writeU32(count + (startFunction === undefined ? 1 : 2)), ...bytes.subarray(entries, section.end), ...added];
}

function exportEntry(name: string, kind: number, index: number): number[] {
  const encoded = utf8.encode(name);
  return [...writeU32(encoded.length), ...encoded, kind, ...writeU32(index)];
}

const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;

/**
 * Rebuilds the code section as the walk goes: each function's body is copied with a charge at the start
 * of each region (and a check after it at each loop header, and at the entry of a function that calls),
 * and its size written anew. Only bytes are inserted; no instruction of the module changes, and the
 * function count is copied as written, so every byte of the module's code keeps its place but for the
 * runs inserted before it (which `inserted`, when given, records).
 *
 * The regions: a function's body, and each loop's body (charged on every iteration), each without the
 * loops nested in it. Blocks and both arms of an if belong to the region around them, and so does the
 * code after a loop: a region is charged whole as it starts, every instruction it holds counted once,
 * whichever of them then run. That overcharges (an arm not taken, code after an early return) but keeps
 * the charges few: charging each arm of each if as it is taken made the bundled modules about 1.6 times
 * slower, this about 1.1 to 1.3 (bench/README.md, "fuel_overhead"). A call's fuel is the sum of the
 * regions it entered: a function of the instructions it ran, never of timing.
 *
 * A function that calls nothing runs only its own regions, and each of its loops checks, so its entry
 * does not: the host checks the counter when guest code returns (host/worker/guest.ts).
 */
class CodeRewriter implements CodeMeter {
  private out: Uint8Array;
  private length = 0;
  private readonly get: number[];
  private readonly set: number[];
  private readonly check: number[];
  /** The current function: where its body starts, and each region's start, cost and check, in order. */
  private localsStart = 0;
  private readonly starts: number[] = [];
  private readonly costs: number[] = [];
  private readonly checks: boolean[] = [];
  /** Open blocks, loops and ifs; for each open loop or if, the region around it and its count so far. */
  private readonly kinds: number[] = [];
  private readonly around: { region: number; cost: number }[] = [];
  private region = 0;
  /** Where the current function's size starts in the module: after the count, then after each body. */
  private sizeStart: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly globals: number,
    code: Section,
    private readonly inserted: InsertedRunsBuilder | undefined,
  ) {
    this.get = [GLOBAL_GET, ...writeU32(globals)];
    this.set = [GLOBAL_SET, ...writeU32(globals)];
    this.check = [...this.get, I64_CONST, 0, I64_LT_S, ...IF_EMPTY, UNREACHABLE, END];
    // Metering adds a few bytes a region: start with room for half as much again.
    this.out = new Uint8Array(Math.ceil((code.end - code.payloadStart) * 1.5) + 16);
    const r = payload(bytes, code);
    r.u32();
    this.append(bytes.subarray(code.payloadStart, r.at));
    this.sizeStart = r.at;
  }

  begin(localsStart: number, at: number): void {
    this.localsStart = localsStart;
    this.starts.length = this.costs.length = this.checks.length = this.kinds.length = this.around.length = 0;
    this.region = this.open(at, true); // the function's entry
  }

  control(op: number, at: number, cost: number): number {
    switch (op) {
      case BLOCK:
      case IF:
        this.kinds.push(BLOCK);
        return cost;
      case LOOP:
        this.kinds.push(LOOP);
        this.around.push({ region: this.region, cost });
        this.region = this.open(at, true);
        return 0;
      case ELSE:
        return cost;
      default: {
        // end: of a block or if (the count goes on), of a loop (back to the region around it), or of
        // the function (nothing opened is left; an unbalanced body is refused by the engine).
        const kind = this.kinds.pop();
        if (kind === BLOCK) return cost;
        this.costs[this.region] = cost;
        const outer = this.around.pop();
        if (kind === undefined || outer === undefined) return 0;
        this.region = outer.region;
        return outer.cost;
      }
    }
  }

  finish(bodyEnd: number, calls: boolean): void {
    const { bytes, starts, costs, checks } = this;
    // A function that calls none can only run its own code, and each of its loops checks: its entry need not.
    if (!calls) checks[0] = false;
    const charges = costs.map((cost, i) => this.charge(cost, checks[i]!));
    let size = bodyEnd - this.localsStart;
    for (const charge of charges) size += charge.length;
    // A size written longer than needed (a padded LEB128) stays as long, so the size only ever grows.
    const sizeLength = this.localsStart - this.sizeStart;
    const written = writeU32(size, sizeLength);
    this.inserted?.add(this.length, written.length - sizeLength);
    this.append(written);
    this.append(bytes.subarray(this.localsStart, starts[0]));
    for (let i = 0; i < starts.length; i++) {
      this.inserted?.add(this.length, charges[i]!.length);
      this.append(charges[i]!);
      this.append(bytes.subarray(starts[i], i + 1 < starts.length ? starts[i + 1] : bodyEnd));
    }
    this.sizeStart = bodyEnd;
  }

  payload(): Uint8Array {
    return this.out.subarray(0, this.length);
  }

  /** A new region starting at `at` (regions open in the order of their starts). */
  private open(at: number, check: boolean): number {
    this.starts.push(at);
    this.costs.push(0);
    this.checks.push(check);
    return this.starts.length - 1;
  }

  /** counter -= cost, then (at an entry or loop header) trap if it is below zero. */
  private charge(cost: number, check: boolean): number[] {
    const sub = cost === 0 ? [] : [...this.get, I64_CONST, ...writeS64(cost), I64_SUB, ...this.set];
    return check ? [...sub, ...this.check] : sub;
  }

  private append(chunk: ArrayLike<number>): void {
    if (this.length + chunk.length > this.out.length) {
      const grown = new Uint8Array(Math.max(this.out.length * 2, this.length + chunk.length));
      grown.set(this.out.subarray(0, this.length));
      this.out = grown;
    }
    this.out.set(chunk, this.length);
    this.length += chunk.length;
  }
}

/** A non-negative integer as a signed LEB128 (costs are small: a region is at most one function body). */
function writeS64(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = value % 128;
    value = Math.floor(value / 128);
    if (value === 0 && (b & 0x40) === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
