/**
 * Static admission, off the main thread: the binary is handed (transferred, not copied) to a short-lived
 * admission worker (check-worker.ts) that bounds, checks, caps and compiles it, and sends back the
 * compiled module or the reason for refusing it. The main thread does no validation, no compilation and
 * no byte walk of the module: admitting a 16 MiB module costs its event loop well under a millisecond of
 * work (test/host/admission-event-loop.test.ts measures it).
 */
import { Worker } from 'node:worker_threads';
import { RefusalReason, moduleRefused } from '../errors.js';
import type { SandboxLimits } from '../config/schema.js';
import type { CodeOffsets, StaticCheckAnswer } from './static-check.js';

const checkWorkerFile = new URL('./check-worker.js', import.meta.url);

/** The worker holds the binary, its section offsets and small tables: a bounded, modest heap. */
const CHECK_WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

/** What admission learns from the binary: the module compiled and capped, and the fields it reads (admission/fields.ts). */
export interface InspectedModule {
  module: WebAssembly.Module;
  fields: number;
  /** With `mapOffsets`: how an offset in `module` becomes one in the binary as built (for its source map). */
  offsets?: CodeOffsets;
}

/**
 * Resolves the compiled, capped module; `bytes` is moved to the worker and unusable afterwards.
 * `mapOffsets`: also work out `offsets` (for a module with a source map; a little more work when metered).
 */
export function compileAndInspect(bytes: Uint8Array<ArrayBuffer>, label: string, limits: SandboxLimits, mapOffsets = false): Promise<InspectedModule> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(checkWorkerFile, {
        workerData: { bytes, limits, mapOffsets },
        transferList: [bytes.buffer],
        resourceLimits: CHECK_WORKER_LIMITS,
      });
    } catch (err) {
      reject(moduleRefused(label, RefusalReason.LOAD_FAILED, `cannot start the admission check: ${(err as Error).message}`));
      return;
    }
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      reject(moduleRefused(label, RefusalReason.LOAD_FAILED, message));
    };
    worker.once('message', (answer: StaticCheckAnswer) => {
      settled = true;
      if (answer.ok) resolve({ module: answer.module, fields: answer.fields, ...(answer.offsets === undefined ? {} : { offsets: answer.offsets }) });
      else reject(moduleRefused(label, answer.reason, answer.message));
    });
    worker.once('error', (err: Error) => fail(`the admission check failed: ${err.message}`));
    worker.once('exit', (code) => fail(`the admission check ended (exit code ${code}) without an answer`));
  });
}
