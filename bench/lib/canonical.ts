/** One comparable form for every system's answer: destination → sorted JSON of its states. */
import type { UserPresenceState } from '../../host/index.js';

export type Canonical = Record<string, string[]>;

const stateKey = (s: UserPresenceState): string =>
  JSON.stringify([s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active]);

export function canonical(routing: Map<string, Iterable<UserPresenceState>>): Canonical {
  const out: Canonical = {};
  for (const destination of [...routing.keys()].sort()) {
    out[destination] = [...new Set([...routing.get(destination)!].map(stateKey))].sort();
  }
  return out;
}

/** Throws naming the first difference when `got` is not `expected`; `what` says whose answer it was. */
export function expectSameRouting(what: string, got: Canonical, expected: Canonical): void {
  const a = Object.keys(got);
  const b = Object.keys(expected);
  const missing = b.filter((k) => !(k in got));
  const extra = a.filter((k) => !(k in expected));
  if (missing.length || extra.length) {
    throw new Error(`${what}: destinations differ (missing ${missing.slice(0, 3).join(', ') || 'none'}; extra ${extra.slice(0, 3).join(', ') || 'none'})`);
  }
  for (const k of b) {
    const x = got[k]!;
    const y = expected[k]!;
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) {
      throw new Error(`${what}: ${k} gets ${x.length} states, expected ${y.length} (or different ones)`);
    }
  }
}

/** Size of an answer, for the record: destinations and (destination, state) pairs. */
export function answerSize(c: Canonical): { destinations: number; pairs: number } {
  let pairs = 0;
  for (const v of Object.values(c)) pairs += v.length;
  return { destinations: Object.keys(c).length, pairs };
}
