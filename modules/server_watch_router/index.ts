// Watchers see a whole server: each watcher receives the presence of every user whose user ID is on one
// of the listed server names (a help desk that sees everyone on the company homeserver).

import {
  Batch, Config, Field, InterestedUsers, PresenceRouter, Routing, ServerNameSet, UserIdSet, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

class ServerWatchRouter extends PresenceRouter {
  private readonly watchers: UserIdSet;
  private readonly servers: ServerNameSet;

  constructor(config: Config) {
    super();
    config.allowKeys(["watchers", "server_names"]);
    this.watchers = config.userIdSet("watchers");
    this.servers = ServerNameSet.of(config.serverNameList("server_names"));
    if (this.watchers.size == 0) config.fail("watchers: required, a non-empty list of user IDs");
    if (this.servers.size == 0) config.fail("server_names: required, a non-empty list of server names");
  }

  getUsersForBatch(states: Batch): Routing {
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      if (!this.servers.hasServerOf(states, i)) continue;
      for (let k = 0; k < this.watchers.size; k++) {
        if (!states.userIs(i, this.watchers.at(k))) routing.addIndex(this.watchers.at(k), i);
      }
    }
    return routing;
  }

  // A router cannot list a server's users, so a watcher asks for everyone; Synapse then runs all of
  // those states through getUsersForBatch and keeps only the watcher's entry, which is exact.
  getInterestedUsers(userId: string): InterestedUsers {
    return this.watchers.has(userId) ? InterestedUsers.all() : new InterestedUsers();
  }
}

registerRouter((config: Config): PresenceRouter => new ServerWatchRouter(config));
