/** Service tests: the CLI as a child process, handshakes by polling a condition, metrics by name. */
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import { cliMain } from './cli.js';

export interface Served {
  child: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  stderr: () => string;
}

/** `presence-sandbox serve ARGS` (this tree's, or `main`: an installed bin); resolves once it prints its first address. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, { main = cliMain, cwd }: { main?: string; cwd?: string } = {}): Promise<Served> {
  const child = spawn(process.execPath, [main, 'serve', ...args], { env: { ...process.env, ...env }, cwd });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /on ((?:http:\/\/|unix:)\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url, exit, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/**
 * Wait until `condition` holds, checking again as soon as the event loop allows. Only a generous bound
 * (the test's own timeout in practice): this is a handshake, not a deadline.
 */
export async function until(condition: () => boolean | Promise<boolean>, what = 'condition', boundMs = 50_000): Promise<void> {
  const start = Date.now();
  // A condition that throws (a connection refused while the server is busy) has not held yet.
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() - start > boundMs) throw new Error(`${what} did not hold within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The value of an unlabelled metric (or the sum over a labelled one's series matching `labels`). */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  return found ? sum : NaN;
}

/** The one presence state the service tests post: Bob, online. */
export const BOB_STATE = {
  user_id: '@bob:example.com',
  state: 'online',
  last_active_ts: 1,
  last_federation_update_ts: 0,
  last_user_sync_ts: 0,
  status_msg: null,
  currently_active: true,
};

/** A log that tests can read: pino's JSON lines, parsed. */
export function memoryLogger() {
  const lines: any[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}
