/**
 * The checker's own minimiser, run on every counterexample after fast-check's shrinking (which large
 * batches skip): it cuts the batch to the states the failure needs, makes each field as plain as the
 * failure allows, and says what the failure needs, in terms a module author can act on:
 * - the batch: the shortest failing prefix, then every run of states whose removal keeps the failure
 *   removed, halving the run's length down to single states;
 * - the fields: user IDs become ASCII user IDs from the config, then each state becomes `online`,
 *   timestamps 0 (or a small distinct number), status_msg null, currently_active false, one field at a
 *   time, each change kept only if the batch still fails;
 * - the causes: "fails from N states up" (the batch's prefixes and the batch without any one state
 *   pass), "needs two states of the same user" (the same batch with that user's later states given
 *   to other users passes).
 * Every step is a fixed sequence of checks of the property, so a seed replays the same counterexample.
 */
import type { UserPresenceState } from '../presence.js';
import type { UserPool } from './config-users.js';
import { list, violationOf, type PropertyName, type Violation } from './properties.js';
import { stateKey, type Subject } from './subject.js';

export interface Minimised {
  batch: UserPresenceState[];
  violation: Violation;
  /** What the failure needs, one sentence each (empty when one state alone fails). */
  causes: string[];
  /** Candidate batches the minimiser checked. */
  tries: number;
}

/** Other users tried for a user ID, or for a repeated user's later states: a few, so big configs stay cheap. */
const CANDIDATE_USERS = 3;

type Field = keyof UserPresenceState;

/** The plainest values of each field but user_id, in the order tried. `i` keeps states distinct. */
const PLAIN: readonly [Field, (i: number) => readonly unknown[]][] = [
  ['state', () => ['online']],
  ['last_active_ts', (i) => [0, i + 1]],
  ['last_federation_update_ts', (i) => [0, i + 1]],
  ['last_user_sync_ts', (i) => [0, i + 1]],
  ['status_msg', () => [null]],
  ['currently_active', () => [false]],
];

export async function minimise(
  name: PropertyName,
  subject: Subject,
  pool: UserPool,
  start: readonly UserPresenceState[],
  first: Violation,
): Promise<Minimised> {
  let tries = 0;
  let violation = first;
  // A fault stays a fault and a disagreement a disagreement: a simplification may not swap one for the other.
  const fails = async (batch: readonly UserPresenceState[]): Promise<boolean> => {
    tries++;
    const found = await violationOf(name, subject, batch);
    if (found === undefined || (found.user === undefined) !== (first.user === undefined)) return false;
    violation = found;
    return true;
  };

  const prefix = await shortestFailingPrefix(start, fails);
  let batch = await removeUnneeded(prefix, fails, Math.floor(prefix.length / 2));
  batch = await plainUsers(batch, pool, fails);
  batch = await plainFields(batch, fails);
  // Plainer states can make another state unnecessary: one last pass, state by state.
  batch = await removeUnneeded(batch, fails, 1);
  // The reported violation belongs to the reported batch.
  await fails(batch);

  const causes: string[] = [];
  const repeated = await sameUserCause(batch, pool, name, subject, first, () => tries++);
  if (repeated) causes.push(repeated);
  const distinct = new Set(batch.map(stateKey)).size;
  if (!repeated && distinct > 1) {
    const found = new Set(start.map(stateKey)).size;
    const from = new Set(prefix.map(stateKey)).size;
    causes.push(
      `fails from ${distinct} states up: the batch found (${found} states) fails from its first ${from} on, ` +
        `and this one passes without any one of its ${distinct} states`,
    );
  }
  return { batch, violation, causes, tries };
}

type Fails = (batch: readonly UserPresenceState[]) => Promise<boolean>;

/** Binary search for a failing prefix whose one-shorter prefix passes (the whole batch fails). */
async function shortestFailingPrefix(batch: readonly UserPresenceState[], fails: Fails): Promise<UserPresenceState[]> {
  let [passes, failing] = [0, batch.length];
  while (failing - passes > 1) {
    const mid = Math.floor((passes + failing) / 2);
    if (await fails(batch.slice(0, mid))) failing = mid;
    else passes = mid;
  }
  return batch.slice(0, failing);
}

/** Removes runs of `run`, then half as many, ... down to single states, while the batch still fails. */
async function removeUnneeded(start: UserPresenceState[], fails: Fails, run: number): Promise<UserPresenceState[]> {
  let batch = start;
  for (let size = Math.max(1, run); size >= 1; size = Math.floor(size / 2)) {
    for (let i = 0; i < batch.length && batch.length > 1; ) {
      const without = [...batch.slice(0, i), ...batch.slice(i + size)];
      if (without.length > 0 && (await fails(without))) batch = without;
      else i += size;
    }
  }
  return batch;
}

/** Config users a person reads at a glance: printable ASCII, no escapes in the report. */
function plainConfigUsers(pool: UserPool, exclude: ReadonlySet<string>): string[] {
  return pool.configUsers.filter((u) => /^[\x21-\x7e]+$/.test(u) && !exclude.has(u));
}

/** Each user not already a plain config user becomes one (every one of its states), if the failure allows. */
async function plainUsers(start: UserPresenceState[], pool: UserPool, fails: Fails): Promise<UserPresenceState[]> {
  let batch = start;
  for (const user of [...new Set(start.map((s) => s.user_id))]) {
    const inBatch = new Set(batch.map((s) => s.user_id));
    if (plainConfigUsers(pool, new Set()).includes(user)) continue;
    for (const other of plainConfigUsers(pool, inBatch).slice(0, CANDIDATE_USERS)) {
      const renamed = batch.map((s) => (s.user_id === user ? { ...s, user_id: other } : s));
      if (await fails(renamed)) {
        batch = renamed;
        break;
      }
    }
  }
  return batch;
}

/** Each state's fields, plainest value first; a whole plain state is tried before field by field. */
async function plainFields(start: UserPresenceState[], fails: Fails): Promise<UserPresenceState[]> {
  let batch = start;
  const replace = (i: number, state: UserPresenceState) => batch.map((s, k) => (k === i ? state : s));
  for (let i = 0; i < batch.length; i++) {
    const plain: UserPresenceState = { ...batch[i]! };
    for (const [field, values] of PLAIN) Object.assign(plain, { [field]: values(i)[0] });
    if (stateKey(plain) === stateKey(batch[i]!)) continue;
    // All plain, then all plain but a distinct last_active_ts: two plain states of one user are one state.
    const wholes = [plain, { ...plain, last_active_ts: i + 1 }];
    let whole: UserPresenceState | undefined;
    for (const candidate of wholes) if (whole === undefined && (await fails(replace(i, candidate)))) whole = candidate;
    if (whole !== undefined) {
      batch = replace(i, whole);
      continue;
    }
    for (const [field, values] of PLAIN) {
      for (const value of values(i)) {
        if (batch[i]![field] === value) break;
        const candidate = replace(i, { ...batch[i]!, [field]: value });
        if (await fails(candidate)) {
          batch = candidate;
          break;
        }
      }
    }
  }
  return batch;
}

/**
 * "Needs two states of the same user" when, for a user with several states here, giving its later
 * states to other users (keeping the batch's size) makes the batch pass.
 * Not a step of the minimiser: the counterexample keeps its repeated user.
 */
async function sameUserCause(
  batch: UserPresenceState[],
  pool: UserPool,
  name: PropertyName,
  subject: Subject,
  first: Violation,
  count: () => void,
): Promise<string | undefined> {
  const users = batch.map((s) => s.user_id);
  for (const user of [...new Set(users)]) {
    const states = users.filter((u) => u === user).length;
    if (states < 2) continue;
    const others = otherUsers(pool, new Set(users), user, states - 1);
    let seen = 0;
    const renamed = batch.map((s) => (s.user_id === user && seen++ > 0 ? { ...s, user_id: others[seen - 2]! } : s));
    count();
    const still = await violationOf(name, subject, renamed);
    if (still === undefined || (still.user === undefined) !== (first.user === undefined)) {
      return (
        `needs two states of the same user: ${user} has ${states} states in this batch; ` +
        `with its later ${states === 2 ? 'state' : 'states'} given to ${list(others)} instead, the batch passes`
      );
    }
  }
  return undefined;
}

/** `count` users not in the batch: plain config users first, then made-up ones on the user's server. */
function otherUsers(pool: UserPool, inBatch: ReadonlySet<string>, like: string, count: number): string[] {
  const server = like.slice(like.indexOf(':') + 1);
  const made = Array.from({ length: count + inBatch.size }, (_, i) => `@other${i + 1}:${server}`).filter((u) => !inBatch.has(u));
  return [...plainConfigUsers(pool, inBatch), ...made].slice(0, count);
}
