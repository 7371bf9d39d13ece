/**
 * Equal states are one state: Synapse's UserPresenceState is a value, so a batch that holds the same
 * state twice routes it once. This finds the distinct states of a batch without building a key per
 * state, which was a fifth of a call's time (bench/README.md): states of different users always differ,
 * so a state is only compared by value with earlier states of its own user, and in a batch where every
 * user appears once, which is Synapse's usual case, dedup costs one Map lookup per state.
 */
import type { WireState } from '../protocol/abi.js';

export class DistinctStates {
  private readonly byUser = new DistinctByUser<WireState>(valueKey);

  /** True the first time a state with these field values is added, false for every later equal state. */
  add(state: WireState): boolean {
    return this.byUser.add(state[0], state);
  }
}

/**
 * The same rule over any handle on a state (the binary wire uses the state's index in its batch, and
 * builds its key from the bytes only for a user seen twice, wire/read-batch.ts).
 */
export class DistinctByUser<T> {
  /**
   * The first state of each user, until a second state of that user arrives; from then on null, and that
   * user's states are told apart by their value keys in `repeated`. Keys are built only for repeated users,
   * so even a batch of one user's many different states stays linear.
   */
  private readonly firstOfUser = new Map<string, T | null>();
  private readonly repeated: RepeatedUsers<T>;

  /** `valueKey` must be equal for equal states and different otherwise, the user included. */
  constructor(valueKey: (state: T) => string) {
    this.repeated = new RepeatedUsers(valueKey);
  }

  /** Forgets every state, keeping the tables' storage for the next batch. */
  clear(): void {
    this.firstOfUser.clear();
    this.repeated.clear();
  }

  /** True the first time a state with these field values is added, false for every later equal state. */
  add(user: string, state: T): boolean {
    const first = this.firstOfUser.get(user);
    if (first === undefined) {
      this.firstOfUser.set(user, state);
      return true;
    }
    if (first !== null) this.firstOfUser.set(user, null);
    return this.repeated.add(first, state);
  }
}

/**
 * The states of users met more than once in a batch, by value key: the half of the rule above that
 * follows a user's second state, for callers that track each user's first state themselves
 * (routing/user-table.ts).
 */
export class RepeatedUsers<T> {
  private readonly keyed = new Set<string>();

  constructor(private readonly valueKey: (state: T) => string) {}

  clear(): void {
    // Clearing allocates a new table even when empty; most batches repeat no user.
    if (this.keyed.size > 0) this.keyed.clear();
  }

  /**
   * A state of a user met before in this batch; `first` is that user's first state the first time the
   * user repeats, and null after. True when no equal state was added before.
   */
  add(first: T | null, state: T): boolean {
    if (first !== null) this.keyed.add(this.valueKey(first));
    const key = this.valueKey(state);
    if (this.keyed.has(key)) return false;
    this.keyed.add(key);
    return true;
  }
}

/**
 * A string equal for equal states and different otherwise. Unambiguous: user IDs and states hold no \0,
 * numbers are integers, and the one free-form field, status_msg, comes last but one before a fixed
 * one-character flag.
 */
export function valueKey(s: WireState): string {
  const status = s[5] === null ? '\u0001' : '\u0002' + s[5];
  return `${s[0]}\0${s[1]}\0${s[2]}\0${s[3]}\0${s[4]}\0${status}\0${s[6] ? 1 : 0}`;
}

/** The same key from a checked state object (routing/batch.ts), without building its tuple. */
export function stateValueKey(s: Record<string, unknown>): string {
  const status = s.status_msg === null ? '\u0001' : '\u0002' + (s.status_msg as string);
  return `${s.user_id as string}\0${s.state as string}\0${s.last_active_ts as number}\0${s.last_federation_update_ts as number}\0${s.last_user_sync_ts as number}\0${status}\0${s.currently_active ? 1 : 0}`;
}
