// Teams see each other: the members of each configured group receive each other's presence. A user in
// several groups sees the members of all of them, and is never routed their own state.

import {
  Config, InterestedUsers, PresenceRouter, Routing, UserPresenceState, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";

class TeamGroupsRouter extends PresenceRouter {
  /** user -> the other members of all of the user's groups. Symmetric, so it serves both callbacks. */
  private readonly peersOf: Map<string, string[]> = new Map();

  constructor(config: Config) {
    super();
    config.allowKeys(["groups"]);
    if (!config.has("groups")) config.fail("groups: required, a map from group names to lists of user IDs");
    const groups = config.userIdListMap("groups");
    const names = groups.keys();
    const peerSets = new Map<string, Set<string>>();
    for (let g = 0; g < names.length; g++) {
      const members = groups.get(names[g]);
      for (let i = 0; i < members.length; i++) {
        if (!peerSets.has(members[i])) peerSets.set(members[i], new Set<string>());
        const peers = peerSets.get(members[i]);
        for (let k = 0; k < members.length; k++) {
          if (members[i] != members[k]) peers.add(members[k]);
        }
      }
    }
    // Lists, built once: the callbacks read them for every state without allocating.
    const users = peerSets.keys();
    for (let u = 0; u < users.length; u++) this.peersOf.set(users[u], peerSets.get(users[u]).values());
  }

  getUsersForStates(states: UserPresenceState[]): Routing {
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      if (!this.peersOf.has(states[i].userId)) continue;
      const peers = this.peersOf.get(states[i].userId);
      for (let k = 0; k < peers.length; k++) routing.add(peers[k], states[i]);
    }
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    return this.peersOf.has(userId) ? InterestedUsers.of(this.peersOf.get(userId)) : new InterestedUsers();
  }
}

registerRouter((config: Config): PresenceRouter => new TeamGroupsRouter(config));
