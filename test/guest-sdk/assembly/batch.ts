// Test entry points over the batch decoder as a module sees it: a router that describes the states it is
// given, or keeps them across calls, driven through the ABI exports exactly as the host drives them
// (presence_alloc, copy in, presence_users_for_states). Descriptions are JSON.

import {
  Config, InterestedUsers, PresenceRouter, PresenceState, Routing, UserPresenceState, registerRouter,
} from "../../../guest-sdk/index";
import { presence_alloc, presence_init, presence_users_for_states } from "../../../guest-sdk/exports";

export * from "../../../guest-sdk/exports";

/** What the router does with the next batch: "describe", "keep" or "lazy". */
let mode = "describe";
let report = "";
/** States kept from earlier calls, which docs/abi.md tells real modules not to rely on. */
const kept: UserPresenceState[] = [];
/** The input of the call in progress. */
let inputPtr: usize = 0;
let inputLen: usize = 0;

function json(s: string | null): string {
  if (s === null) return "null";
  return "\"" + s.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\"";
}

// True if `state` is the very PresenceState constant (same object), not merely an equal string: `==` and
// `===` both compare strings by value in AssemblyScript.
function isConstant(state: string): bool {
  const p = changetype<usize>(state);
  return p == changetype<usize>(PresenceState.ONLINE) || p == changetype<usize>(PresenceState.UNAVAILABLE)
    || p == changetype<usize>(PresenceState.OFFLINE) || p == changetype<usize>(PresenceState.BUSY);
}

function describe(s: UserPresenceState): string {
  return "{\"userId\":" + json(s.userId) + ",\"state\":" + json(s.state)
    + ",\"constant\":" + (isConstant(s.state) ? "true" : "false")
    + ",\"lastActiveTs\":" + s.lastActiveTs.toString() + ",\"lastFederationUpdateTs\":" + s.lastFederationUpdateTs.toString()
    + ",\"lastUserSyncTs\":" + s.lastUserSyncTs.toString() + ",\"statusMsg\":" + json(s.statusMsg)
    + ",\"currentlyActive\":" + (s.currentlyActive ? "true" : "false") + ",\"index\":" + s.index.toString() + "}";
}

function describeAll(states: UserPresenceState[]): string {
  const parts = new Array<string>(0);
  for (let i = 0; i < states.length; i++) parts.push(describe(states[i]));
  return "[" + parts.join(",") + "]";
}

// Replaces every byte `from` of the call's input with `to`.
function rewriteInput(from: u8, to: u8): void {
  for (let i: usize = 0; i < inputLen; i++) if (load<u8>(inputPtr + i) == from) store<u8>(inputPtr + i, to);
}

class Recorder extends PresenceRouter {
  getUsersForStates(states: UserPresenceState[]): Routing {
    if (mode == "keep") {
      for (let i = 0; i < states.length; i++) kept.push(states[i]);
    } else if (mode == "lazy") {
      // status_msg is decoded on its first read, from the input: an "x" rewritten before that read shows
      // up in it, one rewritten after it does not.
      rewriteInput(0x78, 0x79); // x -> y
      const first = states[0].statusMsg;
      rewriteInput(0x79, 0x7a); // y -> z
      report = "[" + json(first) + "," + json(states[0].statusMsg) + "]";
    } else {
      report = describeAll(states);
    }
    return new Routing();
  }

  getInterestedUsers(userId: string): InterestedUsers { return new InterestedUsers(); }
}

registerRouter((config: Config): PresenceRouter => new Recorder());

/** presence_init with an empty config. */
export function init(): void {
  const ptr = presence_alloc(1);
  store<u8>(ptr, 0x80); // an empty msgpack map
  if (presence_init(ptr, 1) != 0) throw new Error("init refused an empty config");
}

/** presence_users_for_states with `batch`, the router in `how` mode; returns the router's report. */
export function route(batch: ArrayBuffer, how: string): string {
  mode = how;
  report = "";
  inputLen = <usize>batch.byteLength;
  inputPtr = presence_alloc(<i32>inputLen);
  memory.copy(inputPtr, changetype<usize>(batch), inputLen);
  presence_users_for_states(inputPtr, <i32>inputLen);
  return report;
}

/** The states kept so far, read now. */
export function keptStates(): string { return describeAll(kept); }

/** A full garbage collection: whatever nothing references is freed. */
export function collect(): void { __collect(); }

/** States a module builds itself keep the status message they were given. */
export function builtStates(): string {
  return describeAll([
    new UserPresenceState("@u:x", PresenceState.ONLINE, 1, 2, 3, "héllo 🎉", true),
    new UserPresenceState("@v:x", PresenceState.OFFLINE, 4, 5, 6, null, false),
  ]);
}
