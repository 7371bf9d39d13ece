/**
 * The package as an operator installs it: the tarball `npm pack` makes, installed into an empty folder
 * outside the repo without devDependencies (so no assemblyscript, no typescript: nothing can be built
 * there), runs route, check and serve on the bundled modules by name.
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_TIMEOUT_MS, bundledModules, installPacked, installedManifest, packTree, runInstalled, type Installed, type Packed } from '../helpers/packed-install.js';
import { post } from '../helpers/http.js';
import { BOB_STATE, startCli } from '../helpers/service.js';
import { canonical, customRouter, exampleRouter, synapse, type State } from '../reference/synapse-seeds.js';

const EXAMPLE_CONFIG = { always_send_to_users: ['@presence_gobbler:example.org'], blacklisted_users: ['@alice:example.com', '@bob:example.com'] };
// Generous deadlines: a module's share must never go missing because the machine is busy.
const GENEROUS = 'sandbox:\n  threads: 1\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
const SEEDS_CONFIG = `modules:
  - module: custom_presence_router
presence:
  presence_router:
    module: example_presence_router
    config: ${JSON.stringify(EXAMPLE_CONFIG)}
${GENEROUS}`;
// Every bundled module by name, each with a config its README documents.
const ALL_CONFIG = `modules:
  - module: custom_presence_router
  - module: example_presence_router
    config: ${JSON.stringify(EXAMPLE_CONFIG)}
  - module: server_watch_router
    config: { watchers: ["@helpdesk:corp.example"], server_names: ["corp.example"] }
  - module: team_groups_router
    config: { groups: { sales: ["@ann:example.com", "@bea:example.com"], support: ["@bea:example.com", "@cal:partner.org"] } }
${GENEROUS}`;

const BATCH: State[] = [
  { ...BOB_STATE },
  { ...BOB_STATE, user_id: '@charlie:somewhere.org', state: 'unavailable' },
  { ...BOB_STATE, user_id: '@alice:example.com', state: 'offline' },
  { ...BOB_STATE, user_id: '@dana:elsewhere.net' },
];
const SEEDS = synapse([customRouter(), exampleRouter(EXAMPLE_CONFIG)]);

let packed: Packed;
let installed: Installed;
let seedsConfig: string;
let allConfig: string;
beforeAll(async () => {
  packed = await packTree();
  installed = await installPacked(packed);
  // Seen in the test log: the figure the 8-minute install is compared with.
  console.log(`packed ${packed.files.length} files, ${packed.size} bytes; npm install took ${installed.installMs} ms`);
  seedsConfig = join(installed.dir, 'seeds.yaml');
  allConfig = join(installed.dir, 'all.yaml');
  await writeFile(seedsConfig, SEEDS_CONFIG);
  await writeFile(allConfig, ALL_CONFIG);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  // Each run installs a fresh copy of the runtime dependencies: do not leave them piling up in /tmp.
  if (installed) await rm(installed.dir, { recursive: true, force: true });
  if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true });
});

describe('the tarball', () => {
  it('has the release .wasm of every bundled module, the runtime, the guest SDK, docs, README and LICENSE', () => {
    const modules = bundledModules();
    expect(modules.length).toBeGreaterThan(0);
    for (const m of modules) expect(packed.files).toContain(`modules/${m}/build/release.wasm`);
    for (const f of ['dist/host/index.js', 'dist/host/index.d.ts', 'dist/host/cli/main.js', 'dist/host/worker/entry.cjs', 'guest-sdk/index.ts', 'docs/abi.md', 'deploy/presence-sandbox.service', 'README.md', 'LICENSE', 'package.json']) {
      expect(packed.files).toContain(f);
    }
  });

  it('has nothing else: no tests, benchmarks, CI scripts, TypeScript host sources or source maps', () => {
    const allowed = [
      /^dist\/host\/.+\.(js|cjs|d\.ts|d\.cts)$/,
      /^modules\/[a-z0-9_]+\/(build\/release\.wasm|index\.ts|README\.md)$/,
      /^modules\/presence-sandbox\.yaml$/,
      /^guest-sdk\//,
      /^docs\//,
      /^deploy\//,
      /^(README\.md|LICENSE|package\.json)$/,
    ];
    expect(packed.files.filter((f) => !allowed.some((a) => a.test(f)))).toEqual([]);
    expect(packed.files.filter((f) => /^(test|bench|\.ci|host|integrations)\/|^dist\/(test|bench)\/|\.map$/.test(f))).toEqual([]);
  });
});

describe('installed from the tarball without devDependencies', () => {
  it('brought no build tools and built nothing', async () => {
    for (const dev of ['assemblyscript', 'typescript', 'vitest', 'wabt', 'isolated-vm', 'quickjs-emscripten']) {
      expect(existsSync(join(installed.dir, 'node_modules', dev)), dev).toBe(false);
    }
    // prepare did not run: the debug builds, which the tarball does not carry, are not there either.
    expect(existsSync(join(installed.packageDir, 'modules/custom_presence_router/build/debug.wasm'))).toBe(false);
  });

  it('--version and -V print the package version', async () => {
    const { version } = await installedManifest(installed);
    for (const flag of ['--version', '-V']) {
      const run = await runInstalled(installed, [flag]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it('route answers as Synapse does, with the bundled modules named in a config outside the package', async () => {
    const run = await runInstalled(installed, ['route', '--config', seedsConfig, '--states', '-'], { stdin: JSON.stringify(BATCH) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const routed = JSON.parse(run.stdout) as Record<string, State[]>;
    expect(canonical(new Map(Object.entries(routed)))).toEqual(canonical(SEEDS.getUsersForStates(BATCH)));
  });

  it('check passes every bundled module', async () => {
    const run = await runInstalled(installed, ['check', '--config', allConfig, '--runs', '25', '--seed', '17']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const m of ['custom_presence_router', 'example_presence_router', 'server_watch_router', 'team_groups_router']) {
      expect(run.stdout).toContain(m);
    }
  });

  it('serve answers on a free loopback port, configured from the environment, and stops on SIGTERM', async () => {
    const env = { PRESENCE_SANDBOX_CONFIG: seedsConfig, PRESENCE_SANDBOX_HOST: '127.0.0.1', PRESENCE_SANDBOX_PORT: '0', PRESENCE_SANDBOX_LOG_LEVEL: 'warn' };
    const { child, url, exit, stderr } = await startCli([], env, { main: installed.bin, cwd: installed.dir });
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const answer = await post(`${url}/v1/users_for_states`, { states: BATCH });
      expect(answer.status).toBe(200);
      expect(canonical(new Map(Object.entries(answer.body.routing as Record<string, State[]>)))).toEqual(canonical(SEEDS.getUsersForStates(BATCH)));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    expect(stderr()).toBe('');
  });
});
