/**
 * Child processes for the end-to-end tests: the real sidecar (`node dist/host/cli/main.js serve`) on
 * loopback and a real Synapse inside the Debian chroot (.ci/synapse-chroot.sh). Every wait is a poll for
 * a condition with a generous limit: a loaded machine makes the tests slower, never red.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root, from test/synapse/harness/ or from its compiled copy under dist/ (the benches). */
export const REPO = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'modules', 'presence-sandbox.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (modules/presence-sandbox.yaml) above this file');
    dir = up;
  }
  return `${dir}/`;
})();

/** A free loopback port (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false; throws naming `what` past the limit. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, limitMs = 60_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class Child {
  output = '';
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    process.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    process.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    // A child that cannot start at all (ENOENT): say so in its output, never as an uncaught error.
    process.once('error', (err) => (this.output += `\n[${name} did not start: ${err.message}]\n`));
  }

  get running(): boolean {
    return this.process.pid !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if it has not exited after a generous while. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const killer = setTimeout(() => this.process.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** The sidecar, serving `config` on 127.0.0.1:port; resolves once /healthz answers. */
export async function startSidecar(config: string, port: number): Promise<Child> {
  const child = new Child(
    'sidecar',
    spawn(process.execPath, ['dist/host/cli/main.js', 'serve', '--config', config, '--port', String(port)], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await until(`the sidecar on port ${port} (${config})`, async () => {
    if (!child.running) throw new Error(`the sidecar exited: ${child.output}`);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.status === 200;
  });
  return child;
}
