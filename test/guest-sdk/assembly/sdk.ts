// Test entry points over the SDK's surface: Config accessors, user IDs, and the host helpers.
// Results are "ok:<JSON>" or "err:<config error>".

import {
  Config, InterestedUsers, LogLevel, Routing, UserPresenceState, isValidServerName, log,
  sendLocalOnlinePresenceTo, serverName, userIdError,
} from "../../../guest-sdk/index";

function json(s: string): string {
  return "\"" + s.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\"";
}

function jsonList(items: string[]): string {
  const parts = new Array<string>(0);
  for (let i = 0; i < items.length; i++) parts.push(json(items[i]));
  return "[" + parts.join(",") + "]";
}

function config(input: ArrayBuffer): Config {
  return Config.decode(changetype<usize>(input), <usize>input.byteLength);
}

function outcome(c: Config, value: string): string {
  return c.ok ? "ok:" + value : "err:" + c.error!;
}

/**
 * Calls one accessor on the decoded config: `arg` is the key, or for allowKeys a comma-separated list
 * of allowed keys, or for fail the message.
 */
export function access(input: ArrayBuffer, accessor: string, arg: string): string {
  const c = config(input);
  if (accessor == "none") return outcome(c, "null");
  if (accessor == "userIdList") return outcome(c, jsonList(c.userIdList(arg)));
  if (accessor == "stringList") return outcome(c, jsonList(c.stringList(arg)));
  if (accessor == "serverNameList") return outcome(c, jsonList(c.serverNameList(arg)));
  if (accessor == "string") return outcome(c, json(c.string(arg, "fallback")));
  if (accessor == "bool") return outcome(c, c.bool(arg, false) ? "true" : "false");
  if (accessor == "has") return outcome(c, c.has(arg) ? "true" : "false");
  if (accessor == "allowKeys") { c.allowKeys(arg.length ? arg.split(",") : []); return outcome(c, "null"); }
  if (accessor == "fail") { c.fail(arg); c.fail("second"); return outcome(c, "null"); }
  if (accessor == "userIdListMap") {
    const m = c.userIdListMap(arg);
    const keys = m.keys();
    const parts = new Array<string>(0);
    for (let i = 0; i < keys.length; i++) parts.push(json(keys[i]) + ":" + jsonList(m.get(keys[i])));
    return outcome(c, "{" + parts.join(",") + "}");
  }
  return "unknown accessor " + accessor;
}

/** An error after the first leaves the first in place and empties later answers. */
export function afterError(input: ArrayBuffer): string {
  const c = config(input);
  c.fail("first");
  return "err:" + c.error! + "|" + jsonList(c.userIdList("a")) + "|" + c.string("b", "fb");
}

export function userIdReason(userId: string): string {
  const r = userIdError(userId);
  return r === null ? "" : r;
}

export function serverNameValid(name: string): bool { return isValidServerName(name); }

export function serverNameOf(userId: string): string { return serverName(userId); }

export function callLog(level: i32, message: string): void { log(<LogLevel>level, message); }

/** Sends a comma-separated list of user IDs through sendLocalOnlinePresenceTo. */
export function callSend(users: string): void { sendLocalOnlinePresenceTo(users.length ? users.split(",") : []); }

/** A Routing built from "dest=i,j;dest2=" (empty list keeps dest), read back in the same notation. */
export function routing(spec: string): string {
  const r = new Routing();
  const entries = spec.split(";");
  for (let e = 0; e < entries.length; e++) {
    const parts = entries[e].split("=");
    const states: UserPresenceState[] = [];
    const indices = parts[1].length ? parts[1].split(",") : [];
    for (let i = 0; i < indices.length; i++) {
      states.push(new UserPresenceState("@u:x", "online", 0, 0, 0, null, false, I32.parseInt(indices[i])));
    }
    r.addAll(parts[0], states);
  }
  const out = new Array<string>(0);
  const dests = r.destinations;
  for (let i = 0; i < dests.length; i++) out.push(dests[i] + "=" + r.indicesFor(dests[i]).join(","));
  return out.join(";");
}

/** Routing a state the module built itself (index -1) traps. */
export function routeForeignState(): void {
  new Routing().add("@a:x", new UserPresenceState("@u:x", "online", 0, 0, 0, null, false));
}

export function interestedAll(): string {
  const u = InterestedUsers.all().add("@a:x");
  return (u.isAll ? "all" : "some") + ":" + u.users.length.toString() + ":" + (u.has("@z:y") ? "has" : "not");
}
