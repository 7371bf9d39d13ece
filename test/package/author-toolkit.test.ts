/**
 * A module author's path, outside the repo: the packed tarball installed with the AssemblyScript
 * compiler next to it (what an author's devDependencies bring), `presence-sandbox init`, `build`, then
 * `route` and `check` on the result, the project's own unit test, and an editor's type check. A module
 * the host would refuse fails at `build` with the host's own message and exit code.
 *
 * The project lives in a folder of the install, so node_modules is found by walking up, as npm's would be
 * after `npm install` in the project (not run here: it would fetch presence-sandbox from the registry).
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runProcess } from '../helpers/cli.js';
import { INSTALL_TIMEOUT_MS, installPacked, packTree, runInstalled, type Installed, type Packed } from '../helpers/packed-install.js';
import { BOB_STATE } from '../helpers/service.js';

/** asc on a loaded 2-core machine: minutes, never a verdict. */
const BUILD_TIMEOUT_MS = 10 * 60_000;
const ASSEMBLYSCRIPT = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: { assemblyscript: string } })
  .peerDependencies.assemblyscript;

const BATCH = [
  { ...BOB_STATE, user_id: '@ann:example.org' },
  { ...BOB_STATE, user_id: '@ceo:example.org' },
  { ...BOB_STATE, user_id: '@dana:elsewhere.net', state: 'unavailable' },
];

// The template's router with one import the ABI does not allow.
const STRAY_IMPORT = `
// @ts-ignore: decorator
@external("env", "seed") declare function seed(): i32;
export function stray(): i32 { return seed(); }
`;

let packed: Packed;
let installed: Installed;
beforeAll(async () => {
  packed = await packTree();
  installed = await installPacked(packed, { extra: [`assemblyscript@${ASSEMBLYSCRIPT}`] });
  console.log(`npm install of the tarball and assemblyscript took ${installed.installMs} ms`);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (installed) await rm(installed.dir, { recursive: true, force: true });
  if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true });
});

describe('a module project made by init, built by build', () => {
  let project: string;
  beforeAll(async () => {
    const init = await runInstalled(installed, ['init', 'router']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    project = join(installed.dir, 'router');
  }, BUILD_TIMEOUT_MS);

  it('init writes the router, its config, a unit test, a README and the project files', () => {
    for (const f of ['index.ts', 'presence-sandbox.yaml', 'test/router.test.mjs', 'states.json', 'README.md', 'package.json', 'asconfig.json', 'tsconfig.json']) {
      expect(existsSync(join(project, f)), f).toBe(true);
    }
    expect(readFileSync(join(project, 'index.ts'), 'utf8')).toContain('from "presence-sandbox/guest-sdk"');
    expect(JSON.parse(readFileSync(join(project, 'asconfig.json'), 'utf8')).extends).toBe('presence-sandbox/asconfig.json');
  });

  it('init refuses a folder that is not empty (exit 2)', async () => {
    const again = await runInstalled(installed, ['init', 'router']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: init: .*router is not empty/);
  });

  it('build compiles both targets and admits them; route and check serve the result', async () => {
    const build = await runInstalled(installed, ['build', 'router']);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(existsSync(join(project, 'build/release.wasm'))).toBe(true);
    expect(existsSync(join(project, 'build/debug.wasm'))).toBe(true);

    const config = join(project, 'presence-sandbox.yaml');
    const route = await runInstalled(installed, ['route', '--config', config, '--states', '-'], { stdin: JSON.stringify(BATCH) });
    expect(route.stderr).toBe('');
    expect(route.code).toBe(0);
    expect(JSON.parse(route.stdout)).toEqual({ '@helpdesk:example.org': [BATCH[0], BATCH[2]] });

    // The README's command, on the batch init wrote: the hidden user's state reaches nobody.
    const written = JSON.parse(readFileSync(join(project, 'states.json'), 'utf8')) as { user_id: string }[];
    const readme = await runInstalled(installed, ['route', '--config', config, '--states', join(project, 'states.json')]);
    expect(readme.stderr).toBe('');
    expect(readme.code).toBe(0);
    expect(JSON.parse(readme.stdout)).toEqual({ '@helpdesk:example.org': written.filter((s) => s.user_id !== '@ceo:example.org') });

    const check = await runInstalled(installed, ['check', '--config', config, '--runs', '25', '--seed', '17']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('router');

    // The author's own unit test, as `npm test` runs it after the build.
    const unit = await runProcess(process.execPath, ['--test'], { cwd: project });
    expect(unit.stdout + unit.stderr).toMatch(/# pass 2/);
    expect(unit.code).toBe(0);
  }, BUILD_TIMEOUT_MS);

  it('an editor (tsc) finds the SDK through the package exports and reports no errors', async () => {
    const tsc = await runProcess(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: project });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
    // Not silent by accident: the SDK is resolved (a missing member, not a missing module) and checked.
    await writeFile(join(project, 'wrong.ts'), 'import { NoSuchThing } from "presence-sandbox/guest-sdk";\nexport const n: i32 = "text";\n');
    const wrong = await runProcess(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: project });
    await rm(join(project, 'wrong.ts'));
    expect(wrong.stdout).toMatch(/wrong\.ts\(1,\d+\): error TS2305: .*NoSuchThing/);
    expect(wrong.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS2322/);
    expect(wrong.code).not.toBe(0);
  }, BUILD_TIMEOUT_MS);
});

describe('a module the host would refuse', () => {
  it('fails at build with the message and exit code route gives', async () => {
    const init = await runInstalled(installed, ['init', 'stray']);
    expect(init.code).toBe(0);
    const project = join(installed.dir, 'stray');
    await writeFile(join(project, 'index.ts'), readFileSync(join(project, 'index.ts'), 'utf8') + STRAY_IMPORT);

    const build = await runInstalled(installed, ['build', 'stray']);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/^error: stray refused \(\w+\): .*env\.seed/);

    const route = await runInstalled(installed, ['route', '--config', join(project, 'presence-sandbox.yaml'), '--states', '-'], { stdin: '[]' });
    expect(route.code).toBe(2);
    expect(route.stderr).toBe(build.stderr);
  }, BUILD_TIMEOUT_MS);

  it('a compile error fails build with asc\'s diagnostics (exit 1)', async () => {
    const init = await runInstalled(installed, ['init', 'typo']);
    expect(init.code).toBe(0);
    await writeFile(join(installed.dir, 'typo', 'index.ts'), 'export function f(): i32 { return undefinedName; }\n');
    const build = await runInstalled(installed, ['build', 'typo']);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('undefinedName');
    expect(build.stderr).toMatch(/error: build: asc \(release\) failed/);
  }, BUILD_TIMEOUT_MS);
});
