// Test entry points over a batch as a module that declares some fields sees it (user_id, last_user_sync_ts
// and status_msg): the accessors, the state objects, reading an undeclared field, and byte-compared
// lookups of the batch's user IDs in a set and a map. Driven through the ABI exports as the host drives them.

import {
  Batch, Config, Field, InterestedUsers, PresenceRouter, Routing, UserIdMap, UserIdSet, registerRouter,
} from "../../../guest-sdk/index";
import { presence_alloc, presence_init, presence_users_for_states } from "../../../guest-sdk/exports";

export * from "../../../guest-sdk/exports";
// @ts-ignore: decorator
@global export const presence_fields: i32 = Field.USER_ID | Field.LAST_USER_SYNC_TS | Field.STATUS_MSG;

/** What the router does with the next batch: "describe", "objects", "lookup", or the field to misread. */
let mode = "describe";
let report = "";
let members = new UserIdSet();
let positions = new UserIdMap<string>();

function json(s: string | null): string {
  if (s === null) return "null";
  return "\"" + s.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\"";
}

class Recorder extends PresenceRouter {
  getUsersForBatch(states: Batch): Routing {
    const parts = new Array<string>(0);
    for (let i = 0; i < states.length; i++) {
      if (mode == "describe") {
        parts.push("[" + json(states.userId(i)) + "," + states.lastUserSyncTs(i).toString() + "," + json(states.statusMsg(i)) + "]");
      } else if (mode == "objects") {
        const s = states.at(i);
        const same = states.at(i) === s ? "true" : "false";
        parts.push("[" + json(s.userId) + "," + s.lastUserSyncTs.toString() + "," + json(s.statusMsg) + "," + s.index.toString() + "," + same + "]");
      } else if (mode == "lookup") {
        const p = positions.getUserOf(states, i);
        parts.push("[" + (members.hasUserOf(states, i) ? "true" : "false") + "," + json(p) + "]");
      } else if (mode == "state") states.state(i);
      else if (mode == "lastActiveTs") states.lastActiveTs(i);
      else if (mode == "currentlyActive") states.currentlyActive(i);
      else if (mode == "object.state") states.at(i).state;
      else if (mode == "object.lastFederationUpdateTs") states.at(i).lastFederationUpdateTs;
    }
    report = "[" + parts.join(",") + "]";
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

/** The set and map "lookup" consults: the members of `list`, each preceded by NUL; the map gives each member's last position. */
export function setMembers(list: string): void {
  const ids = list.split("\0").slice(1);
  members = UserIdSet.ofStrings(ids);
  positions = new UserIdMap<string>();
  for (let i = 0; i < ids.length; i++) positions.setString(ids[i], i.toString());
}

/** presence_users_for_states with `batch`, the router in `how` mode; returns the router's report. */
export function route(batch: ArrayBuffer, how: string): string {
  mode = how;
  report = "";
  const len = batch.byteLength;
  const ptr = presence_alloc(len);
  memory.copy(ptr, changetype<usize>(batch), <usize>len);
  presence_users_for_states(ptr, len);
  return report;
}
