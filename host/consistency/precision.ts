/**
 * Precision, the property whose failure is only a warning: interest that never turns into presence.
 * When U syncs, Synapse fetches the state of every user in interested_users(U) (everyone's, for ALL)
 * and runs them through users_for_states to keep U's share; a user whose states never reach U was
 * fetched for nothing. The figure is measured on a sample (docs/consistency.md, "Precision"):
 * - U interested in ALL: at least PRECISION_SAMPLE users other than U: all of the config's, then fixed
 *   generated ones spread over the config's and the default server names;
 * - U interested in a set: the set's members other than U, up to MAX_SET_SAMPLE.
 * Each sampled user gets one state of each presence kind; a user none of whose states reaches U,
 * routed all together in one batch (checked for batch independence first), is unreached.
 */
import { PRESENCE_ALL_USERS, PRESENCE_STATES, type UserPresenceState } from '../presence.js';
import type { UserPool } from './config-users.js';
import { isUserId } from '../userid.js';
import { findBatchDependence, type Violation } from './properties.js';
import type { Subject } from './subject.js';

/** Users sampled for a user interested in ALL. */
export const PRECISION_SAMPLE = 12;
/** Most members of an interest set sampled, and most users probed: bounds the work on a big config. */
export const MAX_SET_SAMPLE = 64;
export const MAX_PROBES = 100;

export interface PrecisionFinding {
  /** The user whose interest is wider than its routing. */
  user: string;
  /** ALL, or the size of the interest set. */
  interest: typeof PRESENCE_ALL_USERS | number;
  sampled: number;
  /** Sampled users none of whose states users_for_states routes to `user`, sorted. */
  unreached: string[];
}

export interface PrecisionResult {
  findings: PrecisionFinding[];
  /** A sample batch that routes some state differently from the state alone: an error, not a warning. */
  dependence?: { batch: UserPresenceState[]; violation: Violation };
}

/**
 * Probes every destination the properties saw, then the config's users. The sample batches are the
 * largest the checker routes (four states per sampled user, hundreds of states on a big config), and
 * the figure assumes batch independence, so each one is checked for it first.
 */
export async function measurePrecision(subject: Subject, pool: UserPool): Promise<PrecisionResult> {
  // Destinations first: on a config of thousands of users, the ones that receive presence are the ones
  // whose interest matters, and the first MAX_PROBES config users in sort order may receive nothing.
  const probes = [...new Set([...[...subject.destinations].sort(), ...pool.configUsers])].slice(0, MAX_PROBES).sort();
  const generated = generatedUsers(pool);
  const findings: PrecisionFinding[] = [];
  for (const user of probes) {
    const interest = await subject.interestedUsers(user);
    const sample =
      interest === PRESENCE_ALL_USERS
        ? [...new Set([...pool.configUsers, ...generated].filter((u) => u !== user))].slice(0, Math.max(PRECISION_SAMPLE, pool.configUsers.length))
        : [...interest].filter((u) => u !== user).slice(0, MAX_SET_SAMPLE);
    if (sample.length === 0) continue;
    const batch = sample.flatMap(sampleStates);
    const violation = await findBatchDependence(subject, batch);
    if (violation) return { findings, dependence: { batch, violation } };
    const routed = await subject.route(batch);
    const reached = new Set([...(routed.get(user)?.values() ?? [])].map((s) => s.user_id));
    const unreached = sample.filter((u) => !reached.has(u)).sort();
    if (unreached.length > 0) {
      findings.push({ user, interest: interest === PRESENCE_ALL_USERS ? interest : interest.size, sampled: sample.length, unreached });
    }
  }
  return { findings };
}

/**
 * Readable users to fill the ALL sample: each pool localpart on each pool server, localpart by localpart
 * so every server is represented early, then numbered ones. Fixed, not drawn from the seed: the figure
 * for a config is the same on every run.
 */
function generatedUsers(pool: UserPool): string[] {
  const localparts = [...pool.localparts, ...Array.from({ length: PRECISION_SAMPLE }, (_, i) => `user${i + 1}`)];
  const users = localparts.flatMap((local) => pool.servers.map((server) => `@${local}:${server}`));
  return users.filter((u) => isUserId(u) && !pool.configUsers.includes(u));
}

/** One state of each presence kind, with both kinds of status message and both activity flags. */
function sampleStates(user: string): UserPresenceState[] {
  return PRESENCE_STATES.map((state, i) => ({
    user_id: user,
    state,
    last_active_ts: 1_700_000_000_000 + i,
    last_federation_update_ts: 0,
    last_user_sync_ts: 2 ** 53,
    status_msg: i % 2 === 0 ? null : 'ünïcödé ✓',
    currently_active: state === 'online',
  }));
}
