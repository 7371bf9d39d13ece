/**
 * The operators' tools that deploy tests run: promtool (Debian's prometheus package) and systemd-analyze
 * (Debian's systemd package). .ci/run installs both when missing. A test that needs one fails when it is
 * absent, naming the package, rather than skipping: a check that silently does not run proves nothing.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const TOOLS = {
  promtool: 'prometheus',
  'systemd-analyze': 'systemd',
} as const;

/** The tool's path on PATH; throws, naming the package to install, when it is not there. */
export function requireTool(name: keyof typeof TOOLS): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} is not installed: apt-get install --no-install-recommends ${TOOLS[name]} (.ci/run installs it)`);
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a tool to its end, with `input` on its stdin; never rejects on a non-zero exit. */
export function runTool(name: keyof typeof TOOLS, args: string[], input?: string): Promise<ToolRun> {
  const path = requireTool(name);
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, { maxBuffer: 16 << 20, env: { ...process.env, SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : NaN;
      if (Number.isNaN(code)) reject(err);
      else resolve({ code, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}
