/**
 * modules/build.mjs, the repository's own module build, admits every binary it writes with the host's
 * static admission (dist/host/admission/check-file.js), as `presence-sandbox build` does: one allow-list.
 * A bundled module the host would refuse fails the build with the host's refusal, in the words `route`
 * gives for the same binary. Run on a copy of the repository's layout (modules/ holding the build
 * scripts and one stray module; the SDK, the compiler and the compiled host linked in), so the
 * repository's own modules/ is never touched.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliMain, root, runProcess } from '../helpers/cli.js';

/** An import outside docs/abi.md's allow-list, which the host refuses. */
const STRAY_IMPORT = `
// @ts-ignore: decorator
@external("env", "seed") declare function seed(): i32;
export function stray(): i32 { return seed(); }
`;
const BUILD_TIMEOUT_MS = 240_000;

const made: string[] = [];

/** A folder laid out as the repository: modules/{build.mjs, build-rust.mjs, stray/index.ts}; `dist` linked in or not. */
async function layout(withDist: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'module-build-'));
  made.push(dir);
  await mkdir(join(dir, 'modules', 'stray'), { recursive: true });
  for (const script of ['build.mjs', 'build-rust.mjs']) await copyFile(join(root, 'modules', script), join(dir, 'modules', script));
  await copyFile(join(root, 'asconfig.json'), join(dir, 'asconfig.json'));
  const router = await readFile(join(root, 'modules', 'example_presence_router', 'index.ts'), 'utf8');
  await writeFile(join(dir, 'modules', 'stray', 'index.ts'), router + STRAY_IMPORT);
  for (const linked of ['guest-sdk', 'node_modules', ...(withDist ? ['dist'] : [])]) await symlink(join(root, linked), join(dir, linked));
  return dir;
}

// rm never follows the links: the repository's folders stay as they are.
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('modules/build.mjs admits what it builds as the host does', () => {
  it('a module with a stray import fails the build with the refusal route gives for the same binary', async () => {
    const dir = await layout(true);
    const build = await runProcess(process.execPath, ['modules/build.mjs'], { cwd: dir });
    expect(build.code).toBe(1);
    const refused = /^(modules\/stray\/build\/(?:release|debug)\.wasm) refused \((\w+)\): (.*env\.seed.*)$/m.exec(build.stderr);
    expect(refused, build.stderr).not.toBeNull();
    const [, file, reason, message] = refused!;

    await writeFile(join(dir, 'c.yaml'), `modules:\n  - module: ./${file}\n    name: stray\n`);
    const route = await runProcess(process.execPath, [cliMain, 'route', '--config', 'c.yaml', '--states', '-'], { cwd: dir, stdin: '[]' });
    expect(route.code).toBe(2);
    expect(route.stderr).toBe(`error: stray refused (${reason}): ${message}\n`);
  }, BUILD_TIMEOUT_MS);

  it('without the compiled host: a message saying to compile it first, before compiling anything', async () => {
    const bare = await layout(false);
    const build = await runProcess(process.execPath, ['modules/build.mjs'], { cwd: bare });
    expect(build.code).toBe(1);
    expect(build.stderr).toBe('no dist/host/admission/check-file.js: the host\'s admission checks every module built; compile the host first (npm run build:host)\n');
    expect(build.stdout).toBe('');
  });
});
