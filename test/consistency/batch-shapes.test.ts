/**
 * Bugs that only large batches or repeated users show, with a config of a thousand users: a router that
 * drops states past the 20th of a batch, and one that keeps one state per user. The checker finds each
 * within its default runs, minimises the counterexample to plain values, names the cause, and a seed
 * replays the same counterexample.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAsFixture } from '../helpers/as.js';
import { checkTarget, measurePrecision, stateKey, userPool, withSubject, DEFAULT_RUNS, type Failure } from '../helpers/consistency.js';

/** A thousand members on two servers, and the watcher who receives them all. */
const BIG_TEAM = {
  watcher: '@watcher:example.com',
  team: Array.from({ length: 1000 }, (_, i) => `@member${String(i + 1).padStart(4, '0')}:${i % 4 === 3 ? 'example.org' : 'example.com'}`),
};
const SEED = 16;

let dir: string;
const modules: Record<string, string> = {};
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-shapes-'));
  for (const name of ['capped_router', 'latest_state_router']) modules[name] = await compileAsFixture(name, dir);
});

async function check(name: string, seed: number): Promise<Failure[]> {
  const report = await withSubject([{ module: modules[name]!, config: BIG_TEAM }], (subject) => checkTarget(subject, { runs: DEFAULT_RUNS, seed }));
  return report.failures;
}

/** Plain as the minimiser promises: config users, `online`, small timestamps, no status message. */
function expectPlain(failure: Failure): void {
  for (const [i, state] of failure.batch.entries()) {
    expect(BIG_TEAM.team).toContain(state.user_id);
    expect(state).toMatchObject({ state: 'online', status_msg: null, currently_active: false });
    for (const ts of [state.last_active_ts, state.last_federation_update_ts, state.last_user_sync_ts]) expect(ts).toBeLessThanOrEqual(i + 1);
  }
}

describe('check finds batch-shape bugs with a 1000-user config, within its default runs', () => {
  it('a cap at 20 states: a 21-state counterexample, "fails from 21 states up", replayed by its seed', async () => {
    const failures = await check('capped_router', SEED);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure!.violation).toMatchObject({ property: 'batch_independence', user: '@watcher:example.com' });
    expect(new Set(failure!.batch.map(stateKey)).size).toBe(21);
    expect(failure!.causes).toHaveLength(1);
    expect(failure!.causes[0]).toMatch(/^fails from 21 states up: /);
    expectPlain(failure!);
    // The same seed, the same counterexample.
    expect(await check('capped_router', SEED)).toEqual(failures);
  });

  it('one state per user: a two-state counterexample of one user, "needs two states of the same user"', async () => {
    const failures = await check('latest_state_router', SEED);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure!.violation).toMatchObject({ property: 'batch_independence', user: '@watcher:example.com' });
    expect(failure!.batch).toHaveLength(2);
    const [a, b] = failure!.batch;
    expect(a!.user_id).toBe(b!.user_id);
    expect(failure!.causes).toEqual([expect.stringMatching(new RegExp(`^needs two states of the same user: ${a!.user_id} has 2 states`))]);
    expectPlain(failure!);
  });

  it('precision\'s sample batches (four states of each of 64 members: 256 states) are checked for batch independence too', async () => {
    const state = { user_id: BIG_TEAM.team[0]!, state: 'online', last_active_ts: 0, last_federation_update_ts: 0, last_user_sync_ts: 0, status_msg: null, currently_active: false } as const;
    const measured = await withSubject([{ module: modules.capped_router!, config: BIG_TEAM }], async (subject) => {
      // Precision probes the destinations the properties saw first: one routed state names the watcher.
      await subject.route([state]);
      return measurePrecision(subject, userPool(BIG_TEAM));
    });
    expect(measured.findings).toEqual([]);
    expect(measured.dependence!.batch).toHaveLength(256);
    expect(measured.dependence!.violation).toMatchObject({ property: 'batch_independence', user: '@watcher:example.com' });
    expect(measured.dependence!.violation.found).toMatch(/routed to nobody$/);
  });
});
