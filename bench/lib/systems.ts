/** How the questions start the systems they compare: the host on one bundled module, quietly. */
import { PresenceHost, type SandboxOptions } from '../../host/index.js';
import { MODULES, type ModuleName } from './batches.js';

/** A host serving one bundled module with the benchmark's config for it; logs are dropped. */
export function hostFor(module: ModuleName, sandbox: SandboxOptions = {}): Promise<PresenceHost> {
  return PresenceHost.create({ modules: [{ module, config: MODULES[module] }], sandbox }, { log: () => {} });
}

export const SANDBOX = 'presence-sandbox';
export const IN_PROCESS = 'in-process';
export const FLOOR = 'msgpackr-floor';
