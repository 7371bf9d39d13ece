/**
 * The users_for_states answer, `{"routing": {destination: [state, ...]}}` with destinations sorted and
 * each destination's states in the order they first came, written straight from the host's indexed
 * routing (PresenceHost.getUsersForStatesIndexed): each distinct state is serialised once, however many
 * destinations it goes to, and no object or array is built per destination or per state. The bytes are
 * those JSON.stringify and msgpackr (`useRecords: false`) write for the same answer as objects
 * (test/service/routing-answer.test.ts holds them together), so clients see no change.
 */
import { Packr } from 'msgpackr';
import type { IndexedRouting } from '../presence-host.js';
import { MsgpackWriter } from '../routing/msgpack-writer.js';
import type { StateField } from '../routing/state-fields.js';
import { JsonBytes } from './json-bytes.js';

/**
 * The answer as JSON, in UTF-8: each routed state's JSON written once into `states`, then its bytes
 * copied per entry, as the msgpack answer does; no string is built per entry.
 */
export function routingAnswerJson({ distinct, lists }: IndexedRouting): Buffer {
  const destinations = [...lists.keys()].sort();
  const states = new JsonBytes(4096 + distinct.length * 160);
  const start = new Int32Array(distinct.length).fill(-1);
  const end = new Int32Array(distinct.length);
  const names: Buffer[] = [];
  let size = '{"routing":{}}'.length + Math.max(destinations.length - 1, 0);
  for (const destination of destinations) {
    const name = Buffer.from(JSON.stringify(destination) + ':[');
    names.push(name);
    const list = lists.get(destination)!;
    size += name.length + 1 + Math.max(list.length - 1, 0);
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      if (start[i]! < 0) {
        start[i] = states.at;
        writeStateJson(states, distinct[i] as unknown as Record<string, unknown>);
        end[i] = states.at;
        // Each state followed by a comma: states written one after the other are then copied as one run.
        states.ascii(',');
      }
      size += end[i]! - start[i]!;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('{"routing":{', 0, 'latin1');
  const from = states.bytes;
  destinations.forEach((destination, d) => {
    if (d > 0) out[at++] = 0x2c;
    at += names[d]!.copy(out, at);
    const list = lists.get(destination)!;
    // Runs of states that lie one after the other in `states` (commas included): one copy each.
    for (let k = 0; k < list.length; ) {
      const first = start[list[k]!]!;
      let last = end[list[k++]!]!;
      while (k < list.length && start[list[k]!] === last + 1) last = end[list[k++]!]!;
      at += from.copy(out, at, first, last);
      if (k < list.length) out[at++] = 0x2c;
    }
    out[at++] = 0x5d;
  });
  at += out.write('}}', at, 'latin1');
  return out.subarray(0, at);
}

/**
 * A state as JSON.stringify writes it: its own enumerable keys in their order, each field read by name; a
 * key or value a checked state cannot have sends the whole state to JSON.stringify.
 */
function writeStateJson(out: JsonBytes, state: Record<string, unknown>): void {
  const from = out.at;
  if (!stateJson(out, state)) {
    out.at = from;
    out.stringified(state);
  }
}

function stateJson(out: JsonBytes, state: Record<string, unknown>): boolean {
  const keys = Object.keys(state);
  out.ascii('{');
  for (let k = 0; k < keys.length; k++) {
    out.ascii(k === 0 ? '"' : ',"');
    // Each field read by name: a keyed read, state[key], was most of the time.
    switch (keys[k]) {
      case 'user_id':
        out.ascii('user_id":');
        if (!jsonText(out, state.user_id)) return false;
        break;
      case 'state':
        out.ascii('state":');
        if (!jsonText(out, state.state)) return false;
        break;
      case 'last_active_ts':
        out.ascii('last_active_ts":');
        if (!jsonTimestamp(out, state.last_active_ts)) return false;
        break;
      case 'last_federation_update_ts':
        out.ascii('last_federation_update_ts":');
        if (!jsonTimestamp(out, state.last_federation_update_ts)) return false;
        break;
      case 'last_user_sync_ts':
        out.ascii('last_user_sync_ts":');
        if (!jsonTimestamp(out, state.last_user_sync_ts)) return false;
        break;
      case 'status_msg': {
        out.ascii('status_msg":');
        const status = state.status_msg;
        if (status === null) out.ascii('null');
        else if (!jsonText(out, status)) return false;
        break;
      }
      case 'currently_active': {
        const active = state.currently_active;
        if (typeof active !== 'boolean') return false;
        out.ascii(active ? 'currently_active":true' : 'currently_active":false');
        break;
      }
      default:
        return false;
    }
  }
  out.ascii('}');
  return true;
}

function jsonText(out: JsonBytes, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  out.string(value);
  return true;
}

function jsonTimestamp(out: JsonBytes, value: unknown): boolean {
  if (!isTimestamp(value)) return false;
  out.integer(value);
  return true;
}

const ROUTING_KEY = 'routing';
/** The seven field names as msgpack str, written as bytes. */
const keyBytes = (field: StateField) => Buffer.from([0xa0 | field.length, ...Buffer.from(field, 'latin1')]);
const KEY_USER_ID = keyBytes('user_id');
const KEY_STATE = keyBytes('state');
const KEY_LAST_ACTIVE = keyBytes('last_active_ts');
const KEY_LAST_FEDERATION = keyBytes('last_federation_update_ts');
const KEY_LAST_SYNC = keyBytes('last_user_sync_ts');
const KEY_STATUS = keyBytes('status_msg');
const KEY_ACTIVE = keyBytes('currently_active');

/**
 * The answer as msgpack. `fallback` packs it the general way should a state hold a value this writer does
 * not write (a checked state never does: strings, integer timestamps, null, booleans).
 */
export function routingAnswerMsgpack({ distinct, lists }: IndexedRouting, fallback: Packr): Uint8Array {
  const destinations = [...lists.keys()].sort();
  // Each distinct state that is routed, written once into `states`; its bytes are then copied per entry.
  const states = new MsgpackWriter(4096 + distinct.length * 128);
  const start = new Int32Array(distinct.length).fill(-1);
  const end = new Int32Array(distinct.length);
  let size = 3 + 1 + ROUTING_KEY.length + 3;
  for (const destination of destinations) {
    const list = lists.get(destination)!;
    size += 5 + 3 * destination.length + 5;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      if (start[i]! < 0) {
        start[i] = states.at;
        if (!writeState(states, distinct[i] as unknown as Record<string, unknown>)) return slow(fallback, distinct, lists);
        end[i] = states.at;
      }
      size += end[i]! - start[i]!;
    }
  }
  const out = new MsgpackWriter(size);
  out.map16(1);
  out.str(ROUTING_KEY);
  out.map16(destinations.length);
  const from = states.bytes;
  for (const destination of destinations) {
    if (!out.str(destination)) return slow(fallback, distinct, lists);
    const list = lists.get(destination)!;
    out.arrayHeader(list.length);
    const to = out.bytes;
    let at = out.at;
    // Buffer's copy: a native memcpy, and no view per entry as subarray() and set() would make; states
    // that lie one after the other in `states` are copied as one run.
    for (let k = 0; k < list.length; ) {
      const first = start[list[k]!]!;
      let last = end[list[k++]!]!;
      while (k < list.length && start[list[k]!] === last) last = end[list[k++]!]!;
      at += from.copy(to, at, first, last);
    }
    out.at = at;
  }
  return out.bytes.subarray(0, out.at);
}

/**
 * A state as msgpackr writes an object: a map 16 of its own enumerable keys, in their order. Each field
 * is read by name (a keyed read per field was most of the time); false for a key or value a checked state
 * cannot have, which the caller then packs the general way.
 */
function writeState(out: MsgpackWriter, state: Record<string, unknown>): boolean {
  const keys = Object.keys(state);
  out.map16(keys.length);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    switch (key) {
      case 'user_id':
        out.raw(KEY_USER_ID);
        if (!text(out, state.user_id)) return false;
        break;
      case 'state':
        out.raw(KEY_STATE);
        if (!text(out, state.state)) return false;
        break;
      case 'last_active_ts':
        out.raw(KEY_LAST_ACTIVE);
        if (!timestamp(out, state.last_active_ts)) return false;
        break;
      case 'last_federation_update_ts':
        out.raw(KEY_LAST_FEDERATION);
        if (!timestamp(out, state.last_federation_update_ts)) return false;
        break;
      case 'last_user_sync_ts':
        out.raw(KEY_LAST_SYNC);
        if (!timestamp(out, state.last_user_sync_ts)) return false;
        break;
      case 'status_msg': {
        out.raw(KEY_STATUS);
        const status = state.status_msg;
        if (status === null) out.nil();
        else if (!text(out, status)) return false;
        break;
      }
      case 'currently_active': {
        out.raw(KEY_ACTIVE);
        const active = state.currently_active;
        if (typeof active !== 'boolean') return false;
        out.bool(active);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

function text(out: MsgpackWriter, value: unknown): boolean {
  return typeof value === 'string' && out.str(value);
}

/** A timestamp as a checked state holds it: a non-negative integer up to 2^53. */
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 2 ** 53 && Number.isInteger(value);
}

function timestamp(out: MsgpackWriter, value: unknown): boolean {
  if (!isTimestamp(value)) return false;
  out.uint(value);
  return true;
}

function slow(packr: Packr, distinct: IndexedRouting['distinct'], lists: IndexedRouting['lists']): Uint8Array {
  const routing: Record<string, unknown[]> = {};
  for (const destination of [...lists.keys()].sort()) routing[destination] = Array.from(lists.get(destination)!, (i) => distinct[i]);
  return packr.pack({ routing });
}
