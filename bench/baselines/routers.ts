/**
 * The bundled modules' routing in plain TypeScript, called in-process: no isolation, no encoding, no
 * threads. This is the ceiling the sandbox is measured against. Each function follows its module's
 * index.ts and README line by line; users-for-states-throughput.ts checks, before timing anything, that
 * each gives the host's answer for every batch.
 *
 * Sets hold the caller's objects by identity. The host also collapses states that are equal by value;
 * the benchmark's batches hold no such duplicates (bench/lib/batches.ts), so the answers are the same
 * and the ceiling does not pay for value-keyed deduplication the host does pay for.
 */
import type { UserPresenceState, UsersForStates } from '../../host/index.js';
import type { MODULES } from '../lib/batches.js';

export type InProcessRouter = (states: readonly UserPresenceState[]) => UsersForStates;

type Configs = typeof MODULES;

function add(routing: UsersForStates, destination: string, state: UserPresenceState): void {
  let set = routing.get(destination);
  if (set === undefined) routing.set(destination, (set = new Set()));
  set.add(state);
}

/** ExamplePresenceRouter: non-blacklisted states to every always_send_to_users user, who is a key even with nothing. */
export function exampleRouter(config: Configs['example_presence_router']): InProcessRouter {
  const always = [...new Set(config.always_send_to_users)];
  const blacklisted = new Set(config.blacklisted_users);
  return (states) => {
    const desired: UserPresenceState[] = [];
    for (const s of states) if (!blacklisted.has(s.user_id)) desired.push(s);
    const routing: UsersForStates = new Map();
    for (const user of always) routing.set(user, new Set(desired));
    return routing;
  };
}

/** CustomPresenceRouter with `routes:` (receiver → senders): a receiver is a key only once a sender's state arrives. */
export function customRouter(config: Configs['custom_presence_router']): InProcessRouter {
  const receiversOf = new Map<string, string[]>();
  for (const [receiver, senders] of Object.entries(config.routes)) {
    for (const sender of senders) {
      let list = receiversOf.get(sender);
      if (list === undefined) receiversOf.set(sender, (list = []));
      list.push(receiver);
    }
  }
  return (states) => {
    const routing: UsersForStates = new Map();
    for (const s of states) {
      const receivers = receiversOf.get(s.user_id);
      if (receivers !== undefined) for (const r of receivers) add(routing, r, s);
    }
    return routing;
  };
}

/** team_groups_router: each state of a member goes to the other members of all of the member's groups. */
export function teamGroupsRouter(config: Configs['team_groups_router']): InProcessRouter {
  const peersOf = new Map<string, Set<string>>();
  for (const members of Object.values(config.groups)) {
    for (const a of members) {
      for (const b of members) {
        if (a === b) continue;
        let peers = peersOf.get(a);
        if (peers === undefined) peersOf.set(a, (peers = new Set()));
        peers.add(b);
      }
    }
  }
  return (states) => {
    const routing: UsersForStates = new Map();
    for (const s of states) {
      const peers = peersOf.get(s.user_id);
      if (peers !== undefined) for (const p of peers) add(routing, p, s);
    }
    return routing;
  };
}

/** server_watch_router: a state of a user on a watched server goes to every watcher but its own user. */
export function serverWatchRouter(config: Configs['server_watch_router']): InProcessRouter {
  const watchers = config.watchers;
  const servers = new Set<string>(config.server_names);
  return (states) => {
    const routing: UsersForStates = new Map();
    for (const s of states) {
      const colon = s.user_id.indexOf(':');
      if (!servers.has(colon < 0 ? '' : s.user_id.slice(colon + 1))) continue;
      for (const w of watchers) if (w !== s.user_id) add(routing, w, s);
    }
    return routing;
  };
}

export function inProcessRouter<M extends keyof Configs>(name: M, config: Configs[M]): InProcessRouter {
  switch (name) {
    case 'example_presence_router':
      return exampleRouter(config as Configs['example_presence_router']);
    case 'custom_presence_router':
      return customRouter(config as Configs['custom_presence_router']);
    case 'team_groups_router':
      return teamGroupsRouter(config as Configs['team_groups_router']);
    case 'server_watch_router':
      return serverWatchRouter(config as Configs['server_watch_router']);
    default:
      throw new Error(`no in-process baseline for module ${String(name)}`);
  }
}
