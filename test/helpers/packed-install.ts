/**
 * The package as a user gets it: `npm pack` of this tree, then `npm install <tarball>` into an empty
 * folder outside the repo, then its `presence-sandbox` bin. For the operator's test (no devDependencies)
 * and, later, a module author's (init and build outside the repo).
 *
 * The pack skips lifecycle scripts: `prepare` would rebuild dist/ and modules/*\/build/ while other test
 * files of the same run load them. The tree is built already (`npm test` builds first; so does `npm ci`),
 * and packTree() refuses a tree with a bundled module left unbuilt rather than pack a tarball without it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, runProcess, type Run } from './cli.js';

/** An install downloads what the npm cache lacks: room for a slow registry and a loaded 2-core machine. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

export interface Packed {
  tarball: string;
  /** Paths inside the tarball, without tar's `package/` prefix, sorted. */
  files: string[];
  name: string;
  version: string;
  /** Size of the .tgz, bytes. */
  size: number;
}

export interface Installed {
  /** The consumer's folder (its own package.json and node_modules). */
  dir: string;
  /** dir/node_modules/<package>. */
  packageDir: string;
  /** dir/node_modules/.bin/presence-sandbox, as npm linked it. */
  bin: string;
  /** Wall-clock time of `npm install`, for the report; never asserted. */
  installMs: number;
}

/** Every modules/<name>/ with an index.ts: the bundled modules the package must ship built. */
export function bundledModules(): string[] {
  const dir = join(root, 'modules');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

let packed: Promise<Packed> | undefined;

/** `npm pack` of this tree into a temporary folder; once per test process. */
export function packTree(): Promise<Packed> {
  packed ??= pack();
  return packed;
}

async function pack(): Promise<Packed> {
  const unbuilt = bundledModules().filter((m) => !existsSync(join(root, 'modules', m, 'build', 'release.wasm')));
  if (unbuilt.length > 0 || !existsSync(join(root, 'dist/host/cli/main.js'))) {
    throw new Error(`the tree is not built (${unbuilt.join(', ') || 'dist/'} missing): run npm run build first`);
  }
  const dest = await mkdtemp(join(tmpdir(), 'presence-sandbox-pack-'));
  const out = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], root);
  const [report] = JSON.parse(out.stdout) as { filename: string; name: string; version: string; size: number }[];
  if (!report) throw new Error(`npm pack printed no report: ${out.stdout}`);
  const tarball = join(dest, report.filename);
  const listing = await runProcess('tar', ['-tzf', tarball], { cwd: dest });
  if (listing.code !== 0) throw new Error(`tar -tzf ${tarball} failed: ${listing.stderr}`);
  const files = listing.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  return { tarball, files, name: report.name, version: report.version, size: report.size };
}

export interface InstallOptions {
  /** Leave devDependencies out, as an operator's `npm install presence-sandbox` does (default true). */
  omitDev?: boolean;
  /** More packages to install next to it (a module author's assemblyscript, say). */
  extra?: string[];
}

/** `npm install <tarball>` into a new empty folder outside the repo. */
export async function installPacked(pack: Packed, options: InstallOptions = {}): Promise<Installed> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-sandbox-install-'));
  // Its own package.json, so that npm installs here and does not look for a project further up.
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'packed-install-check', version: '1.0.0', private: true }));
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'warn'];
  if (options.omitDev !== false) args.push('--omit=dev');
  const started = Date.now();
  await npm([...args, pack.tarball, ...(options.extra ?? [])], dir);
  const installMs = Date.now() - started;
  const packageDir = join(dir, 'node_modules', pack.name);
  const bin = join(dir, 'node_modules', '.bin', 'presence-sandbox');
  if (!existsSync(bin)) throw new Error(`npm install linked no bin at ${bin}`);
  return { dir, packageDir, bin, installMs };
}

/** The installed bin, run directly (its shebang and mode as npm left them), in the consumer's folder. */
export function runInstalled(installed: Installed, args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return runProcess(installed.bin, args, { cwd: installed.dir, stdin: options.stdin, env: options.env ?? process.env });
}

/** The installed package's package.json. */
export async function installedManifest(installed: Installed): Promise<{ version: string; dependencies?: Record<string, string> }> {
  return JSON.parse(await readFile(join(installed.packageDir, 'package.json'), 'utf8'));
}

async function npm(args: string[], cwd: string): Promise<Run> {
  const command = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await runProcess(command, args, { cwd, env: npmFreeEnv() });
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/**
 * Under `npm test` the environment carries the outer run's npm_package_*, npm_lifecycle_* and its
 * prefixes; a nested npm must not take them for its own project.
 */
function npmFreeEnv(): NodeJS.ProcessEnv {
  const inherited = /^npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_(local_|global_)?prefix$)/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !inherited.test(k)));
}
