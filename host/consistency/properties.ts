/**
 * The two properties whose failure is an error (docs/consistency.md):
 * - soundness: a state routed to U is a state U is interested in, or U is interested in ALL;
 * - batch independence: a state goes to the same users alone as inside any batch.
 * Each is a check of one batch, usable directly in tests, and a fast-check property for the checker.
 */
import fc from 'fast-check';
import { PRESENCE_ALL_USERS, type InterestedUsers, type UserPresenceState } from '../presence.js';
import { ModuleFaultError, stateKey, type Routed, type Subject } from './subject.js';

export type PropertyName = 'soundness' | 'batch_independence';

/** One broken promise, in terms a module author can act on. */
export interface Violation {
  property: PropertyName;
  /** The receiving user the answers disagree about (absent for a fault). */
  user?: string;
  /** The state at issue. */
  state?: UserPresenceState;
  expected: string;
  found: string;
}

/** Thrown inside a property so fast-check shrinks towards it and hands it back. */
export class ConsistencyViolation extends Error {
  constructor(readonly violation: Violation) {
    super(`${violation.property}: expected ${violation.expected}; found ${violation.found}`);
    this.name = 'ConsistencyViolation';
  }
}

/**
 * Soundness: Synapse wakes U for every state users_for_states routes to U, then U's sync fetches only
 * the states of interested_users(U); a state of someone U is not interested in wakes U and never
 * arrives. A user's own state is exempt: Synapse always gives users their own presence.
 */
export async function findUnsoundRoute(subject: Subject, batch: readonly UserPresenceState[]): Promise<Violation | undefined> {
  const routed = await subject.route(batch);
  for (const user of [...routed.keys()].sort()) {
    const states = [...routed.get(user)!.values()].filter((s) => s.user_id !== user);
    if (states.length === 0) continue;
    const interest = await subject.interestedUsers(user);
    if (interest === PRESENCE_ALL_USERS) continue;
    const missed = states.find((s) => !interest.has(s.user_id));
    if (missed) {
      return {
        property: 'soundness',
        user,
        state: missed,
        expected: `interested_users(${user}) to include ${missed.user_id} or be ALL, since users_for_states routes ${missed.user_id}'s state to ${user}`,
        found: `interested_users(${user}) = ${describeInterest(interest)}: the update wakes ${user} and never arrives`,
      };
    }
  }
  return undefined;
}

/**
 * Up to this many distinct states, batch independence compares every state inside the batch with the
 * same state alone. Past it, with the batch cut into at most MAX_PARTS consecutive parts instead: a
 * state routed differently in the whole batch and in its part cannot be routed as when alone in both,
 * so every difference found is real, and a large batch costs a few calls, not hundreds.
 */
export const COMPARE_ALONE_UP_TO = 32;
export const MAX_PARTS = 16;

/**
 * Batch independence: Synapse calls users_for_states on batches of every size (one federation EDU, a
 * whole sync's worth of states), so each state's destinations must not depend on its companions.
 * Comparing every state inside the batch with the same state alone covers every pair of batches.
 */
export async function findBatchDependence(subject: Subject, batch: readonly UserPresenceState[]): Promise<Violation | undefined> {
  const distinct = [...new Map(batch.map((s) => [stateKey(s), s])).values()];
  const together = await subject.route(batch);
  const parts = partition(distinct);
  const partAnswers = await Promise.all(parts.map((part) => subject.route(part)));
  for (const [p, part] of parts.entries()) {
    for (const state of part) {
      const inBatch = receivers(together, state);
      const inPart = receivers(partAnswers[p]!, state);
      if (sameUsers(inBatch, inPart)) continue;
      // The two answers disagree: at least one of them differs from the state alone; name that one.
      const byItself = part.length === 1 ? inPart : receivers(await subject.route([state]), state);
      const [size, found] = sameUsers(inBatch, byItself) ? [part.length, inPart] : [distinct.length, inBatch];
      const differs = [...new Set([...found, ...byItself])].sort().find((u) => found.includes(u) !== byItself.includes(u))!;
      return {
        property: 'batch_independence',
        user: differs,
        state,
        expected: `${state.user_id}'s state routed to ${list(byItself)}, as when it arrives alone`,
        found:
          size === distinct.length
            ? `inside this batch of ${size} states it is routed to ${list(found)}`
            : `inside a part of this batch (${size} of its ${distinct.length} states) it is routed to ${list(found)}`,
      };
    }
  }
  return undefined;
}

/** Each state alone for a batch of up to COMPARE_ALONE_UP_TO, else at most MAX_PARTS consecutive parts. */
function partition(distinct: UserPresenceState[]): UserPresenceState[][] {
  const size = distinct.length <= COMPARE_ALONE_UP_TO ? 1 : Math.max(COMPARE_ALONE_UP_TO / 2, Math.ceil(distinct.length / MAX_PARTS));
  const parts: UserPresenceState[][] = [];
  for (let i = 0; i < distinct.length; i += size) parts.push(distinct.slice(i, i + size));
  return parts;
}

function sameUsers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((u, i) => u === b[i]);
}

const FINDERS = { soundness: findUnsoundRoute, batch_independence: findBatchDependence } as const;

/**
 * The property `name` on one batch. A fault counts as a violation (the module's share of that answer is
 * missing, so nothing about it can be concluded) and shrinks like one.
 */
export async function violationOf(name: PropertyName, subject: Subject, batch: readonly UserPresenceState[]): Promise<Violation | undefined> {
  try {
    return await FINDERS[name](subject, batch);
  } catch (err) {
    if (!(err instanceof ModuleFaultError)) throw err;
    return { property: name, expected: 'an answer from every module', found: err.message };
  }
}

/** A fast-check property failing with a ConsistencyViolation. */
export function consistencyProperty(
  name: PropertyName,
  subject: Subject,
  batches: fc.Arbitrary<UserPresenceState[]>,
): fc.IAsyncPropertyWithHooks<[UserPresenceState[]]> {
  return fc.asyncProperty(batches, async (batch) => {
    const violation = await violationOf(name, subject, batch);
    if (violation) throw new ConsistencyViolation(violation);
  });
}

function receivers(routed: Routed, state: UserPresenceState): string[] {
  const key = stateKey(state);
  return [...routed].filter(([, states]) => states.has(key)).map(([user]) => user).sort();
}

/** At most a few user IDs: a counterexample is read by a person. */
export function list(users: readonly string[], max = 5): string {
  if (users.length === 0) return 'nobody';
  const shown = users.slice(0, max).join(', ');
  return users.length > max ? `${shown} and ${users.length - max} more` : shown;
}

function describeInterest(interest: InterestedUsers): string {
  return interest === PRESENCE_ALL_USERS ? 'ALL' : interest.size === 0 ? 'nobody' : `{${list([...interest], 8)}}`;
}
