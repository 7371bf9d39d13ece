/**
 * The file Piscina loads in each worker thread. CommonJS on purpose: Piscina require()s its worker file
 * first, and on Node 20 require() of an ES module goes through a path that aborts the whole process
 * (a native assertion in CreateRequiredModuleFacade) when the pool terminates a thread that is still
 * loading. A CommonJS entry is required cleanly and reaches the ES module worker by dynamic import.
 */
import type { Task } from '../protocol/envelopes.js';

const worker = import('./worker.js');
// Once loaded, instantiate the module while the thread is idle (see warm() in worker.ts).
void worker.then((loaded) => setImmediate(loaded.warm));

module.exports = async function handle(task: Task): Promise<unknown> {
  return (await worker).default(task);
};
