// Synapse's ExamplePresenceRouter: every state whose user is not blacklisted goes to every user in
// always_send_to_users, and those users are interested in everyone.

import {
  Batch, Config, Field, InterestedUsers, PresenceRouter, Routing, UserIdSet, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

class ExamplePresenceRouter extends PresenceRouter {
  private readonly alwaysSendTo: UserIdSet;
  private readonly blacklisted: UserIdSet;

  constructor(config: Config) {
    super();
    config.allowKeys(["always_send_to_users", "blacklisted_users"]);
    this.alwaysSendTo = config.userIdSet("always_send_to_users");
    this.blacklisted = config.userIdSet("blacklisted_users");
  }

  getUsersForBatch(states: Batch): Routing {
    const desired: i32[] = [];
    for (let i = 0; i < states.length; i++) {
      if (!this.blacklisted.hasUserOf(states, i)) desired.push(i);
    }
    // Every listed user is a destination, even when nothing passed the filter (Synapse's example
    // assigns the filtered set to each of them unconditionally).
    const routing = new Routing();
    for (let i = 0; i < this.alwaysSendTo.size; i++) routing.addIndices(this.alwaysSendTo.at(i), desired);
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    return this.alwaysSendTo.has(userId) ? InterestedUsers.all() : new InterestedUsers();
  }
}

registerRouter((config: Config): PresenceRouter => new ExamplePresenceRouter(config));
