/**
 * The CLI as an operator runs it: a real process, real config files, real modules. Answers match the
 * independent implementation of the seeds; every refusal ends with exit 2 and one `error:` line.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeWatFixture } from '../helpers/wat.js';
import { runCli, root } from '../helpers/cli.js';
import { canonical, customRouter, exampleRouter, synapse, type State } from '../reference/synapse-seeds.js';

const bundledConfig = join(root, 'modules/presence-sandbox.yaml');

const cli = runCli;

const st = (user_id: string, extra: Partial<State> = {}): State => ({
  user_id,
  state: 'online',
  last_active_ts: 2 ** 53,
  last_federation_update_ts: 1,
  last_user_sync_ts: 2 ** 32,
  status_msg: 'ünïcödé ✓ 🎉',
  currently_active: true,
  ...extra,
});

const BATCH: State[] = [
  st('@bob:example.com'),
  st('@charlie:somewhere.org', { state: 'unavailable', status_msg: null }),
  st('@alice:example.com', { state: 'offline' }),
  st('@dana:elsewhere.net', { state: 'org.matrix.msc3026.busy' }),
  st('@bob:example.com'),
];
const EXAMPLE_CONFIG = { always_send_to_users: ['@presence_gobbler:example.org'], blacklisted_users: ['@alice:example.com', '@bob:example.com'] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
});

async function config(name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}

describe('route and interested give Synapse\'s answers', () => {
  // Generous deadlines, so that a module's share never goes missing because the machine is busy.
  const GENEROUS = 'sandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
  const setups = {
    'custom alone': { yaml: `modules:\n  - module: custom_presence_router\n${GENEROUS}`, reference: synapse([customRouter()]) },
    'example alone (legacy slot)': {
      yaml: `presence:\n  presence_router:\n    module: example_presence_router\n    config: ${JSON.stringify(EXAMPLE_CONFIG)}\n${GENEROUS}`,
      reference: synapse([exampleRouter(EXAMPLE_CONFIG)]),
    },
    'both, bundled config': { yaml: null, reference: synapse([customRouter(), exampleRouter(EXAMPLE_CONFIG)]) },
  };
  for (const [name, { yaml, reference }] of Object.entries(setups)) {
    it(name, async () => {
      const file = yaml === null ? bundledConfig : await config(`${name.replace(/\W+/g, '_')}.yaml`, yaml);
      const routed = await cli(['route', '--config', file, '--states', '-'], JSON.stringify(BATCH));
      expect(routed.stderr).toBe('');
      expect(routed.code).toBe(0);
      const out = JSON.parse(routed.stdout) as Record<string, State[]>;
      expect(Object.keys(out)).toEqual(Object.keys(out).sort());
      const expected = reference.getUsersForStates(BATCH);
      expect(canonical(new Map(Object.entries(out)))).toEqual(canonical(expected));
      // Input order, each distinct state once.
      for (const states of Object.values(out)) {
        const positions = states.map((s) => BATCH.findIndex((b) => JSON.stringify(b) === JSON.stringify(s)));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
      for (const user of ['@alice:example.com', '@presence_gobbler:example.org', '@bob:example.com']) {
        const asked = await cli(['interested', '--config', file, '--user', user]);
        expect(asked.code).toBe(0);
        const want = reference.getInterestedUsers(user);
        expect(JSON.parse(asked.stdout)).toEqual(want === 'ALL' ? 'ALL' : [...want].sort());
      }
    });
  }

  it('works as npx presence-sandbox, reading states from a file', async () => {
    const states = join(dir, 'states.json');
    await writeFile(states, JSON.stringify(BATCH));
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const run = await cli(['presence-sandbox', 'route', '--config', bundledConfig, '--states', states], undefined, npx, []);
    expect(run.code).toBe(0);
    expect(Object.keys(JSON.parse(run.stdout))).toEqual(['@alice:example.com', '@presence_gobbler:example.org']);
  });
});

describe('errors: exit 2 and one error line naming the module and the reason', () => {
  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['not Wasm', async () => (await writeFile(join(dir, 'junk.wasm'), 'junk'), './junk.wasm'), /not_wasm/],
    ['a WASI import', () => fixture('wasi_import'), /forbidden_import.*wasi_snapshot_preview1/],
    ['no router exports', () => fixture('missing_exports'), /missing_export/],
    ['a start function that never returns', () => fixture('start_loops'), /load_failed.*fuel_exhausted/],
    ['a 64 MiB binary', async () => (await writeFile(join(dir, 'huge.wasm'), new Uint8Array(64 * 1024 * 1024)), './huge.wasm'), /too_large/],
    ['an unknown module name', async () => 'no_such_router', /unknown_module/],
  ];
  for (const [name, module, reason] of refusals) {
    it(name, async () => {
      const m = await module();
      const file = await config(`refuse_${name.replace(/\W+/g, '_')}.yaml`, `modules:\n  - module: ${m}\nsandbox:\n  load_timeout_ms: 30000\n  max_fuel_init: 1000000\n`);
      const run = await cli(['interested', '--config', file, '--user', '@a:example.com']);
      expect(run.code).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toContain(`modules[0] (${m})`);
      expect(lines[0]).toMatch(reason);
      expect(run.stdout).toBe('');
    });
  }

  it('a bad module config', async () => {
    // A generous load deadline: init must get to refuse the config, however busy the machine.
    const file = await config('badconf.yaml', 'modules:\n  - module: example_presence_router\n    config:\n      always_send_to_users: 5\nsandbox:\n  load_timeout_ms: 60000\n');
    const run = await cli(['interested', '--config', file, '--user', '@a:example.com']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: modules\[0\] \(example_presence_router\) refused \(config_rejected\): .*always_send_to_users: expected a list of user IDs\n$/);
  });

  it('a bad config names the path', async () => {
    const file = await config('badpath.yaml', 'modules:\n  - module: custom_presence_router\n  - module: 42\n');
    const run = await cli(['route', '--config', file, '--states', '-'], '[]');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: modules[1].module: expected a string (got 42)\n');
  });

  it('usage errors exit 2; bad states exit 1', async () => {
    expect((await cli(['route', '--states', '-'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const bad = await cli(['route', '--config', bundledConfig, '--states', '-'], '[{"user_id": "nope"}]');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: states\[0\]\.user_id: expected a Matrix user ID/);
  });

  it('--help on every command', async () => {
    for (const args of [['--help'], ['route', '--help'], ['interested', '--help'], ['check', '--help'], ['serve', '--help']]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: presence-sandbox/);
    }
  });
});

async function fixture(name: string): Promise<string> {
  await writeWatFixture(name, dir);
  return `./${name}.wasm`;
}
