// Teams see each other: the members of each configured group receive each other's presence. A user in
// several groups sees the members of all of them, and is never routed their own state.

import {
  Batch, Config, Field, InterestedUsers, PresenceRouter, Routing, UserId, UserIdMap, UserIdSet, registerRouter,
} from "../../guest-sdk/index";

export * from "../../guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

class TeamGroupsRouter extends PresenceRouter {
  /** user -> the other members of all of the user's groups. Symmetric, so it serves both callbacks. */
  private readonly peersOf: UserIdMap<UserId[]> = new UserIdMap();

  constructor(config: Config) {
    super();
    config.allowKeys(["groups"]);
    if (!config.has("groups")) config.fail("groups: required, a map from group names to lists of user IDs");
    const groups = config.userIdGroups("groups");
    const names = groups.keys();
    const peerSets = new UserIdMap<UserIdSet>();
    for (let g = 0; g < names.length; g++) {
      const members = groups.get(names[g]);
      for (let i = 0; i < members.length; i++) {
        let peers = peerSets.getId(members[i]);
        if (peers === null) peerSets.set(members[i], peers = new UserIdSet());
        for (let k = 0; k < members.length; k++) {
          if (!members[i].equals(members[k])) peers.add(members[k]);
        }
      }
    }
    // Lists, built once: the callbacks read them for every state without allocating.
    for (let u = 0; u < peerSets.size; u++) this.peersOf.set(peerSets.keyAt(u), peerSets.valueAt(u).ids);
  }

  getUsersForBatch(states: Batch): Routing {
    const routing = new Routing();
    for (let i = 0; i < states.length; i++) {
      const peers = this.peersOf.getUserOf(states, i);
      if (peers === null) continue;
      for (let k = 0; k < peers.length; k++) routing.addIndex(peers[k], i);
    }
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    const peers = this.peersOf.get(userId);
    return peers === null ? new InterestedUsers() : InterestedUsers.ofIds(peers);
  }
}

registerRouter((config: Config): PresenceRouter => new TeamGroupsRouter(config));
