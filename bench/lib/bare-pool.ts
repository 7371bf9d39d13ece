/** A Piscina pool shaped like a module's pool (host/pool/module-pool.ts) whose tasks do nothing. */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

export const bareWorkerFile = fileURLToPath(new URL('./bare-worker.cjs', import.meta.url));

export function barePool(threads: number): Piscina {
  return new Piscina({
    filename: bareWorkerFile,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
  });
}

/** Resolves once every thread has answered a task, so the first measured call meets no thread start. */
export async function warm(pool: Piscina, threads: number): Promise<void> {
  await Promise.all(Array.from({ length: threads * 4 }, () => pool.run(null)));
}
