// A router declared as data: who receives whose presence. Both callbacks are read from the same
// declarations, so they agree by construction: a state goes to U only through a declaration that also
// puts its sender in interested_users(U), or makes U interested in ALL (which Synapse answers by running
// every state through get_users_for_states and keeping U's entry, so ALL is exact, not a superset).

import { Batch } from "./batch";
import { UserId } from "./bytes";
import { InterestedUsers, PresenceRouter, Routing } from "./router";
import { ServerNameSet, UserIdMap, UserIdSet } from "./userset";

/**
 * Declarations, each adding to the others (`exclude` wins over all of them):
 * - `route(sender, receivers)` / `receive(receiver, senders)`: the receivers get the sender's presence
 *   (taken literally: a receiver may be the sender);
 * - `group(members)`: every member gets every other member's presence;
 * - `routeServer(serverName, receivers)`: each receiver gets the presence of every other user whose user
 *   ID is on that server (everything after the first ':'); a router cannot list a server's users, so
 *   interested_users says ALL for these receivers;
 * - `receiveAll(receivers)`: each receiver gets every state and interested_users says ALL; such a
 *   receiver is a key of every answer, even an empty one (as Synapse's ExamplePresenceRouter);
 * - `exclude(senders)`: nobody gets these users' presence through the table, and nobody is interested
 *   in them.
 * Other receivers are keys of an answer only when something is routed to them.
 *
 * ```ts
 * registerRouter((config: Config): PresenceRouter => new RouteTable()
 *   .receiveAll(config.userIdBytesList("always_send_to_users"))
 *   .exclude(config.userIdBytesList("blacklisted_users")));
 * ```
 */
export class RouteTable extends PresenceRouter {
  /** sender -> who gets its states through route/receive/group. */
  private readonly receiversOf: UserIdMap<UserIdSet> = new UserIdMap();
  /** receiver -> whose states it gets through route/receive/group: the reverse of receiversOf. */
  private readonly sendersOf: UserIdMap<UserIdSet> = new UserIdMap();
  private readonly servers: ServerNameSet = new ServerNameSet();
  /** serverReceivers[k]: the receivers of the k-th server of `servers`. */
  private readonly serverReceivers: UserIdSet[] = [];
  /** Everyone who gets a whole server: interested in ALL. */
  private readonly serverWatchers: UserIdSet = new UserIdSet();
  private readonly everyone: UserIdSet = new UserIdSet();
  private readonly excluded: UserIdSet = new UserIdSet();

  route(sender: UserId, receivers: UserId[]): RouteTable {
    for (let k = 0; k < receivers.length; k++) this.link(sender, unchecked(receivers[k]));
    return this;
  }

  receive(receiver: UserId, senders: UserId[]): RouteTable {
    for (let k = 0; k < senders.length; k++) this.link(unchecked(senders[k]), receiver);
    return this;
  }

  group(members: UserId[]): RouteTable {
    for (let i = 0; i < members.length; i++) {
      for (let k = 0; k < members.length; k++) {
        if (!unchecked(members[i]).equals(unchecked(members[k]))) this.link(unchecked(members[i]), unchecked(members[k]));
      }
    }
    return this;
  }

  routeServer(serverName: string, receivers: UserId[]): RouteTable {
    let k = this.servers.indexOf(serverName);
    if (k < 0) {
      k = this.servers.size;
      this.servers.add(serverName);
      this.serverReceivers.push(new UserIdSet());
    }
    for (let r = 0; r < receivers.length; r++) {
      unchecked(this.serverReceivers[k]).add(unchecked(receivers[r]));
      this.serverWatchers.add(unchecked(receivers[r]));
    }
    return this;
  }

  receiveAll(receivers: UserId[]): RouteTable {
    for (let r = 0; r < receivers.length; r++) this.everyone.add(unchecked(receivers[r]));
    return this;
  }

  exclude(senders: UserId[]): RouteTable {
    for (let s = 0; s < senders.length; s++) this.excluded.add(unchecked(senders[s]));
    return this;
  }

  getUsersForBatch(states: Batch): Routing {
    const routing = new Routing();
    const toEveryone: i32[] = [];
    const filtering = this.excluded.size > 0;
    const watching = this.servers.size > 0;
    for (let i = 0; i < states.length; i++) {
      if (filtering && this.excluded.hasUserOf(states, i)) continue;
      toEveryone.push(i);
      const receivers = this.receiversOf.getUserOf(states, i);
      if (receivers !== null) {
        for (let k = 0; k < receivers.size; k++) routing.addIndex(receivers.at(k), i);
      }
      if (!watching) continue;
      const s = this.servers.indexOfServerOf(states, i);
      if (s < 0) continue;
      const watchers = unchecked(this.serverReceivers[s]);
      for (let k = 0; k < watchers.size; k++) {
        if (!states.userIs(i, watchers.at(k))) routing.addIndex(watchers.at(k), i);
      }
    }
    for (let r = 0; r < this.everyone.size; r++) routing.addIndices(this.everyone.at(r), toEveryone);
    return routing;
  }

  getInterestedUsers(userId: string): InterestedUsers {
    if (this.everyone.has(userId) || this.serverWatchers.has(userId)) return InterestedUsers.all();
    const out = new InterestedUsers();
    const senders = this.sendersOf.get(userId);
    if (senders === null) return out;
    for (let k = 0; k < senders.size; k++) {
      if (!this.excluded.hasId(senders.at(k))) out.addId(senders.at(k));
    }
    return out;
  }

  private link(sender: UserId, receiver: UserId): void {
    let receivers = this.receiversOf.getId(sender);
    if (receivers === null) this.receiversOf.set(sender, receivers = new UserIdSet());
    receivers.add(receiver);
    let senders = this.sendersOf.getId(receiver);
    if (senders === null) this.sendersOf.set(receiver, senders = new UserIdSet());
    senders.add(sender);
  }
}
