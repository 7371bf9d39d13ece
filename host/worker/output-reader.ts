/**
 * Strict decoder for what a module hands back (docs/abi.md, "Wire formats").
 *
 * Not msgpackr: a general decoder accepts extension types, lets a repeated map key silently overwrite
 * the earlier one, and builds an object tree we would then walk again. This reader accepts exactly the
 * few msgpack types a result may hold, validates while it reads, merges repeated keys by union as the
 * ABI promises, and names the byte offset of anything wrong. Truncated input and trailing bytes are
 * refused.
 *
 * No amplification: repeated indices and repeated user IDs are collapsed here, so the main thread does
 * work only for distinct entries, and the entries a result holds (user IDs plus indices, as written,
 * repeats included) are counted against sandbox.max_result_entries on each header, before the entries
 * under it are read: an answer of millions of repeated indices costs the worker nothing to refuse.
 */
import { isUserId } from '../userid.js';
import type { InterestResult, RoutingResult } from '../protocol/envelopes.js';
import { ALL_USERS } from '../protocol/abi.js';
import { FaultCode } from '../errors.js';
import { GuestFailure, badOutput } from './guest-failure.js';
import { utf8OrUndefined } from './guest-text.js';
import { IndexMarks } from './index-marks.js';

/** The caps a result is read under (the worker's setup carries them, from the module's sandbox limits). */
export interface ResultCaps {
  maxDestinations: number;
  maxInterestedUsers: number;
  maxResultEntries: number;
}

function tooMany(n: number, what: string, max: number, option: string): never {
  throw new GuestFailure(FaultCode.OUTPUT_TOO_LARGE, `${n} ${what} exceeds ${option} (${max})`);
}

/** Counts a result's entries as each header announces them, before they are read. */
class EntryBudget {
  private used = 0;
  constructor(private readonly max: number) {}

  take(n: number): void {
    this.used += n;
    if (this.used > this.max) tooMany(this.used, 'result entries (user IDs plus indices, repeats included)', this.max, 'sandbox.max_result_entries');
  }
}

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string, at = this.pos): never {
    throw badOutput(`${this.what}: ${message} at byte ${at}`);
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.byteLength) this.fail(`truncated (needs ${n} more bytes)`, at);
    this.pos += n;
    return at;
  }

  peek(): number {
    if (this.pos >= this.bytes.byteLength) this.fail('truncated (needs a value)');
    return this.bytes[this.pos]!;
  }

  end(): void {
    if (this.pos !== this.bytes.byteLength) this.fail(`${this.bytes.byteLength - this.pos} trailing bytes`);
  }

  mapHeader(): number {
    const at = this.pos;
    const b = this.bytes[this.need(1)]!;
    if ((b & 0xf0) === 0x80) return b & 0x0f;
    if (b === 0xde) return this.view.getUint16(this.need(2));
    if (b === 0xdf) return this.view.getUint32(this.need(4));
    return this.fail(`expected a map (got type byte 0x${b.toString(16)})`, at);
  }

  arrayHeader(): number {
    const at = this.pos;
    const b = this.bytes[this.need(1)]!;
    if ((b & 0xf0) === 0x90) return b & 0x0f;
    if (b === 0xdc) return this.view.getUint16(this.need(2));
    if (b === 0xdd) return this.view.getUint32(this.need(4));
    return this.fail(`expected an array (got type byte 0x${b.toString(16)})`, at);
  }

  isString(): boolean {
    const b = this.peek();
    return (b & 0xe0) === 0xa0 || b === 0xd9 || b === 0xda || b === 0xdb;
  }

  string(): string {
    const at = this.pos;
    const b = this.bytes[this.need(1)]!;
    let len: number;
    if ((b & 0xe0) === 0xa0) len = b & 0x1f;
    else if (b === 0xd9) len = this.bytes[this.need(1)]!;
    else if (b === 0xda) len = this.view.getUint16(this.need(2));
    else if (b === 0xdb) len = this.view.getUint32(this.need(4));
    else return this.fail(`expected a string (got type byte 0x${b.toString(16)})`, at);
    const start = this.need(len);
    const text = utf8OrUndefined(this.bytes.subarray(start, start + len));
    return text ?? this.fail('string is not valid UTF-8', at);
  }

  /** Any msgpack integer encoding; the value must be a non-negative safe integer. */
  uint(): number {
    const at = this.pos;
    const b = this.bytes[this.need(1)]!;
    let value: number;
    if (b <= 0x7f) value = b;
    else if (b >= 0xe0) value = b - 0x100;
    else if (b === 0xcc) value = this.bytes[this.need(1)]!;
    else if (b === 0xcd) value = this.view.getUint16(this.need(2));
    else if (b === 0xce) value = this.view.getUint32(this.need(4));
    else if (b === 0xcf) value = Number(this.view.getBigUint64(this.need(8)));
    else if (b === 0xd0) value = this.view.getInt8(this.need(1));
    else if (b === 0xd1) value = this.view.getInt16(this.need(2));
    else if (b === 0xd2) value = this.view.getInt32(this.need(4));
    else if (b === 0xd3) value = Number(this.view.getBigInt64(this.need(8)));
    else return this.fail(`expected an integer (got type byte 0x${b.toString(16)})`, at);
    if (value < 0) this.fail(`negative integer ${value}`, at);
    return value;
  }

  /**
   * `n` batch indices (the array header already read), each `< count`, appended to `out` unless `marks`
   * already holds it under `stamp`. The one-byte and two-byte forms, which every index of a batch under
   * 65 536 states takes, are read inline; any other form (and a truncation) goes through uint().
   */
  indices(n: number, count: number, marks: IndexMarks, stamp: number, out: IndexRuns): void {
    const bytes = this.bytes;
    const length = bytes.byteLength;
    let at = this.pos;
    for (let j = 0; j < n; j++) {
      const b = at < length ? bytes[at]! : -1;
      let index: number;
      if (b >= 0 && b <= 0x7f) {
        index = b;
        at += 1;
      } else if (b === 0xcc && at + 2 <= length) {
        index = bytes[at + 1]!;
        at += 2;
      } else if (b === 0xcd && at + 3 <= length) {
        index = (bytes[at + 1]! << 8) | bytes[at + 2]!;
        at += 3;
      } else {
        this.pos = at;
        index = this.uint();
        at = this.pos;
      }
      if (index >= count) {
        this.pos = at;
        this.fail(`index ${index} out of range (batch has ${count} states)`);
      }
      if (marks.add(stamp, index)) out.push(index);
    }
    this.pos = at;
  }

  userId(): string {
    const at = this.pos;
    const id: string = this.string();
    // The preview is built only for a refusal: this runs for every destination of every answer.
    if (!isUserId(id)) this.fail(`${JSON.stringify((id as string).slice(0, 80))} is not a Matrix user ID`, at);
    return id;
  }
}

/** users_for_states result: map of user ID → array of batch indices, each `< count`; repeats collapsed. */
export function readRouting(bytes: Uint8Array, count: number, caps: ResultCaps): RoutingResult {
  const r = new Reader(bytes, 'users_for_states result');
  const budget = new EntryBudget(caps.maxResultEntries);
  // Checked on the header, before reading entries: a million destinations cost nothing to refuse.
  const entries = r.mapHeader();
  if (entries > caps.maxDestinations) tooMany(entries, 'destinations', caps.maxDestinations, 'sandbox.max_destinations');
  budget.take(entries);
  const marks = new IndexMarks(count);
  // Indices go straight into one growing array, a run per key as written (no list per destination,
  // no second copy): this decode ran in the worker on every call, beside the main thread on 2 cores.
  const out = new IndexRuns(Math.min(bytes.byteLength, 1024));
  const destinations: string[] = [];
  const slotOf = new Map<string, number>();
  const stamps: number[] = [];
  // The run of each key as written: [slot, start, end] per key.
  const runs: number[] = [];
  for (let i = 0; i < entries; i++) {
    const destination = r.userId();
    let slot = slotOf.get(destination);
    if (slot === undefined) {
      slot = destinations.length;
      slotOf.set(destination, slot);
      destinations.push(destination);
      stamps.push(marks.stamp());
    }
    const n = r.arrayHeader();
    budget.take(n);
    const start = out.length;
    // A repeated key keeps its first occurrence's stamp: the union the ABI promises.
    r.indices(n, count, marks, stamps[slot]!, out);
    runs.push(slot, start, out.length);
  }
  r.end();
  return runs.length === 3 * destinations.length ? inOrder(destinations, runs, out) : byDestination(destinations, runs, out, marks);
}

/** Each key once: the runs are the destinations' lists, in order, back to back. */
function inOrder(destinations: string[], runs: number[], out: IndexRuns): RoutingResult {
  const offsets = new Uint32Array(destinations.length + 1);
  for (let d = 0; d < destinations.length; d++) offsets[d] = runs[3 * d + 1]!;
  offsets[destinations.length] = out.length;
  return { destinations, offsets, indices: out.exact() };
}

/**
 * Some key repeated: each destination's runs joined in the order they were written (linear, not per pair).
 * A later run of a key can repeat an index of its earlier run (another key's stamp marked it in between),
 * so each destination's union is taken again here under a stamp of its own.
 */
function byDestination(destinations: string[], runs: number[], out: IndexRuns, marks: IndexMarks): RoutingResult {
  const runsOf: number[][] = destinations.map(() => []);
  for (let j = 0; j < runs.length; j += 3) runsOf[runs[j]!]!.push(j);
  const written = out.exact();
  const indices = new Uint32Array(out.length);
  const offsets = new Uint32Array(destinations.length + 1);
  let k = 0;
  for (let d = 0; d < destinations.length; d++) {
    offsets[d] = k;
    const stamp = marks.stamp();
    for (const j of runsOf[d]!) {
      for (let p = runs[j + 1]!; p < runs[j + 2]!; p++) {
        const index = written[p]!;
        if (marks.add(stamp, index)) indices[k++] = index;
      }
    }
  }
  offsets[destinations.length] = k;
  return { destinations, offsets, indices: indices.slice(0, k) };
}

/** A growing Uint32Array of the indices read. */
class IndexRuns {
  length = 0;
  private array: Uint32Array;

  constructor(capacity: number) {
    this.array = new Uint32Array(Math.max(capacity, 16));
  }

  push(index: number): void {
    if (this.length === this.array.length) {
      const grown = new Uint32Array(2 * this.array.length);
      grown.set(this.array);
      this.array = grown;
    }
    this.array[this.length++] = index;
  }

  /** The indices in an array of their own: a view would cross the thread boundary with its whole buffer. */
  exact(): Uint32Array {
    return this.array.slice(0, this.length);
  }
}

/** interested_users result: the string "ALL" or an array of user IDs, repeats collapsed. */
export function readInterest(bytes: Uint8Array, caps: ResultCaps): InterestResult {
  // The common answer, an empty array (0x90 and nothing after it), as the reader would read it, without one.
  if (bytes.byteLength === 1 && bytes[0] === 0x90) return [];
  const r = new Reader(bytes, 'interested_users result');
  if (r.isString()) {
    const value = r.string();
    if (value !== ALL_USERS) {
      r.fail(`expected "ALL" or an array of user IDs (got ${JSON.stringify(value.slice(0, 80))})`, 0);
    }
    r.end();
    return ALL_USERS;
  }
  const n = r.arrayHeader();
  if (n > caps.maxInterestedUsers) tooMany(n, 'user IDs', caps.maxInterestedUsers, 'sandbox.max_interested_users');
  new EntryBudget(caps.maxResultEntries).take(n);
  const users = readUserIds(r, n);
  r.end();
  return users;
}

/** send_local_online_presence_to argument: an array of at most `maxUsers` user IDs, repeats collapsed. */
export function readUserIdList(bytes: Uint8Array, what: string, maxUsers: number): string[] {
  const r = new Reader(bytes, what);
  const n = r.arrayHeader();
  if (n > maxUsers) tooMany(n, 'user IDs', maxUsers, `the limit of ${what}`);
  const users = readUserIds(r, n);
  r.end();
  return users;
}

/** `n` user IDs (the array header already read), each kept once, in order of first appearance. */
function readUserIds(r: Reader, n: number): string[] {
  // One ID has no repeat to collapse.
  if (n === 1) return [r.userId()];
  const users = new Set<string>();
  for (let i = 0; i < n; i++) users.add(r.userId());
  return [...users];
}
