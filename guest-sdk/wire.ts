// The host<->guest wire formats of docs/abi.md: the batch in, the two results out. Malformed input from
// the host is a host bug, but routing a misread batch would be worse than failing, so it traps.

import { Reader } from "./msgpack/reader";
import { Writer } from "./msgpack/writer";
import { Kind } from "./msgpack/format";
import { PRESENCE_ALL_USERS, PresenceState } from "./presence";
import { InterestedUsers, Routing } from "./router";
import { Batch, NIL_MSG, RecordWriter, TAIL_FIELDS, recordSize } from "./batch";
import { Field, declaredFields, declares } from "./fields";
import { hashBytes } from "./bytes";
import { asciiEquals } from "./utf8";
import {
  E_BAD_BATCH, E_STATE_ARITY, E_STATE_FIELDS, E_STATE_NOT_GLOBAL, E_STATE_MSG, E_STATE_TS, E_STATE_USER, E_STATE_VALUE,
} from "./errors";

const MAX_TS: i64 = 9007199254740992; // 2^53
/** Fields in a full state. */
const ALL_FIELDS: u32 = 7;

/**
 * Decodes a batch (an array of state arrays) from the first `len` bytes of `input`; traps with the byte
 * offset if it is malformed. Each state holds the fields the module declares in `presence_fields`, in
 * index order (all seven by default), or all seven fields (the host may send full states to any
 * module): every field sent is checked, only the declared ones are kept. The batch reads its user IDs
 * and status messages from `input`, and keeps it alive.
 */
export function decodeBatch(input: ArrayBuffer, len: usize): Batch {
  const base = changetype<usize>(input);
  const r = new Reader(base, len);
  const n = r.readArrayHeader();
  // The reader refuses a count the input cannot hold, so n is at most len: sized once.
  const records = new ArrayBuffer(<i32>(<usize>n * recordSize()));
  const w = new RecordWriter(records);
  const arity = <u32>popcnt<i32>(declaredFields());
  for (let i: u32 = 0; i < n && r.ok; i++) {
    let at = r.offset;
    const count = r.readArrayHeader();
    const full = count == ALL_FIELDS;
    if (!full && count != arity && r.ok) r.fail(arityError(arity, count), at);
    at = r.offset;
    const uidLen = r.readStrBytes();
    const uid = r.strStart;
    // The host checked the grammar: only the shape is checked here (a sigil and room for `a:x`), which
    // still traps on a misread batch without paying for the grammar twice.
    if (r.ok && (uidLen < 4 || load<u8>(uid) != 0x40)) r.fail(E_STATE_USER, at);
    w.userId(uid, uidLen, hashBytes(uid, uidLen));
    if (full || declares(Field.STATE)) {
      const code = readState(r);
      if (declares(Field.STATE)) w.stateCode(code);
    }
    const lastActive = full || declares(Field.LAST_ACTIVE_TS) ? readTs(r) : 0;
    const lastFederationUpdate = full || declares(Field.LAST_FEDERATION_UPDATE_TS) ? readTs(r) : 0;
    const lastUserSync = full || declares(Field.LAST_USER_SYNC_TS) ? readTs(r) : 0;
    if (declares(TAIL_FIELDS)) w.timestamps(lastActive, lastFederationUpdate, lastUserSync);
    if (full || declares(Field.STATUS_MSG)) readStatusMsg(r, w);
    if (full || declares(Field.CURRENTLY_ACTIVE)) {
      const active = r.readBool();
      if (declares(Field.CURRENTLY_ACTIVE)) w.currentlyActive(active);
    }
    w.next();
  }
  r.finish();
  if (!r.ok) throw new Error(E_BAD_BATCH + r.error!);
  return new Batch(input, records, <i32>n);
}

// A str (validated now, decoded when a router reads it) or nil; recorded if the module declares it.
function readStatusMsg(r: Reader, w: RecordWriter): void {
  const kind = r.peekKind();
  let at: usize = 0;
  let length = NIL_MSG;
  if (kind == Kind.Str) {
    length = <u32>r.readStrBytes();
    at = r.strStart;
  } else if (kind == Kind.Nil || r.peekByte() < 0) r.readNil(); // at the end, fails as truncated
  else r.fail(E_STATE_MSG, r.offset);
  if (declares(Field.STATUS_MSG)) w.statusMsg(at, length);
}

// The state's str as the code of the PresenceState constant it spells (batch.ts stateOfCode), compared in
// place so that no string is built; anything else fails as reading it as a string would (not a str,
// truncated, bad UTF-8), or as unknown.
function readState(r: Reader): u32 {
  const at = r.offset;
  const len = r.readStrBytes(false);
  if (!r.ok) return 0;
  const p = r.strStart;
  if (asciiEquals(p, len, PresenceState.ONLINE)) return 0;
  if (asciiEquals(p, len, PresenceState.UNAVAILABLE)) return 1;
  if (asciiEquals(p, len, PresenceState.OFFLINE)) return 2;
  if (asciiEquals(p, len, PresenceState.BUSY)) return 3;
  if (r.checkUtf8(p, len)) r.fail(E_STATE_VALUE, at);
  return 0;
}

// Built only on failure: "expected a state array of 7 elements", and for a module that declares fewer,
// where that count comes from and that a full state is also accepted.
function arityError(arity: u32, count: u32): string {
  if (arity == ALL_FIELDS) return E_STATE_ARITY + "7 elements" + (count < ALL_FIELDS ? E_STATE_NOT_GLOBAL : "");
  return E_STATE_ARITY + arity.toString() + (arity == 1 ? " element" : " elements") + E_STATE_FIELDS;
}

function readTs(r: Reader): i64 {
  const at = r.offset;
  const t = r.readInt();
  if (r.ok && (t < 0 || t > MAX_TS)) r.fail(E_STATE_TS, at);
  return t;
}

/**
 * Encodes a Routing as a map from destination user ID to an array of batch indices. Destinations are not
 * checked here: the host checks every user ID of an answer and refuses a malformed one (bad_output,
 * naming it), and checking them twice was a fifth of the time of routers with many destinations.
 */
export function encodeRouting(routing: Routing): Writer {
  const count = routing.destinationCount;
  const w = new Writer(16 + count * 48);
  w.writeMapHeader(<u32>count);
  for (let i = 0; i < count; i++) {
    const dest = routing.destinationIdAt(i);
    w.writeUtf8(dest.dataStart, <usize>dest.byteLength);
    w.writeIndexArray(routing.indicesAt(i));
  }
  return w;
}

/** Encodes InterestedUsers as the str "ALL" or an array of user ID strs (checked by the host, as above). */
export function encodeInterested(users: InterestedUsers): Writer {
  const w = new Writer();
  if (users.isAll) {
    w.writeString(PRESENCE_ALL_USERS);
    return w;
  }
  const ids = users.userIds;
  w.writeArrayHeader(<u32>ids.length);
  for (let i = 0; i < ids.length; i++) w.writeUtf8(unchecked(ids[i]).dataStart, <usize>unchecked(ids[i]).byteLength);
  return w;
}
