/**
 * The host's static admission of one built module file, under the default limits: read under the size
 * cap, declarations bounded, the ABI contract (imports, exports, markers), features, caps and compile,
 * exactly as `serve` and `route` admit it, short of running it. `presence-sandbox build` and the
 * repository's own build (modules/build.mjs) run it on every binary they write, so that there is one
 * allow-list and a module the host would refuse fails at build, with the host's message.
 */
import { DEFAULT_LIMITS } from '../config/schema.js';
import { compileAndInspect } from './inspect.js';
import { readModuleFile } from './read.js';

/** Rejects with the host's refusal (a SandboxError, code module_refused) naming `label`. */
export async function checkModuleFile(file: string, label: string): Promise<void> {
  const bytes = await readModuleFile(file, label, DEFAULT_LIMITS.max_module_bytes);
  await compileAndInspect(bytes, label, DEFAULT_LIMITS);
}
