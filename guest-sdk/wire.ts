// The host<->guest wire formats of docs/abi.md: the batch in, the two results out. Malformed input from
// the host is a host bug, but routing a misread batch would be worse than failing, so it traps.

import { Reader } from "./msgpack/reader";
import { Writer } from "./msgpack/writer";
import { Kind } from "./msgpack/format";
import { PRESENCE_ALL_USERS, UserPresenceState, isPresenceState } from "./presence";
import { InterestedUsers, Routing } from "./router";
import { userIdError } from "./userid";
import {
  E_BAD_BATCH, E_BAD_DEST, E_BAD_INTERESTED, E_STATE_ARITY, E_STATE_MSG, E_STATE_TS, E_STATE_USER, E_STATE_VALUE,
} from "./errors";

const STATE_FIELDS: u32 = 7;
const MAX_TS: i64 = 9007199254740992; // 2^53

/** Decodes a batch (an array of 7-element state arrays); traps with the byte offset if it is malformed. */
export function decodeBatch(ptr: usize, len: usize): UserPresenceState[] {
  const r = new Reader(ptr, len);
  const n = r.readArrayHeader();
  const states = new Array<UserPresenceState>(0);
  for (let i: u32 = 0; i < n && r.ok; i++) {
    let at = r.offset;
    if (r.readArrayHeader() != STATE_FIELDS && r.ok) r.fail(E_STATE_ARITY, at);
    at = r.offset;
    const userId = r.readString();
    // The host checks every user ID of a batch against the full grammar before encoding it; checking the
    // shape here still traps on a misread batch without paying for the grammar twice (it was a fifth of
    // the example router's time in the guest, bench/README.md).
    if (r.ok && (userId.length < 4 || userId.charCodeAt(0) != 0x40)) r.fail(E_STATE_USER, at);
    at = r.offset;
    const state = r.readString();
    if (r.ok && !isPresenceState(state)) r.fail(E_STATE_VALUE, at);
    const lastActive = readTs(r);
    const lastFederationUpdate = readTs(r);
    const lastUserSync = readTs(r);
    let statusMsg: string | null = null;
    if (r.isNil()) r.readNil();
    else if (r.peekKind() == Kind.Str) statusMsg = r.readString();
    else r.fail(E_STATE_MSG, r.offset);
    const currentlyActive = r.readBool();
    states.push(new UserPresenceState(
      userId, state, lastActive, lastFederationUpdate, lastUserSync, statusMsg, currentlyActive, <i32>i,
    ));
  }
  r.finish();
  if (!r.ok) throw new Error(E_BAD_BATCH + r.error!);
  return states;
}

function readTs(r: Reader): i64 {
  const at = r.offset;
  const t = r.readInt();
  if (r.ok && (t < 0 || t > MAX_TS)) r.fail(E_STATE_TS, at);
  return t;
}

/** Encodes a Routing as a map from destination user ID to an array of batch indices. */
export function encodeRouting(routing: Routing): Writer {
  const dests = routing.destinations;
  const w = new Writer(16 + dests.length * 48);
  w.writeMapHeader(<u32>dests.length);
  for (let i = 0; i < dests.length; i++) {
    const dest = dests[i];
    if (userIdError(dest) !== null) throw new Error(E_BAD_DEST + dest);
    w.writeString(dest);
    const indices = routing.indicesFor(dest);
    w.writeArrayHeader(<u32>indices.length);
    for (let k = 0; k < indices.length; k++) w.writeUint(<u64>indices[k]);
  }
  return w;
}

/** Encodes InterestedUsers as the str "ALL" or an array of user ID strs. */
export function encodeInterested(users: InterestedUsers): Writer {
  const w = new Writer();
  if (users.isAll) {
    w.writeString(PRESENCE_ALL_USERS);
    return w;
  }
  const ids = users.users;
  w.writeArrayHeader(<u32>ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (userIdError(ids[i]) !== null) throw new Error(E_BAD_INTERESTED + ids[i]);
    w.writeString(ids[i]);
  }
  return w;
}
