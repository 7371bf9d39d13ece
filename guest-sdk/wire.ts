// The host<->guest wire formats of docs/abi.md: the batch in, the two results out. Malformed input from
// the host is a host bug, but routing a misread batch would be worse than failing, so it traps.

import { Reader } from "./msgpack/reader";
import { Writer } from "./msgpack/writer";
import { Kind } from "./msgpack/format";
import { PRESENCE_ALL_USERS, PresenceState, UserPresenceState } from "./presence";
import { InterestedUsers, Routing } from "./router";
import { asciiEquals } from "./utf8";
import { hasUserIdShape } from "./userid";
import {
  E_BAD_BATCH, E_STATE_ARITY, E_STATE_MSG, E_STATE_TS, E_STATE_USER, E_STATE_VALUE,
} from "./errors";

const STATE_FIELDS: u32 = 7;
const MAX_TS: i64 = 9007199254740992; // 2^53

/** A state from a batch: its status_msg stays validated UTF-8 in the batch's input until first read. */
class BatchState extends UserPresenceState {
  constructor(
    userId: string, state: string, lastActiveTs: i64, lastFederationUpdateTs: i64, lastUserSyncTs: i64,
    msgInput: ArrayBuffer | null, msgAt: u32, msgLength: u32, currentlyActive: bool, index: i32,
  ) {
    super(userId, state, lastActiveTs, lastFederationUpdateTs, lastUserSyncTs, null, currentlyActive, index);
    this.msgInput = msgInput;
    this.msgAt = msgAt;
    this.msgLength = msgLength;
  }
}

/**
 * Decodes a batch (an array of 7-element state arrays) from the first `len` bytes of `input`; traps with
 * the byte offset if it is malformed. The states may keep a reference to `input` (their status_msg bytes).
 */
export function decodeBatch(input: ArrayBuffer, len: usize): UserPresenceState[] {
  const base = changetype<usize>(input);
  const r = new Reader(base, len);
  const n = r.readArrayHeader();
  // The reader refuses a count the input cannot hold, so n is at most len: sized once, not grown by push.
  const states = new Array<UserPresenceState>(<i32>n);
  for (let i: u32 = 0; i < n && r.ok; i++) {
    let at = r.offset;
    if (r.readArrayHeader() != STATE_FIELDS && r.ok) r.fail(E_STATE_ARITY, at);
    at = r.offset;
    const userId = r.readString();
    if (r.ok && !hasUserIdShape(userId)) r.fail(E_STATE_USER, at); // the host checked the grammar
    const state = readState(r);
    const lastActive = readTs(r);
    const lastFederationUpdate = readTs(r);
    const lastUserSync = readTs(r);
    let msgInput: ArrayBuffer | null = null;
    let msgAt: u32 = 0;
    let msgLength: u32 = 0;
    const msgKind = r.peekKind();
    if (msgKind == Kind.Str) {
      msgLength = <u32>r.readStrBytes(); // validated now, decoded on first read
      msgInput = input;
      msgAt = <u32>(r.strStart - base);
    } else if (msgKind == Kind.Nil || r.peekByte() < 0) r.readNil(); // at the end, fails as truncated
    else r.fail(E_STATE_MSG, r.offset);
    const currentlyActive = r.readBool();
    if (!r.ok) break;
    unchecked(states[i] = new BatchState(
      userId, state, lastActive, lastFederationUpdate, lastUserSync, msgInput, msgAt, msgLength, currentlyActive, <i32>i,
    ));
  }
  r.finish();
  if (!r.ok) throw new Error(E_BAD_BATCH + r.error!);
  return states;
}

// The state's str as the PresenceState constant it spells, compared in place so that no string is built;
// anything else fails as reading it as a string would (not a str, truncated, bad UTF-8), or as unknown.
function readState(r: Reader): string {
  const at = r.offset;
  const len = r.readStrBytes(false);
  if (!r.ok) return "";
  const p = r.strStart;
  if (asciiEquals(p, len, PresenceState.ONLINE)) return PresenceState.ONLINE;
  if (asciiEquals(p, len, PresenceState.OFFLINE)) return PresenceState.OFFLINE;
  if (asciiEquals(p, len, PresenceState.UNAVAILABLE)) return PresenceState.UNAVAILABLE;
  if (asciiEquals(p, len, PresenceState.BUSY)) return PresenceState.BUSY;
  if (r.checkUtf8(p, len)) r.fail(E_STATE_VALUE, at);
  return "";
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
    w.writeString(routing.destinationAt(i));
    const indices = routing.indicesAt(i);
    w.writeArrayHeader(<u32>indices.length);
    for (let k = 0; k < indices.length; k++) w.writeUint(<u64>unchecked(indices[k]));
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
  const ids = users.users;
  w.writeArrayHeader(<u32>ids.length);
  for (let i = 0; i < ids.length; i++) w.writeString(ids[i]);
  return w;
}
