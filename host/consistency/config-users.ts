/**
 * The users a module's config talks about. A router's behaviour hinges on the user IDs its operator
 * wrote down (watchers, groups, blacklists), so the checker draws most of its users from there: random
 * user IDs alone would almost never hit `@presence_gobbler:example.org`.
 */
import { isServerName, isUserId } from '../userid.js';

/**
 * Server names the checker always generates users on, besides the config's: the ones Synapse's own
 * presence router docs use, so that a module with built-in users (CustomPresenceRouter's default
 * @alice:example.com) meets them without any config.
 */
export const DEFAULT_SERVERS = ['example.com', 'example.org', 'somewhere.org'] as const;

/** Localparts generated on every server, for the same reason (Synapse's docs' alice, bob and charlie). */
export const DEFAULT_LOCALPARTS = ['alice', 'bob', 'charlie'] as const;

export interface UserPool {
  /** User IDs found in the config (keys and values, at any depth), sorted. */
  configUsers: string[];
  /** Localparts to generate users from: the config users' plus DEFAULT_LOCALPARTS, sorted, unique. */
  localparts: string[];
  /** Server names to generate users on: the config's plus DEFAULT_SERVERS, sorted, unique. */
  servers: string[];
}

/** Walks a module config (or several) for user IDs and server names and builds the pool to draw from. */
export function userPool(...configs: unknown[]): UserPool {
  const users = new Set<string>();
  const servers = new Set<string>(DEFAULT_SERVERS);
  const visit = (value: unknown, depth: number): void => {
    // YAML aliases can make a config a DAG, never a cycle, but its depth is still the operator's: bound it.
    if (depth > 32) return;
    if (typeof value === 'string') collect(value, users, servers);
    else if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        collect(key, users, servers);
        visit(item, depth + 1);
      }
    }
  };
  for (const config of configs) visit(config, 0);
  const configUsers = [...users].sort();
  const localparts = new Set<string>(DEFAULT_LOCALPARTS);
  for (const user of configUsers) localparts.add(localpartOf(user));
  return { configUsers, localparts: [...localparts].sort(), servers: [...servers].sort() };
}

function collect(text: string, users: Set<string>, servers: Set<string>): void {
  if (isUserId(text)) {
    users.add(text);
    servers.add(serverOf(text));
  } else if (/[.:[]/.test(text) && isServerName(text)) {
    // A bare word ("sales", a group name) is a valid DNS name too; only dotted, ported or bracketed
    // strings are taken for server names, so group names do not become servers.
    servers.add(text);
  }
}

/** `@alice:example.com:8448` → `alice`. */
export function localpartOf(userId: string): string {
  return userId.slice(1, userId.indexOf(':'));
}

/** `@alice:example.com:8448` → `example.com:8448` (everything after the first colon, as Synapse splits). */
export function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(':') + 1);
}
