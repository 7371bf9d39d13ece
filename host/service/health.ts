/**
 * Health for probes. `/healthz` (liveness): the process answers. `/readyz` (readiness): a config is
 * admitted and served; `degraded` (still 200: the other modules' shares are served, and another replica
 * would run the same module) while a module is quarantined, naming it and its last fault; 503 while the
 * service is stopping, so a load balancer stops sending before the connections close.
 */
import type { FaultReport } from '../host-options.js';
import type { HostStats } from '../presence-host.js';
import { clip } from '../errors.js';

export interface Readiness {
  status: 'ready' | 'degraded' | 'stopping';
  modules: { module: string; quarantined: boolean; last_fault?: { callback: string; code: string; message: string } }[];
}

export function readiness(stats: HostStats, lastFaults: ReadonlyMap<string, FaultReport>, stopping: boolean): Readiness {
  const modules = stats.modules.map((m) => {
    const fault = lastFaults.get(m.module);
    return {
      module: m.module,
      quarantined: m.quarantined,
      ...(fault ? { last_fault: { callback: fault.callback, code: fault.code, message: clip(fault.message, 200) } } : {}),
    };
  });
  const status = stopping ? 'stopping' : modules.some((m) => m.quarantined) ? 'degraded' : 'ready';
  return { status, modules };
}
