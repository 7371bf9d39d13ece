// Compiles AssemblyScript in the test run, into memory: test harnesses (with the loader's runtime
// exports) and the real modules (with asconfig.json's release target, exactly as modules/build.mjs).

import asc from 'assemblyscript/asc';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rustModuleBinary } from '../helpers/rust-module.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function compile(entry: string, args: string[]): Promise<Uint8Array<ArrayBuffer>> {
  let wasm: Uint8Array<ArrayBuffer> | undefined;
  let output = '';
  const sink = { write: (chunk: string | Uint8Array) => { output += String(chunk); return true; } };
  const { error } = await asc.main(
    [relative(ROOT, entry), '--baseDir', ROOT, '--outFile', 'out.wasm', ...args],
    {
      stdout: sink,
      stderr: sink,
      writeFile: (name, contents) => { if (name.endsWith('.wasm')) wasm = new Uint8Array(contents as Uint8Array); },
    },
  );
  if (error || !wasm) throw new Error(`asc ${entry}: ${error?.message ?? "no output"}\n${output}`);
  return wasm;
}

const harnesses = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * A harness under test/guest-sdk/assembly/, with the loader's helpers: unoptimised (fast to build) by
 * default, or as modules are released (optimised, as the codec corpus runs it too); compiled once per
 * test file and target, however often it is instantiated.
 */
export function compileHarness(name: string, target: 'debug' | 'release' = 'debug'): Promise<Uint8Array<ArrayBuffer>> {
  let wasm = harnesses.get(`${name}/${target}`);
  if (wasm === undefined) {
    wasm = compile(join(ROOT, 'test', 'guest-sdk', 'assembly', `${name}.ts`), [
      '--config', 'asconfig.json', '--target', target, '--sourceMap', 'false', '--exportRuntime',
    ]);
    harnesses.set(`${name}/${target}`, wasm);
  }
  return wasm;
}

/**
 * modules/<name>/index.ts, built as modules/build.mjs builds release.wasm; a Rust module (src/lib.rs) is
 * the release.wasm `npm run build` made with rustc (test/helpers/rust-module.ts), or a failure naming how
 * to install rustc.
 */
export function compileModule(name: string): Promise<Uint8Array<ArrayBuffer>> {
  if (existsSync(join(ROOT, 'modules', name, 'src', 'lib.rs'))) return rustModuleBinary(name);
  return compile(join(ROOT, 'modules', name, 'index.ts'), ['--config', 'asconfig.json', '--target', 'release']);
}
