// A real module whose route table is read from its config, one key per declaration kind, so that a test
// can build any table: `senders` (sender -> receivers, route), `receivers` (receiver -> senders,
// receive), `groups` (name -> members), `servers` (server name -> receivers, routeServer), `all`
// (receiveAll) and `exclude`, applied in that order.

import { Config, PresenceRouter, RouteTable, registerRouter } from "../../../guest-sdk/index";

export * from "../../../guest-sdk/exports";

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["senders", "receivers", "groups", "servers", "all", "exclude"]);
  const table = new RouteTable();
  const senders = config.userIdKeyedLists("senders");
  for (let i = 0; i < senders.size; i++) table.route(senders.keyAt(i), senders.valueAt(i));
  const receivers = config.userIdKeyedLists("receivers");
  for (let i = 0; i < receivers.size; i++) table.receive(receivers.keyAt(i), receivers.valueAt(i));
  const groups = config.userIdGroups("groups");
  const names = groups.keys();
  for (let i = 0; i < names.length; i++) table.group(groups.get(names[i]));
  const servers = config.userIdGroups("servers");
  const serverNames = servers.keys();
  for (let i = 0; i < serverNames.length; i++) table.routeServer(serverNames[i], servers.get(serverNames[i]));
  return table.receiveAll(config.userIdBytesList("all")).exclude(config.userIdBytesList("exclude"));
});
