// Watchers see a whole server: each watcher receives the presence of every user whose user ID is on one
// of the listed server names (a help desk that sees everyone on the company homeserver).

import {
  Config, InterestedUsers, PresenceRouter, Routing, UserPresenceState, registerRouter, serverName,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";

class ServerWatchRouter extends PresenceRouter {
  private readonly watchers: string[];
  private readonly watcherSet: Set<string> = new Set();
  private readonly servers: Set<string> = new Set();

  constructor(config: Config) {
    super();
    config.allowKeys(["watchers", "server_names"]);
    this.watchers = config.userIdList("watchers");
    const servers = config.serverNameList("server_names");
    if (this.watchers.length == 0) config.fail("watchers: required, a non-empty list of user IDs");
    if (servers.length == 0) config.fail("server_names: required, a non-empty list of server names");
    for (let i = 0; i < this.watchers.length; i++) this.watcherSet.add(this.watchers[i]);
    for (let i = 0; i < servers.length; i++) this.servers.add(servers[i]);
  }

  getUsersForStates(states: UserPresenceState[]): Routing {
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      const state = states[i];
      if (!this.servers.has(serverName(state.userId))) continue;
      for (let k = 0; k < this.watchers.length; k++) {
        if (this.watchers[k] != state.userId) routing.add(this.watchers[k], state);
      }
    }
    return routing;
  }

  // A router cannot list a server's users, so a watcher asks for everyone; Synapse then runs all of
  // those states through getUsersForStates and keeps only the watcher's entry, which is exact.
  getInterestedUsers(userId: string): InterestedUsers {
    return this.watcherSet.has(userId) ? InterestedUsers.all() : new InterestedUsers();
  }
}

registerRouter((config: Config): PresenceRouter => new ServerWatchRouter(config));
