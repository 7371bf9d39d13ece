// Synapse's CustomPresenceRouter: @alice:example.com receives the presence of @bob:example.com and
// @charlie:somewhere.org. The optional `routes:` config (receiver -> senders) replaces that mapping.

import {
  Config, InterestedUsers, PresenceRouter, Routing, UserPresenceState, registerRouter, userIdError,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";

class CustomPresenceRouter extends PresenceRouter {
  /** receiver -> the senders whose presence it receives, as configured. */
  private readonly sendersOf: Map<string, string[]>;
  /** sender -> its receivers: the same routes, indexed for get_users_for_states. */
  private readonly receiversOf: Map<string, string[]> = new Map();

  constructor(config: Config) {
    super();
    config.allowKeys(["routes"]);
    this.sendersOf = config.has("routes") ? config.userIdListMap("routes") : defaultRoutes();
    const receivers = this.sendersOf.keys();
    for (let i = 0; i < receivers.length; i++) {
      const receiver = receivers[i];
      const reason = userIdError(receiver);
      if (reason !== null) config.fail("routes: \"" + receiver + "\" is not a valid user ID (" + reason + ")");
      const senders = this.sendersOf.get(receiver);
      for (let k = 0; k < senders.length; k++) {
        if (!this.receiversOf.has(senders[k])) this.receiversOf.set(senders[k], []);
        this.receiversOf.get(senders[k]).push(receiver);
      }
    }
  }

  getUsersForStates(states: UserPresenceState[]): Routing {
    // A receiver becomes a key only once one of its senders' states is present (the seed's setdefault).
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      if (!this.receiversOf.has(states[i].userId)) continue;
      const receivers = this.receiversOf.get(states[i].userId);
      for (let k = 0; k < receivers.length; k++) routing.add(receivers[k], states[i]);
    }
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    return this.sendersOf.has(userId) ? InterestedUsers.of(this.sendersOf.get(userId)) : new InterestedUsers();
  }
}

function defaultRoutes(): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  routes.set("@alice:example.com", ["@bob:example.com", "@charlie:somewhere.org"]);
  return routes;
}

registerRouter((config: Config): PresenceRouter => new CustomPresenceRouter(config));
