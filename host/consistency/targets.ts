/**
 * What `check` checks in a config: every module entry alone (so a counterexample names one module and
 * its config), then the config as served, when it has more than one module. Each becomes a host
 * document with the same modules, configs and limits as the operator's.
 */
import type { HostConfig, ModuleSpec, PresenceSandboxConfig } from '../config/schema.js';

export interface CheckTarget {
  /** `modules[0] (custom_presence_router)`, or `combined (...)` for the whole config. */
  label: string;
  /** The module entries, in serving order. */
  modules: ModuleSpec[];
  /** The config document the target's host is created from. */
  document: PresenceSandboxConfig;
  /** Directory relative module paths resolve against: the config file's folder. */
  baseDir: string;
}

/**
 * Quarantine would skip a module's share after a few faults without reporting a fault, and a checker
 * that shrinks a faulting batch calls it many times in a row: every call must run, so the checker's
 * hosts never quarantine.
 */
const NEVER_QUARANTINE = 1_000_000;

export function checkTargets(config: HostConfig): CheckTarget[] {
  const alone = config.modules.map((spec) => target(spec.label, [spec], config));
  if (config.modules.length < 2) return alone;
  return [...alone, target(`combined (${config.modules.length} modules in serving order)`, config.modules, config)];
}

function target(label: string, modules: ModuleSpec[], config: HostConfig): CheckTarget {
  // Every module becomes a `modules:` entry, in serving order: the legacy presence.presence_router is
  // served after all of them anyway, so the order, and therefore the merge, is the operator's.
  const document: PresenceSandboxConfig = {
    modules: modules.map((spec) => ({
      module: spec.module,
      // The pin is checked here too; the name is not carried (subject.ts maps the target host's labels back).
      ...(spec.sha256 === undefined ? {} : { sha256: spec.sha256 }),
      config: spec.config,
      sandbox: { ...spec.limits, quarantine_after_faults: NEVER_QUARANTINE },
    })),
    sandbox: { max_pending_calls: config.maxPendingCalls },
  };
  return { label, modules, document, baseDir: config.baseDir };
}
