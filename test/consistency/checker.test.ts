/**
 * The checker itself: it draws users from a config, finds the fixtures' inconsistencies and shrinks
 * them to one or two states, turns faults into failures, and measures precision as
 * docs/consistency.md defines it (the seed's ExamplePresenceRouter: sound, not precise).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAsFixture } from '../helpers/as.js';
import { writeWatFixture } from '../helpers/wat.js';
import { checkTarget, formatPrecision, userPool, withSubject, DEFAULT_SERVERS } from '../helpers/consistency.js';
import { EXAMPLE_ROUTERS } from '../helpers/rust-module.js';

const RUNS = { runs: 50 };
const TEAM = { watcher: '@watcher:example.com', team: ['@alice:example.com', '@bob:example.com', '@carol:example.org', '@bea:example.com'] };

let dir: string;
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'consistency-'));
});

describe('users come from the config', () => {
  it('user IDs from keys and values at any depth; server names from them and from dotted strings, not from bare words', () => {
    const pool = userPool({
      routes: { '@ceo:corp.example': ['@board:partner.org:8448'] },
      groups: { sales: ['@ann:example.com'] },
      server_names: ['watched.example', '[2001:db8::1]'],
      note: 'not a user',
    });
    expect(pool.configUsers).toEqual(['@ann:example.com', '@board:partner.org:8448', '@ceo:corp.example']);
    expect(pool.servers).toEqual(
      [...new Set([...DEFAULT_SERVERS, 'corp.example', 'partner.org:8448', 'example.com', 'watched.example', '[2001:db8::1]'])].sort(),
    );
    expect(pool.localparts).toEqual(['alice', 'ann', 'board', 'bob', 'ceo', 'charlie']);
  });
});

describe('the checker finds inconsistent modules and shrinks them', () => {
  it('unsound (interested_users drops users users_for_states routes): a one-state soundness counterexample', async () => {
    const module = await compileAsFixture('inconsistent_router', dir);
    const report = await withSubject([{ module, config: TEAM }], (subject) => checkTarget(subject, RUNS));
    expect(report.failures).toHaveLength(1);
    const [failure] = report.failures;
    expect(failure!.violation).toMatchObject({ property: 'soundness', user: '@watcher:example.com' });
    expect(failure!.violation.state!.user_id).toMatch(/^@b/);
    // Any one state of a "b" member fails, so the minimal batch is that state alone.
    expect(failure!.batch).toEqual([failure!.violation.state]);
    expect(report.precision).toEqual([]);
  });

  it('batch-dependent (drops lone updates): a two-state batch-independence counterexample', async () => {
    const module = await compileAsFixture('batch_dependent_router', dir);
    const report = await withSubject([{ module, config: TEAM }], (subject) => checkTarget(subject, RUNS));
    expect(report.failures).toHaveLength(1);
    const [failure] = report.failures;
    expect(failure!.violation).toMatchObject({ property: 'batch_independence', user: '@watcher:example.com' });
    expect(failure!.batch).toHaveLength(2);
    expect(TEAM.team).toContain(failure!.violation.state!.user_id);
  });

  it('a module that faults fails both properties with the fault named, not a silent pass', async () => {
    const module = await writeWatFixture('trap_in_users_for_states', dir);
    const report = await withSubject([{ module }], (subject) => checkTarget(subject, RUNS));
    expect(report.failures.map((f) => f.violation.property)).toEqual(['soundness', 'batch_independence']);
    for (const failure of report.failures) {
      expect(failure.violation.found).toMatch(/faulted in users_for_states \(trap\)/);
      expect(failure.batch).toHaveLength(1);
    }
  });
});

describe('precision, as docs/consistency.md measures it', () => {
  it.each(EXAMPLE_ROUTERS)('the seed\'s ExamplePresenceRouter (%s) is sound but not precise: blacklisted users never reach the gobbler', async (example) => {
    const config = { always_send_to_users: ['@presence_gobbler:example.org'], blacklisted_users: ['@alice:example.com', '@bob:example.com'] };
    const report = await withSubject([{ module: example, config }], (subject) => checkTarget(subject, RUNS));
    expect(report.failures).toEqual([]);
    expect(report.precision).toEqual([
      { user: '@presence_gobbler:example.org', interest: 'ALL', sampled: 12, unreached: ['@alice:example.com', '@bob:example.com'] },
    ]);
    expect(formatPrecision(example, report.precision[0]!)).toBe(
      `${example}: @presence_gobbler:example.org is interested in ALL, but 2 of 12 sampled users' states never reach it (17%): @alice:example.com, @bob:example.com`,
    );
  });

  it('a server watcher asks for ALL and receives only its servers: the figure counts everyone else', async () => {
    const config = { watchers: ['@helpdesk:corp.example'], server_names: ['corp.example'] };
    const report = await withSubject([{ module: 'server_watch_router', config }], (subject) => checkTarget(subject, RUNS));
    expect(report.failures).toEqual([]);
    const [finding] = report.precision;
    expect(finding).toMatchObject({ user: '@helpdesk:corp.example', interest: 'ALL', sampled: 12 });
    expect(finding!.unreached.length).toBeGreaterThan(0);
    expect(finding!.unreached.every((u) => !u.endsWith(':corp.example'))).toBe(true);
  });

  it('routers whose interest is exactly their routing get no warning', async () => {
    const groups = { groups: { sales: ['@ann:example.com', '@bea:example.com'], support: ['@bea:example.com', '@cal:partner.org'] } };
    for (const modules of [[{ module: 'custom_presence_router' }], [{ module: 'team_groups_router', config: groups }]]) {
      const report = await withSubject(modules, (subject) => checkTarget(subject, RUNS));
      expect(report.failures).toEqual([]);
      expect(report.precision).toEqual([]);
    }
  });

  it('an interest set is reported with its size and share', () => {
    const finding = { user: '@a:example.com', interest: 3, sampled: 3, unreached: ['@c:example.com'] };
    expect(formatPrecision('m', finding)).toBe(
      'm: @a:example.com is interested in 3 users, but 1 of 3 sampled ones never have a state routed to it (33%): @c:example.com',
    );
  });
});
