/**
 * `presence-sandbox check` as a module author runs it: a real process on real config files. The bundled
 * modules pass (with the seed's precision warning); the inconsistent fixtures fail with a minimal
 * counterexample that the printed seed replays exactly; usage and load errors exit 2.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAsFixture } from '../helpers/as.js';
import { root, runCli, type Run } from '../helpers/cli.js';

const bundledConfig = join(root, 'modules/presence-sandbox.yaml');
const TEAM = '{ watcher: "@watcher:example.com", team: ["@alice:example.com", "@bob:example.com", "@carol:example.org", "@bea:example.com"] }';

function check(args: string[]): Promise<Run> {
  return runCli(['check', ...args]);
}

/** The failure block of a report: everything from `FAIL` up to the summary line. */
function failureBlock(stdout: string): string {
  return stdout.slice(stdout.indexOf('FAIL'), stdout.indexOf('\nresult:'));
}

/** The minimal batch's states, one JSON object per line under `batch (...)`. */
function batchOf(stdout: string): unknown[] {
  const lines = failureBlock(stdout).split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith('batch ('));
  const end = lines.findIndex((l) => l.trim().startsWith('replay:'));
  return lines.slice(start + 1, end).map((l) => JSON.parse(l));
}

let dir: string;
const configs: Record<string, string> = {};
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'check-'));
  await compileAsFixture('inconsistent_router', dir);
  await compileAsFixture('batch_dependent_router', dir);
  const write = async (name: string, yaml: string) => {
    configs[name] = join(dir, `${name}.yaml`);
    await writeFile(configs[name]!, yaml);
  };
  // Generous deadlines: the checker counts a timeout as a failure, and no module here should ever meet one.
  const GENEROUS = 'sandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
  await write('inconsistent', `modules:\n  - module: ./inconsistent_router.wasm\n    config: ${TEAM}\n${GENEROUS}`);
  await write('batch_dependent', `modules:\n  - module: ./batch_dependent_router.wasm\n    config: ${TEAM}\n${GENEROUS}`);
  await write(
    'all_bundled',
    `modules:
  - module: custom_presence_router
    config: { routes: { "@ceo:example.com": ["@assistant:example.com"], "@assistant:example.com": ["@ceo:example.com", "@board:partner.org"] } }
  - module: team_groups_router
    config: { groups: { sales: ["@ann:example.com", "@bea:example.com"], support: ["@bea:example.com", "@cal:partner.org:8448"] } }
  - module: server_watch_router
    config: { watchers: ["@helpdesk:corp.example"], server_names: ["corp.example"] }
presence:
  presence_router:
    module: example_presence_router
    config: { always_send_to_users: ["@presence_gobbler:example.org"], blacklisted_users: ["@alice:example.com"] }
${GENEROUS}`,
  );
  await write('missing_module', 'modules:\n  - module: ./no_such_router.wasm\n');
});

describe('check passes the bundled modules', () => {
  it('the bundled config: each module alone and combined, with the example router\'s precision figure', async () => {
    const run = await check(['--config', bundledConfig, '--runs', '300']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^check .*presence-sandbox\.yaml: 2 modules, 300 runs per property, seed -?\d+\n/);
    expect(run.stdout).toContain('ok    modules[0] (custom_presence_router): sound and batch-independent (300 runs each)');
    expect(run.stdout).toContain('ok    presence.presence_router (example_presence_router): sound and batch-independent');
    expect(run.stdout).toContain('ok    combined (2 modules in serving order): sound and batch-independent');
    expect(run.stdout).toContain(
      "presence.presence_router (example_presence_router): @presence_gobbler:example.org is interested in ALL, but 2 of 12 sampled users' states never reach it (17%): @alice:example.com, @bob:example.com",
    );
    expect(run.stdout).not.toContain('FAIL');
    // Headroom: for each module alone, init and both callbacks, worst fuel and memory next to the limits.
    const headroom = run.stdout.split('\n').filter((line) => line.trimStart().startsWith('headroom'));
    expect(headroom.map((line) => line.trim().split(/ +/)[1])).toEqual([
      'init', 'users_for_states', 'interested_users', 'init', 'users_for_states', 'interested_users',
    ]);
    for (const line of headroom) {
      expect(line).toMatch(/fuel [\d,]+ of [\d,]+ \((<0\.01|\d+\.\d+)%\) +memory [\d.]+ [KM]iB of 128 MiB \(\d+\.\d+%\) +\(\d+ calls?\)$/);
    }
    // users_for_states ran on every generated batch (and each state alone, for batch independence).
    expect(Number(/users_for_states .*\((\d+) calls\)/.exec(headroom[1]!)![1])).toBeGreaterThanOrEqual(600);
  });

  it('all four bundled modules, alone and combined', async () => {
    const run = await check(['--config', configs.all_bundled!, '--runs', '200']);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^ok {4}/gm)).toHaveLength(5);
    expect(run.stdout).toContain('@helpdesk:corp.example is interested in ALL, but');
    expect(run.stdout).toMatch(/result: all 5 checked are sound and batch-independent; \d+ precision warnings/);
  });
});

describe('check fails inconsistent modules with a minimal, replayable counterexample', () => {
  it('unsound: exit 1, a one-state batch, and the printed seed prints the same counterexample', async () => {
    const first = await check(['--config', configs.inconsistent!, '--runs', '100']);
    expect(first.code).toBe(1);
    expect(first.stderr).toBe('');
    const block = failureBlock(first.stdout);
    expect(block).toMatch(/^FAIL {2}modules\[0\] \(\.\/inconsistent_router\.wasm\): soundness\n/);
    expect(block).toContain('user:     @watcher:example.com');
    expect(block).toContain('config:   {"watcher":"@watcher:example.com","team":');
    expect(block).toMatch(/found: {4}interested_users\(@watcher:example\.com\) = \{@alice:example\.com, @carol:example\.org\}/);
    const batch = batchOf(first.stdout) as { user_id: string }[];
    expect(batch).toHaveLength(1);
    expect(batch[0]!.user_id).toMatch(/^@b/);
    // The replay command exactly as printed (the temporary folder's path has no spaces).
    const replayArgs = /replay: +presence-sandbox check (.*) \(fast-check path/.exec(block)![1]!.split(' ');
    expect(replayArgs.slice(0, 4)).toEqual(['--config', configs.inconsistent, '--runs', '100']);
    expect(replayArgs.slice(4).join(' ')).toMatch(/^--seed[ =]-?\d+$/);

    const replay = await check(replayArgs);
    expect(replay.code).toBe(1);
    expect(failureBlock(replay.stdout)).toBe(block);
  });

  it('batch-dependent: exit 1 with a two-state batch-independence counterexample', async () => {
    const run = await check(['--config', configs.batch_dependent!, '--runs', '100', '--seed', '7']);
    expect(run.code).toBe(1);
    expect(failureBlock(run.stdout)).toMatch(/^FAIL {2}modules\[0\] \(\.\/batch_dependent_router\.wasm\): batch independence\n/);
    expect(batchOf(run.stdout)).toHaveLength(2);
    expect(run.stdout).toContain('result: 1 of 1 checked failed (seed 7)');
  });
});

describe('usage and load errors exit 2 with one error line', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no --config', () => [], /^error: check: --config is required/],
    ['--runs 0', () => ['--config', bundledConfig, '--runs', '0'], /^error: check: --runs must be an integer from 1 to 1000000 \(got "0"\)/],
    ['--seed not a number', () => ['--config', bundledConfig, '--seed', 'abc'], /^error: check: --seed must be an integer/],
    ['--seed past 32 bits', () => ['--config', bundledConfig, '--seed', '4000000000'], /^error: check: --seed must be an integer from -2147483648 to 2147483647/],
    ['an unreadable config', () => ['--config', join(dir, 'nope.yaml')], /^error: cannot read config/],
    ['a module that cannot load', () => ['--config', configs.missing_module!], /^error: modules\[0\] \(\.\/no_such_router\.wasm\) refused \(unreadable\)/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const run = await check(args());
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
