/**
 * Fuel tests drive one admitted module's pool directly (real admission, real workers, real Wasm), so
 * that each call's reply envelope, `fuelUsed` included, can be read as the host reads it.
 */
import { Worker } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { admitModule, type AdmittedModule } from '../../dist/host/admission/admit.js';
import { parseConfig } from '../../dist/host/config/parse.js';
import type { Outcome } from '../../dist/host/protocol/envelopes.js';
import type { ModuleEntry, SandboxOptions } from './host.js';

const packr = new Packr({ useRecords: false });

/** Admits `module` (a bundled name or a path) with `sandbox` limits; relative paths against `baseDir`. */
export async function admit(module: string, sandbox: SandboxOptions = {}, config: ModuleEntry['config'] = {}, baseDir = '.'): Promise<AdmittedModule> {
  const spec = parseConfig({ modules: [{ module, config, sandbox }] }, baseDir).modules[0]!;
  // As for a host with onModuleCall: every reply is a whole outcome, measured.
  return admitModule(spec, baseDir, true);
}

/** One users_for_states call of `states` (ABI v1 tuples) on the admitted module's pool. */
export async function callUsersForStates(admitted: AdmittedModule, states: unknown[][]): Promise<Outcome<unknown>> {
  const outcome = await admitted.pool.call({ kind: 'users_for_states', batch: packr.pack(states), count: states.length });
  return outcome!;
}

/** An online user's state tuple; every ID of the same length encodes to the same size. */
export function stateTuple(userId: string): unknown[] {
  return [userId, 'online', 1, 2, 3, null, true];
}

/** `n` threads spinning until stopped: a loaded machine, for the duration of a test. */
export function startCpuHogs(n: number): { stop(): Promise<void> } {
  const hogs = Array.from({ length: n }, () => new Worker('for (;;) {}', { eval: true }));
  return { stop: async () => void (await Promise.all(hogs.map((h) => h.terminate()))) };
}
