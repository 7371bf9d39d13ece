/**
 * Check a config document against the definition (shapes and ranges), then the rules across keys, and
 * collect every problem; with none, build the filled `HostConfig`. Serving order is Synapse's:
 * `modules:` entries in config order, then the legacy `presence.presence_router`.
 */
import { WASM_PAGE_BYTES } from '../protocol/abi.js';
import { configSchema, hostLimitsSchema, moduleLimitsSchema } from './definition.js';
import { formatPath, fromZodIssues, type ConfigIssue } from './issues.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_PENDING_CALLS, type HostConfig, type ModuleSpec, type SandboxLimits } from './schema.js';
import { isMap, unicodeIssues } from './validate.js';

export interface ConfigCheck {
  /** Set when there is no issue. */
  config?: HostConfig;
  issues: ConfigIssue[];
  warnings: string[];
}

/** Where each `modules[j]` of the document came from, when it was picked out of a larger file (homeserver.yaml). */
export type ModulePaths = readonly string[];

const TABLE_ELEMENT_PEAK_BYTES = 48;

export function checkConfig(document: unknown, baseDir: string, modulePaths?: ModulePaths): ConfigCheck {
  // An empty YAML file parses to null: a host with no modules, as Synapse with no router.
  const root = document === null || document === undefined ? {} : document;
  const place = (path: PropertyKey[]) =>
    modulePaths && path[0] === 'modules' && typeof path[1] === 'number'
      ? formatPath(path.slice(2), modulePaths[path[1]])
      : formatPath(path);
  const parsed = configSchema().safeParse(root);
  const issues = parsed.success ? [] : fromZodIssues(parsed.error.issues, place);
  const warnings: string[] = [];
  if (!isMap(root)) return { issues, warnings };

  const sandbox = isMap(root.sandbox) ? root.sandbox : {};
  const { max_pending_calls: maxPending, ...hostLimits } = validKeys(sandbox, hostLimitsSchema().shape);
  const base = limitIssues({ ...DEFAULT_LIMITS, ...hostLimits }, 'sandbox', issues);

  const entries: [string, unknown][] = [];
  if (Array.isArray(root.modules)) root.modules.forEach((entry, i) => entries.push([modulePaths?.[i] ?? `modules[${i}]`, entry]));
  const presence = isMap(root.presence) ? root.presence : {};
  if (presence.presence_router != null) entries.push(['presence.presence_router', presence.presence_router]);
  if (presence.routing_module != null) {
    if (presence.presence_router != null) {
      issues.push({ path: 'presence.routing_module', message: 'is the deprecated name of presence.presence_router: set only presence.presence_router' });
    }
    warnings.push('presence.routing_module is deprecated (Synapse reads presence.presence_router): rename the key');
    entries.push(['presence.routing_module', presence.routing_module]);
  }

  const modules = entries.flatMap(([path, value]) => (isMap(value) ? [entrySpec(value, path, base, issues)] : []));
  const labels = new Map<string, string>();
  for (const spec of modules) {
    const first = labels.get(spec.label);
    if (first !== undefined) issues.push({ path: `${spec.path}.name`, message: `${JSON.stringify(spec.label)} is already the name of ${first}; give each entry its own name` });
    else labels.set(spec.label, spec.path);
  }
  if (issues.length > 0) return { issues, warnings };
  const maxPendingCalls = typeof maxPending === 'number' ? maxPending : DEFAULT_MAX_PENDING_CALLS;
  return { config: { modules, maxPendingCalls, baseDir, warnings }, issues, warnings };
}

/** The entry as a spec (meaningful only when no issue was found), checking what the definition cannot. */
function entrySpec(entry: Record<string, unknown>, path: string, base: SandboxLimits, issues: ConfigIssue[]): ModuleSpec {
  const module = typeof entry.module === 'string' ? entry.module : '';
  const config = isMap(entry.config) ? entry.config : {};
  unicodeIssues(config, `${path}.config`, issues);
  // An entry without limits of its own was checked with `sandbox:`'s; one with, is checked merged.
  const own = isMap(entry.sandbox) ? validKeys(entry.sandbox, moduleLimitsSchema().shape) : {};
  const limits = Object.keys(own).length === 0 ? base : limitIssues({ ...base, ...own }, `${path}.sandbox`, issues);
  const spec: ModuleSpec = {
    label: typeof entry.name === 'string' ? entry.name : `${path} (${module})`,
    path,
    module,
    config,
    limits,
  };
  if (typeof entry.sha256 === 'string') spec.sha256 = entry.sha256.toLowerCase();
  return spec;
}

/** The keys whose values the definition accepts: the rules across keys are checked on those, so a typo
 *  in one key does not hide a conflict between two others. */
function validKeys(map: Record<string, unknown>, shape: Record<string, { safeParse(v: unknown): { success: boolean } }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([key, value]) => value !== undefined && shape[key]?.safeParse(value).success));
}

/** The rules across limits, on a module's limits merged with `sandbox:`'s; returns them as given. */
function limitIssues(limits: SandboxLimits, path: string, issues: ConfigIssue[]): SandboxLimits {
  if (limits.max_memory_bytes < WASM_PAGE_BYTES) {
    issues.push({ path: `${path}.max_memory_bytes`, message: `must be at least one 64 KiB page (${WASM_PAGE_BYTES})` });
  }
  // A growing funcref table peaks at about 48 bytes an element (V8 copies it to grow), partly outside the
  // JS heap where running out aborts the whole process: every table at its cap must fit well within the heap.
  if (limits.max_tables * limits.max_table_elements * TABLE_ELEMENT_PEAK_BYTES > (limits.max_heap_mb * 1024 * 1024) / 2) {
    issues.push({
      path: `${path}.max_table_elements`,
      message: `max_tables (${limits.max_tables}) × max_table_elements (${limits.max_table_elements}) × ${TABLE_ELEMENT_PEAK_BYTES} bytes must fit in half of max_heap_mb (${limits.max_heap_mb}); lower one of the three or raise max_heap_mb`,
    });
  }
  if (limits.quarantine_max_ms < limits.quarantine_ms) {
    issues.push({ path: `${path}.quarantine_max_ms`, message: `must be at least quarantine_ms (${limits.quarantine_ms})` });
  }
  return limits;
}
