// Synapse's CustomPresenceRouter: @alice:example.com receives the presence of @bob:example.com and
// @charlie:somewhere.org. The optional `routes:` config (receiver -> senders) replaces that mapping.

import {
  Batch, Config, Field, InterestedUsers, PresenceRouter, Routing, UserId, UserIdMap, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

class CustomPresenceRouter extends PresenceRouter {
  /** receiver -> the senders whose presence it receives, as configured. */
  private readonly sendersOf: UserIdMap<UserId[]>;
  /** sender -> its receivers: the same routes, indexed for get_users_for_states. */
  private readonly receiversOf: UserIdMap<UserId[]> = new UserIdMap();

  constructor(config: Config) {
    super();
    config.allowKeys(["routes"]);
    this.sendersOf = config.has("routes") ? config.userIdKeyedLists("routes") : defaultRoutes();
    for (let r = 0; r < this.sendersOf.size; r++) {
      const senders = this.sendersOf.valueAt(r);
      for (let k = 0; k < senders.length; k++) {
        let receivers = this.receiversOf.getId(senders[k]);
        if (receivers === null) this.receiversOf.set(senders[k], receivers = []);
        receivers.push(this.sendersOf.keyAt(r));
      }
    }
  }

  getUsersForBatch(states: Batch): Routing {
    // A receiver becomes a key only once one of its senders' states is present (the seed's setdefault).
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      const receivers = this.receiversOf.getUserOf(states, i);
      if (receivers === null) continue;
      for (let k = 0; k < receivers.length; k++) routing.addIndex(receivers[k], i);
    }
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    const senders = this.sendersOf.get(userId);
    return senders === null ? new InterestedUsers() : InterestedUsers.ofIds(senders);
  }
}

function defaultRoutes(): UserIdMap<UserId[]> {
  return new UserIdMap<UserId[]>()
    .setString("@alice:example.com", UserId.all(["@bob:example.com", "@charlie:somewhere.org"]));
}

registerRouter((config: Config): PresenceRouter => new CustomPresenceRouter(config));
