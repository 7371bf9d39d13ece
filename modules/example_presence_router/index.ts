// Synapse's ExamplePresenceRouter: every state whose user is not blacklisted goes to every user in
// always_send_to_users, and those users are interested in everyone. Every listed user is a destination
// even when nothing passes the filter (the seed assigns the filtered set to each of them unconditionally),
// which is what a route table does for its receiveAll receivers.

import { Config, Field, PresenceRouter, RouteTable, registerRouter } from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["always_send_to_users", "blacklisted_users"]);
  return new RouteTable()
    .receiveAll(config.userIdBytesList("always_send_to_users"))
    .exclude(config.userIdBytesList("blacklisted_users"));
});
