// Watchers see a whole server: each watcher receives the presence of every other user whose user ID is
// on one of the listed server names (a help desk that sees everyone on the company homeserver). A router
// cannot list a server's users, so a watcher's interested_users is ALL; Synapse then runs all of those
// states through get_users_for_states and keeps only the watcher's entry, which is exact.

import { Config, Field, PresenceRouter, RouteTable, registerRouter } from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["watchers", "server_names"]);
  const watchers = config.userIdBytesList("watchers");
  const servers = config.serverNameList("server_names");
  if (watchers.length == 0) config.fail("watchers: required, a non-empty list of user IDs");
  if (servers.length == 0) config.fail("server_names: required, a non-empty list of server names");
  const table = new RouteTable();
  for (let s = 0; s < servers.length; s++) table.routeServer(servers[s], watchers);
  return table;
});
