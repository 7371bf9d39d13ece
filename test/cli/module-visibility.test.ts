/**
 * What route and interested show of a module on stderr: by default only warnings and errors (stdout
 * the answer, as always); with --log-level debug (or LOG_LEVEL=debug) every log line with its level and
 * every send_local_online_presence_to call. And a debug build's trap inside the standard library names
 * the author's line, through the source map next to the .wasm; a bad map leaves today's message.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asFixturePath, compileAsFixture } from '../helpers/as.js';
import { runProcess, cliMain, type Run } from '../helpers/cli.js';

const STATES = JSON.stringify([
  { user_id: '@a:x.org', state: 'online', last_active_ts: 1, last_federation_update_ts: 1, last_user_sync_ts: 1, status_msg: null, currently_active: true },
]);
// Generous deadlines: a module's share never goes missing because the machine is busy. Fuel metering is
// on (the default): the trap's offsets are in the metered code, mapped back through what metering inserted.
const SANDBOX = 'sandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
/** The same, unmetered: the code as built, only moved by the caps. */
const UNMETERED = 'sandbox:\n  fuel_metering: false\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n';
/** Today's message, without a map: the position AssemblyScript's abort names, in ~lib/array.ts. */
const STDLIB_ONLY = /users_for_states skipped \(trap\): abort: Index out of range at ~lib\/array\.ts:\d+:\d+\n/;

let dir: string;
let trapLine: number;
let unreachableLine: number;

/** A folder holding the debug build as `trap.wasm`, with `map` (or none) as its `trap.wasm.map`. */
async function moduleDir(name: string, map?: (built: string) => Promise<void>, config = '{}', sandbox = SANDBOX): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  await copyFile(join(dir, 'build', 'stdlib_trap.wasm'), join(folder, 'trap.wasm'));
  await map?.(join(folder, 'trap.wasm.map'));
  await writeFile(join(folder, 'c.yaml'), `modules:\n  - module: ./trap.wasm\n    name: trap\n    config: ${config}\n${sandbox}`);
  await writeFile(join(folder, 'states.json'), STATES);
  return folder;
}

/** The CLI in `folder`, with no log level in its environment unless `env` sets one. */
function cli(folder: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { LOG_LEVEL: _a, PRESENCE_SANDBOX_LOG_LEVEL: _b, ...rest } = process.env;
  return runProcess(process.execPath, [cliMain, ...args], { cwd: folder, env: { ...rest, ...env } });
}

const route = (folder: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
  cli(folder, ['route', '--config', 'c.yaml', '--states', 'states.json', ...extra], env);
const interested = (folder: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
  cli(folder, ['interested', '--config', 'c.yaml', '--user', '@a:x.org', ...extra], env);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'visibility-'));
  await compileAsFixture('stdlib_trap', join(dir, 'build'), 'debug');
  const source = (await readFile(asFixturePath('stdlib_trap'), 'utf8')).split('\n');
  trapLine = source.findIndex((l) => l.includes('TRAP LINE')) + 1;
  unreachableLine = source.findIndex((l) => l.includes('UNREACHABLE LINE')) + 1;
  expect(trapLine).toBeGreaterThan(0);
  expect(unreachableLine).toBeGreaterThan(0);
}, 120_000);

describe('route and interested --log-level', () => {
  it('by default: the answer on stdout, only warnings and errors on stderr (as before)', async () => {
    const folder = await moduleDir('default', async (map) => copyFile(join(dir, 'build', 'stdlib_trap.wasm.map'), map));
    const run = await interested(folder);
    expect(run).toMatchObject({ code: 0, stdout: '[]\n', stderr: 'warn [trap]: nobody is interesting\n' });
    const routed = await route(folder);
    expect(routed.code).toBe(0);
    expect(routed.stdout).toBe('{}\n');
    expect(routed.stderr).not.toMatch(/routing 1 states|^info|^debug/m);
  });

  it('debug: every log line with its level, and the sends', async () => {
    const folder = await moduleDir('debug');
    const run = await interested(folder, ['--log-level', 'debug']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('[]\n');
    expect(run.stderr).toBe(
      'debug [trap]: interested in @a:x.org\nwarn [trap]: nobody is interesting\ndebug [trap]: send_local_online_presence_to ["@a:x.org"]\n',
    );
    const routed = await route(folder, ['--log-level', 'debug']);
    expect(routed.stdout).toBe('{}\n');
    expect(routed.stderr).toMatch(/^info \[trap\]: routing 1 states\n/);
  });

  it('LOG_LEVEL=debug (and PRESENCE_SANDBOX_LOG_LEVEL) work as the flag; a flag wins; info shows no sends', async () => {
    const folder = await moduleDir('env');
    const flag = await interested(folder, ['--log-level', 'debug']);
    expect(await interested(folder, [], { LOG_LEVEL: 'debug' })).toEqual(flag);
    expect(await interested(folder, [], { PRESENCE_SANDBOX_LOG_LEVEL: 'DEBUG' })).toEqual(flag);
    const info = await interested(folder, ['--log-level', 'info'], { LOG_LEVEL: 'debug' });
    expect(info.stderr).toBe('warn [trap]: nobody is interesting\n');
    expect((await interested(folder, ['--log-level', 'silent'])).stderr).toBe('');
  });

  it('a bad level is a usage error naming its source (exit 2)', async () => {
    const folder = await moduleDir('bad-level');
    const run = await route(folder, [], { LOG_LEVEL: 'loud' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: LOG_LEVEL must be one of .*\(got "loud"\)\n$/);
  });
});

describe('a trap inside the standard library names the author\'s line (debug build, source map)', () => {
  const copyMap = async (map: string) => copyFile(join(dir, 'build', 'stdlib_trap.wasm.map'), map);
  const abortAtAuthorLine = () =>
    new RegExp(`^warn \\[trap\\]: users_for_states skipped \\(trap\\): abort: Index out of range at test/fixtures/as/stdlib_trap\\.ts:${trapLine}:\\d+ \\(in ~lib/array\\.ts:\\d+:\\d+\\)\\n$`);

  const meterings = [
    { metering: 'fuel metering on (the default)', tag: 'metered', sandbox: SANDBOX },
    { metering: 'fuel metering off', tag: 'unmetered', sandbox: UNMETERED },
  ];
  for (const { metering, tag, sandbox } of meterings) {
    describe(metering, () => {
      it('with the map next to the .wasm: the fixture\'s line, then where the stdlib aborted', async () => {
        const folder = await moduleDir(`mapped-${tag}`, copyMap, '{}', sandbox);
        const run = await route(folder);
        expect(run.code).toBe(0);
        expect(run.stderr).toMatch(abortAtAuthorLine());
      });

      it('a runtime trap in the author\'s code: its line', async () => {
        const folder = await moduleDir(`unreachable-${tag}`, copyMap, '{"unreachable": true}', sandbox);
        const run = await route(folder);
        expect(run.stderr).toMatch(
          new RegExp(`^warn \\[trap\\]: users_for_states skipped \\(trap\\): trap: unreachable at test/fixtures/as/stdlib_trap\\.ts:${unreachableLine}:\\d+\\n$`),
        );
      });
    });
  }

  it('route --log-level debug: the module\'s log line, then the fault at the author\'s line (metered)', async () => {
    const folder = await moduleDir('mapped-debug', copyMap);
    const run = await route(folder, ['--log-level', 'debug']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{}\n');
    const [logged, ...rest] = run.stderr.split(/(?<=\n)/);
    expect(logged).toBe('info [trap]: routing 1 states\n');
    expect(rest.join('')).toMatch(abortAtAuthorLine());
  });

  const badMaps: Record<string, (map: string) => Promise<void>> = {
    'no map': async () => {},
    'not JSON': (map) => writeFile(map, '{"version":3,'),
    'a wrong version': (map) => writeFile(map, JSON.stringify({ version: 2, sources: ['a.ts'], mappings: 'AAAA' })),
    'a bad VLQ': (map) => writeFile(map, JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'A!AA' })),
    'a VLQ past 32 bits': (map) => writeFile(map, JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'gggggggggggggA' })),
    'a source index out of range': (map) => writeFile(map, JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'ACAA' })),
    'a huge (sparse) file': async (map) => { await writeFile(map, ''); await truncate(map, 64 * 1024 * 1024); },
    'a directory': (map) => mkdir(map),
    'a FIFO (opening it would wait for a writer)': async (map) => { execFileSync('mkfifo', [map]); },
  };
  for (const [name, make] of Object.entries(badMaps)) {
    it(`${name}: today's message`, async () => {
      const folder = await moduleDir(name.replace(/\W+/g, '-'), make);
      const run = await route(folder);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('{}\n');
      expect(run.stderr).toMatch(STDLIB_ONLY);
    });
  }
});
