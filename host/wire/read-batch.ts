/**
 * The binary wire's batch, checked and deduplicated where it is read: in the worker, before the guest
 * sees it (and on the main thread only when no worker ran the check). The body is the ABI v1 batch of
 * docs/abi.md; every field is held to the rules the JSON path applies (routing/state-fields.ts), and a
 * refusal is an invalid_input error naming `states[i].field`, `states[i]`, `states` or `body`.
 *
 * Equal states are one state, by value, as routing/distinct.ts decides (the same value may come in
 * different msgpack encodings). When every state is distinct the guest reads the request's own bytes;
 * otherwise the distinct states' bytes, copied as they came, under a new array header.
 *
 * It runs for every state of every call, so it builds nothing per state but the user ID string the
 * grammar check needs: status messages are validated in place, and a state's value key is built (from
 * its bytes, read again) only for a user seen twice.
 */
import { inputError, type SandboxError } from '../errors.js';
import { PRESENCE_STATES } from '../presence.js';
import { DistinctByUser } from '../routing/distinct.js';
import { STATE_FIELDS, expected, isTimestamp } from '../routing/state-fields.js';
import { isUserId, notUserIdMessage } from '../userid.js';
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

/** `field` while reading a state's own header rather than one of its fields. */
const STATE_HEADER = -1;
/** The state strings as UTF-8, matched in place without decoding. */
const STATE_BYTES = PRESENCE_STATES.map((s) => new TextEncoder().encode(s));
/** The smallest state: a fixarray, "@a:b" and "online" as fixstr, three fixints, nil and a bool. */
const MIN_STATE_BYTES = 18;

/** Throws an invalid_input SandboxError naming the first thing wrong. */
export function readBatch(bytes: Uint8Array, maxStates: number): CheckedBatch {
  return new BatchReader(bytes).read(maxStates);
}

class BatchReader {
  private readonly c: MsgpackCursor;
  /** Where the reader is, for the path of an error: state index (-1: the batch) and field index. */
  private state = -1;
  private field = STATE_HEADER;
  /** Where each state starts, and after the last, where the batch ends. */
  private starts = new Uint32Array(0);

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
    // Sized by what the body can hold, not by what its header claims.
    const room = Math.min(n, Math.ceil(c.length / MIN_STATE_BYTES)) + 1;
    const starts = (this.starts = new Uint32Array(room));
    const firstIndex = new Uint32Array(room);
    const seen = new DistinctByUser<number>((i) => this.valueKey(i));
    let count = 0;
    for (let i = 0; i < n; i++) {
      this.state = i;
      starts[i] = c.pos;
      if (seen.add(this.readState(), i)) firstIndex[count++] = i;
    }
    this.state = -1;
    if (c.pos !== c.length) throw inputError('body', `${c.length - c.pos} trailing bytes after the ${n} states, from byte ${c.pos}`);
    starts[n] = c.pos;
    if (count === n) return { count, firstIndex: null, guestInput: c.bytes };
    const distinct = firstIndex.subarray(0, count);
    return { count, firstIndex: distinct, guestInput: gather(c.bytes, starts, distinct) };
  }

  /** Reads and checks state `this.state`; returns its user ID. */
  private readState(): string {
    const c = this.c;
    this.field = STATE_HEADER;
    const at = c.pos;
    const fields = c.arrayHeader();
    if (fields !== STATE_FIELDS.length) {
      const got = fields < 0 ? c.describeAt(at) : `a list of ${fields}`;
      throw this.error(`expected a list of the ${STATE_FIELDS.length} fields [${STATE_FIELDS.join(', ')}] (got ${got})`);
    }
    const userId = this.userId();
    this.presence();
    this.timestamp(2);
    this.timestamp(3);
    this.timestamp(4);
    this.statusMsg();
    this.field = 6;
    if (c.bool() === undefined) throw this.refused(c.pos);
    return userId;
  }

  private userId(): string {
    const c = this.c;
    this.field = 0;
    const at = c.pos;
    const len = c.str();
    const id = len < 0 ? undefined : c.text(c.strStart, len);
    // A str says why it is not a user ID in the JSON path's words; anything else by its msgpack type.
    if (!isUserId(id)) throw typeof id === 'string' ? this.error(notUserIdMessage(id)) : this.refused(at);
    return id;
  }

  /** One of the four state strings, matched on its bytes; returns which. */
  private presence(): number {
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
        if (k === len) return s;
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
    return t;
  }

  private statusMsg(): void {
    const c = this.c;
    this.field = 5;
    const at = c.pos;
    if (c.nil()) return;
    const len = c.str();
    if (len < 0) throw this.refused(at);
    // Valid UTF-8 carries no lone surrogate, so this is the JSON path's rule too (host/text.ts).
    if (!c.isText(c.strStart, len)) throw this.error(`expected Unicode text: the str at byte ${at} is not valid UTF-8`);
  }

  /**
   * State i's value as a string, equal for equal states and different otherwise: read again from its
   * bytes (already checked), numbers as numbers whatever their encoding, texts as their bytes. The status
   * comes last, after a marker for nil or str, so that nothing it holds can be mistaken for another field.
   */
  private valueKey(i: number): string {
    const c = this.c;
    const saved = c.pos;
    c.pos = this.starts[i]!;
    c.arrayHeader();
    const user = this.textKey();
    const presence = this.presence();
    const a = c.number() + 0;
    const b = c.number() + 0;
    const t = c.number() + 0;
    const status = c.nil() ? '\u0001' : '\u0002' + this.textKey();
    const active = c.bool() ? 1 : 0;
    c.pos = saved;
    return `${user}\0${presence}\0${a}\0${b}\0${t}\0${active}\0${status}`;
  }

  /** The str at the cursor as a key of its bytes (it has been checked: it is a str). */
  private textKey(): string {
    const len = this.c.str();
    return this.c.byteKey(this.c.strStart, len);
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
