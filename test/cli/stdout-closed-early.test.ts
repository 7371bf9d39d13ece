/**
 * `presence-sandbox route ... | head -n 1`: the reader exits after one line, the CLI's next write to
 * stdout fails with EPIPE, and the CLI stops quietly (exit 0, nothing on stderr), as Unix tools do,
 * instead of dying with an unhandled 'error' event's stack trace.
 *
 * The answer is far larger than a pipe's buffer plus the one chunk the reader takes, so the CLI's write
 * cannot complete before the reader is gone: the EPIPE happens on every run, whatever the machine's load.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliMain } from '../helpers/cli.js';

/** Like `head -n 1`: prints the first line it reads, then exits, closing the pipe's only read end. */
const HEAD_ONE_LINE = `
let seen = '';
process.stdin.on('data', (chunk) => {
  seen += chunk;
  const end = seen.indexOf('\\n');
  if (end >= 0) { process.stdout.write(seen.slice(0, end + 1)); process.exit(0); }
});`;

/** About 1 MB of answer: 4000 states to one receiver, pretty-printed. */
const STATES = Array.from({ length: 4000 }, (_, i) => ({
  user_id: `@user${i}:example.org`, state: 'online', last_active_ts: 1733000000000 + i,
  last_federation_update_ts: 0, last_user_sync_ts: 0, status_msg: 'in a meeting until noon', currently_active: true,
}));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stdout-closed-'));
  // Generous deadlines: the module's share must not go missing on a loaded machine.
  await writeFile(join(dir, 'config.yaml'), `modules:
  - module: example_presence_router
    config:
      always_send_to_users: ["@gobbler:example.org"]
sandbox:
  call_timeout_ms: 120000
  load_timeout_ms: 120000
`);
  await writeFile(join(dir, 'states.json'), JSON.stringify(STATES));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Pipeline {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  headOutput: string;
}

/** `presence-sandbox ARGS | head -n 1`, with the CLI's exit and stderr kept apart from the reader's. */
function pipeIntoHead(args: string[]): Promise<Pipeline> {
  return new Promise((resolve, reject) => {
    const head = spawn(process.execPath, ['-e', HEAD_ONE_LINE], { stdio: ['pipe', 'pipe', 'inherit'] });
    const cli = spawn(process.execPath, [cliMain, ...args], { stdio: ['ignore', head.stdin, 'pipe'] });
    // The CLI holds the pipe's write end now; the reader, its only read end.
    head.stdin.destroy();
    let headOutput = '';
    let stderr = '';
    head.stdout.on('data', (d) => (headOutput += d));
    cli.stderr.on('data', (d) => (stderr += d));
    head.on('error', reject);
    cli.on('error', reject);
    let cliDone: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let headDone = false;
    const finish = (): void => {
      if (cliDone && headDone) resolve({ ...cliDone, stderr, headOutput });
    };
    cli.on('close', (code, signal) => { cliDone = { code, signal }; finish(); });
    head.on('close', () => { headDone = true; finish(); });
  });
}

it('route into a reader that stops after one line exits 0 without a stack trace', async () => {
  const run = await pipeIntoHead(['route', '--config', join(dir, 'config.yaml'), '--states', join(dir, 'states.json')]);
  expect(run.headOutput).toBe('{\n');
  expect(run.stderr).toBe('');
  expect(run.signal).toBeNull();
  expect(run.code).toBe(0);
}, 240_000);
