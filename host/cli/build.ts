/**
 * `presence-sandbox build DIR`: compile a module author's project with AssemblyScript (the author's own
 * compiler, a devDependency; this package names it as an optional peerDependency so that operators never
 * install it) and the package's asconfig preset, then admit the result exactly as the host will: a module
 * that `serve` or `route` would refuse fails here, with the same message and exit code.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkModuleFile } from '../admission/check-file.js';
import { PresenceHost } from '../presence-host.js';
import { UsageError, type Command } from './usage.js';

const TARGETS = ['release', 'debug'] as const;
/** The project's config, written by init: the modules of it are admitted as `serve` would. */
const PROJECT_CONFIG = 'presence-sandbox.yaml';

interface Asc {
  main(args: string[], options: { stdout: Sink; stderr: Sink }): Promise<{ error: Error | null }>;
}
interface Sink {
  write(chunk: string | Uint8Array): boolean;
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'compile a module project (asc) and admit the result as the host would',
  usage: `Usage: presence-sandbox build [DIR]

In DIR (default: the current folder; a project made by presence-sandbox init): compiles index.ts with
the AssemblyScript compiler the project installed, its asconfig.json (which extends
presence-sandbox/asconfig.json) into build/release.wasm and build/debug.wasm, then admits them as the
host does: build/debug.wasm with the static checks (imports, exports, ABI version, sizes), and the
modules of DIR/${PROJECT_CONFIG} (when there is one) fully, with their config and init. A module the host
would refuse fails here with the host's message.

Exit 0 when built and admitted; 1 when asc reports errors (on stderr); 2 when a module is refused.

Options:
  -h, --help   show this help`,
  options: {},
  positional: 'dir',
  async run(values) {
    const dir = resolve(typeof values.dir === 'string' ? values.dir : '.');
    if (!existsSync(join(dir, 'asconfig.json'))) {
      throw new UsageError(`build: no asconfig.json in ${dir} (make a project with presence-sandbox init DIR)`);
    }
    const asc = await loadAsc(dir);
    for (const target of TARGETS) await compile(asc, dir, target);
    // The config's admission first: a refusal then reads exactly as serve's and route's would.
    const config = join(dir, PROJECT_CONFIG);
    if (existsSync(config)) await (await PresenceHost.fromFile(config)).close();
    else await admitStatically(dir, 'build/release.wasm');
    await admitStatically(dir, 'build/debug.wasm');
    process.stdout.write(`built ${join(dir, 'build/release.wasm')} and build/debug.wasm: admitted\n`);
  },
};

/** Admission's static checks (imports, exports, ABI version, sizes) under the default limits. */
async function admitStatically(dir: string, file: string): Promise<void> {
  await checkModuleFile(join(dir, file), file);
}

/** The project's own assemblyscript (its version is the author's choice), found as Node would from DIR. */
async function loadAsc(dir: string): Promise<Asc> {
  let manifest: string;
  try {
    manifest = createRequire(join(dir, 'package.json')).resolve('assemblyscript/package.json');
  } catch {
    throw new UsageError(`build: the AssemblyScript compiler is not installed for ${dir}: npm install --save-dev assemblyscript`);
  }
  return (await import(pathToFileURL(join(dirname(manifest), 'dist', 'asc.js')).href)) as Asc;
}

async function compile(asc: Asc, dir: string, target: string): Promise<void> {
  let output = '';
  const sink: Sink = { write: (chunk) => ((output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()), true) };
  const args = ['--baseDir', dir, '--config', 'asconfig.json', '--target', target, '--outFile', `build/${target}.wasm`, '--noColors'];
  const { error } = await asc.main(args, { stdout: sink, stderr: sink });
  if (output !== '') process.stderr.write(output);
  if (error) throw new Error(`build: asc (${target}) failed: ${error.message}`);
}
