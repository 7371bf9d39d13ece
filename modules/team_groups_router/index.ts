// Teams see each other: the members of each configured group receive each other's presence. A user in
// several groups sees the members of all of them, and is never routed their own state.

import {
  Config, InterestedUsers, PresenceRouter, Routing, UserPresenceState, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";

class TeamGroupsRouter extends PresenceRouter {
  /** user -> the other members of all of the user's groups. Symmetric, so it serves both callbacks. */
  private readonly peersOf: Map<string, Set<string>> = new Map();

  constructor(config: Config) {
    super();
    config.allowKeys(["groups"]);
    if (!config.has("groups")) config.fail("groups: required, a map from group names to lists of user IDs");
    const groups = config.userIdListMap("groups");
    const names = groups.keys();
    for (let g = 0; g < names.length; g++) {
      const members = groups.get(names[g]);
      for (let i = 0; i < members.length; i++) {
        for (let k = 0; k < members.length; k++) {
          if (members[i] != members[k]) this.peers(members[i]).add(members[k]);
        }
      }
    }
  }

  getUsersForStates(states: UserPresenceState[]): Routing {
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      if (!this.peersOf.has(states[i].userId)) continue;
      const peers = this.peersOf.get(states[i].userId).values();
      for (let k = 0; k < peers.length; k++) routing.add(peers[k], states[i]);
    }
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    return this.peersOf.has(userId) ? InterestedUsers.of(this.peersOf.get(userId).values()) : new InterestedUsers();
  }

  private peers(userId: string): Set<string> {
    if (!this.peersOf.has(userId)) this.peersOf.set(userId, new Set<string>());
    return this.peersOf.get(userId);
  }
}

registerRouter((config: Config): PresenceRouter => new TeamGroupsRouter(config));
