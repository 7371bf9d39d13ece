// Test entry points over the SDK's surface: Config accessors, user IDs, and the host helpers.
// Results are "ok:<JSON>" or "err:<config error>".

import {
  Config, InterestedUsers, LogLevel, Routing, UserId, UserIdMap, UserIdSet, UserPresenceState, isValidServerName, log,
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

// The byte-compared sets and maps (guest-sdk/userset.ts), on lists of members each preceded by NUL, which
// no user ID holds.
function nulList(s: string): string[] { return s.split("\0").slice(1); }

/**
 * How the SDK's byte comparisons see `query` against `members`: "has|hasBytes|position|equal|hashEqual|
 * routingDestinations|interested", where position is the map's value for query (each member's last index).
 */
export function byteLookups(members: string, query: string): string {
  const list = nulList(members);
  const set = UserIdSet.ofStrings(list);
  const map = new UserIdMap<string>();
  const routing = new Routing();
  const interested = new InterestedUsers();
  for (let i = 0; i < list.length; i++) {
    map.setString(list[i], i.toString());
    routing.ensureId(UserId.of(list[i]));
    interested.add(list[i]);
  }
  const q = UserId.of(query);
  const p = map.get(query);
  const first = list.length ? UserId.of(list[0]) : UserId.of("\0"); // NUL: never a query
  return [
    set.has(query) ? "1" : "0",
    set.hasBytes(q.dataStart, <usize>q.byteLength) ? "1" : "0",
    p === null ? "-" : p,
    first.equals(q) && first.is(query) && q.is(list.length ? list[0] : "") ? "1" : "0",
    first.hash == q.hash ? "1" : "0",
    routing.destinations.join("\0"),
    interested.users.join("\0"),
    interested.has(query) ? "1" : "0",
  ].join("|");
}

/** hashBytes of `s`'s UTF-8, as UserId.of computes it. */
export function hashOf(s: string): u32 { return UserId.of(s).hash; }
