/**
 * The binary wire's batch, checked and deduplicated where it is read: in the worker, before the guest
 * sees it (and on the main thread only when no worker ran the check). The body is the ABI v1 batch of
 * docs/abi.md; every field is held to the rules the JSON path applies (routing/state-fields.ts), and a
 * refusal is an invalid_input error naming `states[i].field`, `states[i]`, `states` or `body`.
 *
 * Equal states are one state, by value as routing/distinct.ts decides (the same value may be written in
 * different msgpack encodings). When every state is distinct the guest reads the request's own bytes;
 * otherwise the distinct states' bytes, copied as they came, under a new array header.
 */
import { inputError, type SandboxError } from '../errors.js';
import { PRESENCE_STATES } from '../presence.js';
import type { WireState } from '../protocol/abi.js';
import { DistinctStates } from '../routing/distinct.js';
import { STATE_FIELDS, expected, isTimestamp } from '../routing/state-fields.js';
import { isUserId } from '../userid.js';
import { MsgpackCursor, Truncated } from './msgpack-cursor.js';

export interface CheckedBatch {
  /** Distinct states in the batch. */
  count: number;
  /**
   * For each distinct state, in first-seen order, the index of its first occurrence in the request;
   * null when every state is distinct (the indices are then the request's own).
   */
  firstIndex: Uint32Array | null;
  /** The batch the guest reads: the request itself, or its distinct states. */
  guestInput: Uint8Array;
}

/** Field positions in a state; -1 while reading the state's own header. */
const STATE_HEADER = -1;
/** The state strings as UTF-8, to match in place without decoding. */
const STATE_BYTES = PRESENCE_STATES.map((s) => new TextEncoder().encode(s));

/** Throws an invalid_input SandboxError naming the first thing wrong. */
export function readBatch(bytes: Uint8Array, maxStates: number): CheckedBatch {
  return new BatchReader(bytes).read(maxStates);
}

class BatchReader {
  private readonly c: MsgpackCursor;
  /** Where the reader is, for the path of an error: state index (-1: the batch) and field index. */
  private state = -1;
  private field = STATE_HEADER;

  constructor(bytes: Uint8Array) {
    this.c = new MsgpackCursor(bytes);
  }

  read(maxStates: number): CheckedBatch {
    try {
      return this.readStates(maxStates);
    } catch (err) {
      if (err instanceof Truncated) throw this.error(`truncated: the body ends at byte ${this.c.length}, before the value from byte ${err.at} is complete`);
      throw err;
    }
  }

  private readStates(maxStates: number): CheckedBatch {
    const c = this.c;
    if (c.length === 0) throw inputError('body', 'empty: expected a msgpack array of presence states');
    const n = c.arrayHeader();
    if (n < 0) throw inputError('body', `expected a msgpack array of presence states (got ${c.describeAt(0)})`);
    if (n > maxStates) throw inputError('states', `${n} states exceeds sandbox.max_batch_states (${maxStates})`);
    // Sized by what the body can hold (a state takes at least 18 bytes), not by what its header claims.
    const room = Math.min(n, Math.ceil(c.length / 18)) + 1;
    const starts = new Uint32Array(room);
    const firstIndex = new Uint32Array(room);
    const seen = new DistinctStates();
    let count = 0;
    for (let i = 0; i < n; i++) {
      this.state = i;
      starts[i] = c.pos;
      if (seen.add(this.readState())) firstIndex[count++] = i;
    }
    this.state = -1;
    if (c.pos !== c.length) throw inputError('body', `${c.length - c.pos} trailing bytes after the ${n} states, from byte ${c.pos}`);
    starts[n] = c.pos;
    if (count === n) return { count, firstIndex: null, guestInput: c.bytes };
    const distinct = firstIndex.subarray(0, count);
    return { count, firstIndex: distinct, guestInput: gather(c.bytes, starts, distinct) };
  }

  /** Reads and checks state `this.state`: a fresh tuple, which DistinctStates may keep. */
  private readState(): WireState {
    const c = this.c;
    this.field = STATE_HEADER;
    const at = c.pos;
    const fields = c.arrayHeader();
    if (fields !== STATE_FIELDS.length) {
      const got = fields < 0 ? c.describeAt(at) : `a list of ${fields}`;
      throw this.error(`expected a list of the ${STATE_FIELDS.length} fields [${STATE_FIELDS.join(', ')}] (got ${got})`);
    }
    const userId = this.userId();
    const presence = this.presence();
    const lastActive = this.timestamp(2);
    const lastFederationUpdate = this.timestamp(3);
    const lastUserSync = this.timestamp(4);
    const status = this.statusMsg();
    this.field = 6;
    const active = c.bool();
    if (active === undefined) throw this.refused(c.pos);
    return [userId, presence, lastActive, lastFederationUpdate, lastUserSync, status, active];
  }

  private userId(): string {
    const c = this.c;
    this.field = 0;
    const at = c.pos;
    const len = c.str();
    const id = len < 0 ? undefined : c.text(c.strStart, len);
    if (!isUserId(id)) throw this.refused(at);
    return id;
  }

  /** One of the four state strings, matched on its bytes; the constant itself, so nothing is decoded. */
  private presence(): string {
    const c = this.c;
    this.field = 1;
    const at = c.pos;
    const len = c.str();
    if (len >= 0) {
      const bytes = c.bytes;
      const start = c.strStart;
      for (let s = 0; s < STATE_BYTES.length; s++) {
        const known = STATE_BYTES[s]!;
        if (known.length !== len) continue;
        let k = 0;
        while (k < len && bytes[start + k] === known[k]) k++;
        if (k === len) return PRESENCE_STATES[s]!;
      }
    }
    throw this.refused(at);
  }

  private timestamp(field: number): number {
    const c = this.c;
    this.field = field;
    const at = c.pos;
    const t = c.number();
    if (!isTimestamp(t)) throw this.refused(at);
    // -0 is 0 as a JSON timestamp is, so that it dedups with 0.
    return t + 0;
  }

  private statusMsg(): string | null {
    const c = this.c;
    this.field = 5;
    const at = c.pos;
    if (c.nil()) return null;
    const len = c.str();
    if (len < 0) throw this.refused(at);
    const text = c.text(c.strStart, len);
    // UTF-8 that decodes carries no lone surrogate, so this is the JSON path's rule too (host/text.ts).
    if (text === undefined) throw this.error(`expected Unicode text: the str at byte ${at} is not valid UTF-8`);
    return text;
  }

  private refused(at: number): SandboxError {
    return this.error(expected(STATE_FIELDS[this.field]!, this.c.describeAt(at)));
  }

  private error(message: string): SandboxError {
    if (this.state < 0) return inputError('body', message);
    const state = `states[${this.state}]`;
    return inputError(this.field === STATE_HEADER ? state : `${state}.${STATE_FIELDS[this.field]}`, message);
  }
}

/** The distinct states' bytes, as they came, under an array header for their count. */
function gather(bytes: Uint8Array, starts: Uint32Array, distinct: Uint32Array): Uint8Array {
  let size = 0;
  for (const i of distinct) size += starts[i + 1]! - starts[i]!;
  const count = distinct.length;
  const header = count < 16 ? 1 : count < 0x10000 ? 3 : 5;
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  if (header === 1) out[0] = 0x90 | count;
  else if (header === 3) {
    out[0] = 0xdc;
    view.setUint16(1, count);
  } else {
    out[0] = 0xdd;
    view.setUint32(1, count);
  }
  let at = header;
  for (const i of distinct) {
    out.set(bytes.subarray(starts[i]!, starts[i + 1]!), at);
    at += starts[i + 1]! - starts[i]!;
  }
  return out;
}
