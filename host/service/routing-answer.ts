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

/** The answer as JSON text. */
export function routingAnswerJson({ distinct, lists }: IndexedRouting): string {
  const json: (string | undefined)[] = new Array(distinct.length);
  let out = '{"routing":{';
  let first = true;
  for (const destination of [...lists.keys()].sort()) {
    out += (first ? '' : ',') + JSON.stringify(destination) + ':[';
    first = false;
    const list = lists.get(destination)!;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      out += (k === 0 ? '' : ',') + (json[i] ??= JSON.stringify(distinct[i]));
    }
    out += ']';
  }
  return out + '}}';
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
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      // Buffer's copy: a native memcpy, and no view per entry as subarray() and set() would make.
      at += from.copy(to, at, start[i]!, end[i]!);
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

function timestamp(out: MsgpackWriter, value: unknown): boolean {
  if (typeof value !== 'number' || !(value >= 0 && value <= 2 ** 53) || !Number.isInteger(value)) return false;
  out.uint(value);
  return true;
}

function slow(packr: Packr, distinct: IndexedRouting['distinct'], lists: IndexedRouting['lists']): Uint8Array {
  const routing: Record<string, unknown[]> = {};
  for (const destination of [...lists.keys()].sort()) routing[destination] = Array.from(lists.get(destination)!, (i) => distinct[i]);
  return packr.pack({ routing });
}
