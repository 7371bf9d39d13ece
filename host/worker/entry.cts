/**
 * The file Piscina loads in each worker thread. CommonJS on purpose: Piscina require()s its worker file
 * first, and on Node 20 require() of an ES module goes through a path that aborts the whole process
 * (a native assertion in CreateRequiredModuleFacade) when the pool terminates a thread that is still
 * loading. A CommonJS entry is required cleanly and reaches the ES module worker by dynamic import.
 *
 * The readiness handshake: the handler is exported as a promise (`default`, marked as an ES module
 * namespace so Piscina looks there), which Piscina awaits before it tells the pool the thread is ready.
 * It resolves once the module is instantiated and init has run (warm() in worker.ts), so a replacement
 * thread takes no call before it has an instance.
 */
import type { Task } from '../protocol/envelopes.js';

type Handler = (task: Task) => unknown;

const ready: Promise<Handler> = import('./worker.js').then((loaded) => {
  loaded.warm();
  return loaded.default;
});

module.exports = { __esModule: true, default: ready };
