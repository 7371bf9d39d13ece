/**
 * The CLI as a service manager runs it: --version, settings from environment variables (a flag given
 * wins), and a bad value, from a flag or a variable, is exit 2 with one line naming where it came from.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliMain, root, runProcess, type Run } from '../helpers/cli.js';
import { get } from '../helpers/http.js';
import { startCli, until } from '../helpers/service.js';

const bundled = join(root, 'modules/presence-sandbox.yaml');
const STATES = JSON.stringify([{ user_id: '@bob:example.com', state: 'online', last_active_ts: 1, last_federation_update_ts: 0, last_user_sync_ts: 0, status_msg: null, currently_active: true }]);
const LEVELS = 'fatal, error, warn, info, debug, trace, silent';

/** The CLI with exactly these PRESENCE_SANDBOX_* / LOG_LEVEL variables (none inherited from the test's). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<Run> {
  return runProcess(process.execPath, [cliMain, ...args], { stdin, env: { ...cleanEnv(), ...env } });
}

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PRESENCE_SANDBOX_|LOG_LEVEL$)/.test(k)));
}

/** Exit 2, nothing on stdout, one `error:` line and no stack trace. */
function expectUsageError(run: Run, message: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`error: ${message}\n`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-env-'));
});

describe('--version', () => {
  it('prints package.json\'s version, as --version and -V', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag]);
      expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('PRESENCE_SANDBOX_CONFIG', () => {
  it('stands in for --config; a --config given wins over it', async () => {
    const fromEnv = await cli(['route', '--states', '-'], { PRESENCE_SANDBOX_CONFIG: bundled }, STATES);
    expect(fromEnv.stderr).toBe('');
    expect(Object.keys(JSON.parse(fromEnv.stdout))).toEqual(['@alice:example.com', '@presence_gobbler:example.org']);
    const flagWins = await cli(['interested', '--config', bundled, '--user', '@alice:example.com'], { PRESENCE_SANDBOX_CONFIG: join(dir, 'missing.yaml') });
    expect(flagWins.stderr).toBe('');
    expect(JSON.parse(flagWins.stdout)).toEqual(['@bob:example.com', '@charlie:somewhere.org']);
  });

  it('neither set (or the variable empty) is a usage error naming both', async () => {
    for (const env of [{}, { PRESENCE_SANDBOX_CONFIG: '' }]) {
      expectUsageError(await cli(['route', '--states', '-'], env), 'route: --config is required (or PRESENCE_SANDBOX_CONFIG) (see presence-sandbox route --help)');
    }
  });
});

describe('serve from the environment', () => {
  it('host and port from the variables; every variable at once', async () => {
    const env = { PRESENCE_SANDBOX_CONFIG: bundled, PRESENCE_SANDBOX_HOST: '127.0.0.1', PRESENCE_SANDBOX_PORT: '0', PRESENCE_SANDBOX_LOG_LEVEL: 'silent' };
    const { child, url, exit, stderr } = await startCli([], env);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await get(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    expect(stderr()).toBe('');
  });

  it('PRESENCE_SANDBOX_SOCKET alone serves on the socket only', async () => {
    const socket = join(dir, 'env.sock');
    const { child, url, exit } = await startCli(['--config', bundled], { PRESENCE_SANDBOX_SOCKET: socket, LOG_LEVEL: 'error' });
    child.kill('SIGTERM');
    expect(url).toBe(`unix:${socket}`);
    expect(await exit).toBe(0);
  });

  it('a flag wins over its variable, even over a bad one', async () => {
    const { child, url, exit } = await startCli(['--config', bundled, '--port', '0', '--log-level', 'error'], { PRESENCE_SANDBOX_PORT: 'not a port', PRESENCE_SANDBOX_LOG_LEVEL: 'loud' });
    child.kill('SIGTERM');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await exit).toBe(0);
  });

  it('bad values in variables: exit 2 naming the variable', async () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ PRESENCE_SANDBOX_PORT: 'eighty' }, 'PRESENCE_SANDBOX_PORT: must be an integer from 0 to 65535 (got "eighty")'],
      [{ PRESENCE_SANDBOX_PORT: '70000' }, 'PRESENCE_SANDBOX_PORT: must be an integer from 0 to 65535 (got 70000)'],
    ];
    for (const [env, message] of cases) expectUsageError(await cli(['serve', '--config', bundled], env), message);
  });
});

describe('log level', () => {
  it('a bad level from the flag, PRESENCE_SANDBOX_LOG_LEVEL or LOG_LEVEL: exit 2 listing the levels, no pino stack', async () => {
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [['--log-level', 'loud'], {}, `serve: --log-level must be one of ${LEVELS} (got "loud")`],
      [[], { PRESENCE_SANDBOX_LOG_LEVEL: 'verbose' }, `PRESENCE_SANDBOX_LOG_LEVEL must be one of ${LEVELS} (got "verbose")`],
      [[], { LOG_LEVEL: 'warning' }, `LOG_LEVEL must be one of ${LEVELS} (got "warning")`],
    ];
    for (const [flags, env, message] of cases) expectUsageError(await cli(['serve', '--config', bundled, '--port', '0', ...flags], env), message);
  });

  it('the level is applied: PRESENCE_SANDBOX_LOG_LEVEL over LOG_LEVEL, in any case', async () => {
    const logs = async (env: NodeJS.ProcessEnv): Promise<() => string> => {
      const served = await startCli(['--config', bundled, '--port', '0'], env);
      served.child.kill('SIGTERM');
      expect(await served.exit).toBe(0);
      return served.stderr;
    };
    // At info the service logs "stopping" and "stopped"; stderr may still be arriving after the exit.
    const info = await logs({ PRESENCE_SANDBOX_LOG_LEVEL: 'INFO', LOG_LEVEL: 'bogus' });
    await until(() => info().includes('"msg":"stopped"'), 'the stopped log line');
    const warn = await logs({ PRESENCE_SANDBOX_LOG_LEVEL: 'warn', LOG_LEVEL: 'info' });
    expect(warn()).toBe('');
  });
});
