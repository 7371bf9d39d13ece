// Synapse's ExamplePresenceRouter: every state whose user is not blacklisted goes to every user in
// always_send_to_users, and those users are interested in everyone.

import {
  Config, InterestedUsers, PresenceRouter, Routing, UserPresenceState, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";

class ExamplePresenceRouter extends PresenceRouter {
  private readonly alwaysSendTo: string[];
  private readonly blacklisted: Set<string> = new Set();

  constructor(config: Config) {
    super();
    config.allowKeys(["always_send_to_users", "blacklisted_users"]);
    this.alwaysSendTo = config.userIdList("always_send_to_users");
    const blacklisted = config.userIdList("blacklisted_users");
    for (let i = 0; i < blacklisted.length; i++) this.blacklisted.add(blacklisted[i]);
  }

  getUsersForStates(states: UserPresenceState[]): Routing {
    const desired: UserPresenceState[] = [];
    for (let i = 0; i < states.length; i++) {
      if (!this.blacklisted.has(states[i].userId)) desired.push(states[i]);
    }
    // Every listed user is a destination, even when nothing passed the filter (Synapse's example
    // assigns the filtered set to each of them unconditionally).
    const routing = new Routing();
    for (let i = 0; i < this.alwaysSendTo.length; i++) routing.addAll(this.alwaysSendTo[i], desired);
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    return this.alwaysSendTo.includes(userId) ? InterestedUsers.all() : new InterestedUsers();
  }
}

registerRouter((config: Config): PresenceRouter => new ExamplePresenceRouter(config));
