/**
 * The admission worker: one short-lived thread per module admission, so that reading, capping,
 * feature-checking and compiling a module (hundreds of milliseconds for a 16 MiB one) never runs on the
 * main thread, whose event loop serves every other call meanwhile. It answers once and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SandboxLimits } from '../config/schema.js';
import { checkStatically } from './static-check.js';

const { bytes, limits, mapOffsets } = workerData as { bytes: Uint8Array<ArrayBuffer>; limits: SandboxLimits; mapOffsets: boolean };
parentPort!.postMessage(await checkStatically(bytes, limits, mapOffsets));
