// Teams see each other: the members of each configured group receive each other's presence. A user in
// several groups sees the members of all of them, and is never routed their own state.

import { Config, Field, PresenceRouter, RouteTable, registerRouter } from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["groups"]);
  if (!config.has("groups")) config.fail("groups: required, a map from group names to lists of user IDs");
  const groups = config.userIdGroups("groups");
  const names = groups.keys();
  const table = new RouteTable();
  for (let g = 0; g < names.length; g++) table.group(groups.get(names[g]));
  return table;
});
