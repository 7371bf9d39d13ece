/** Where the package's own files are, wherever it is installed. This file compiles to dist/host/paths.js. */
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const modulesDir = fileURLToPath(new URL('../../modules/', import.meta.url));
export const workerFile = fileURLToPath(new URL('./worker/entry.cjs', import.meta.url));
