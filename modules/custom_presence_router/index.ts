// Synapse's CustomPresenceRouter: @alice:example.com receives the presence of @bob:example.com and
// @charlie:somewhere.org. The optional `routes:` config (receiver -> senders) replaces that mapping.
// A receiver becomes a key only once one of its senders' states is present (the seed's setdefault),
// as in any route table.

import { Config, Field, PresenceRouter, RouteTable, UserId, UserIdMap, registerRouter } from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["routes"]);
  const routes = config.has("routes") ? config.userIdKeyedLists("routes") : defaultRoutes();
  const table = new RouteTable();
  for (let r = 0; r < routes.size; r++) table.receive(routes.keyAt(r), routes.valueAt(r));
  return table;
});

function defaultRoutes(): UserIdMap<UserId[]> {
  return new UserIdMap<UserId[]>()
    .setString("@alice:example.com", UserId.all(["@bob:example.com", "@charlie:somewhere.org"]));
}
