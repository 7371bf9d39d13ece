/**
 * Validate a config document (parsed YAML or a caller's object) into the filled `HostConfig`.
 * Serving order is Synapse's: `modules:` entries in config order, then the legacy `presence.presence_router`.
 */
import { configError, describe } from '../errors.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_PENDING_CALLS,
  type HostConfig,
  type ModuleSpec,
  type SandboxLimits,
} from './schema.js';
import { WASM_PAGE_BYTES } from '../protocol/abi.js';
import { parseServiceSection } from './service-options.js';
import { expectBoolean, expectKeys, expectMap, expectPositiveInt, expectString, expectUnicodeText, isMap } from './validate.js';

const TOP_KEYS = ['modules', 'presence', 'sandbox', 'service'] as const;
const PRESENCE_KEYS = ['presence_router', 'routing_module'] as const;
const ENTRY_KEYS = ['module', 'config', 'sandbox'] as const;
const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof SandboxLimits)[];
/** Upper bounds that keep a typo from asking for something absurd (a week-long deadline, 10 000 threads). */
export const LIMIT_MAX: SandboxLimits = {
  threads: 64,
  call_timeout_ms: 600_000,
  load_timeout_ms: 600_000,
  fuel_metering: true,
  max_fuel_per_call: 1_000_000_000_000,
  max_fuel_init: 1_000_000_000_000,
  max_module_bytes: 1024 * 1024 * 1024,
  max_output_bytes: 1024 * 1024 * 1024,
  max_batch_states: 10_000_000,
  max_memory_bytes: 4 * 1024 * 1024 * 1024,
  max_heap_mb: 64 * 1024,
  max_stack_mb: 64,
  // V8's own limits for a module (beyond them the engine refuses it anyway), except tables: 64 of V8's
  // largest (10 million elements) is what still fits the largest heap's table budget (below).
  max_tables: 64,
  max_table_elements: 10_000_000,
  max_globals: 1_000_000,
  max_functions: 1_000_000,
  max_data_segments: 100_000,
  max_element_segments: 10_000_000,
  max_destinations: 10_000_000,
  max_interested_users: 10_000_000,
  max_result_entries: 100_000_000,
  quarantine_after_faults: 1_000_000,
  quarantine_ms: 86_400_000,
  quarantine_max_ms: 86_400_000,
};
const HOST_ONLY_KEYS = ['max_pending_calls'];
const TABLE_ELEMENT_PEAK_BYTES = 48;

export function parseConfig(document: unknown, baseDir: string): HostConfig {
  // An empty YAML file parses to null: a host with no modules, as Synapse with no router.
  const root = document === null || document === undefined ? {} : expectMap(document, '(config)');
  expectKeys(root, '', TOP_KEYS);
  // Checked here too, so `presence-sandbox check` and every load catch a typo in it; the service reads it.
  parseServiceSection(root.service);
  const warnings: string[] = [];
  const { max_pending_calls, ...moduleLimits } = root.sandbox == null ? {} : expectMap(root.sandbox, 'sandbox');
  const maxPendingCalls =
    max_pending_calls === undefined ? DEFAULT_MAX_PENDING_CALLS : expectPositiveInt(max_pending_calls, 'sandbox.max_pending_calls', 1_000_000);
  const limits = parseLimits(moduleLimits, 'sandbox', DEFAULT_LIMITS, HOST_ONLY_KEYS);
  const modules: ModuleSpec[] = [];

  if (root.modules !== undefined && root.modules !== null) {
    if (!Array.isArray(root.modules)) {
      throw configError('modules', `expected a list of module entries (got ${describe(root.modules)})`);
    }
    root.modules.forEach((entry, i) => modules.push(parseEntry(entry, `modules[${i}]`, limits)));
  }

  if (root.presence !== undefined && root.presence !== null) {
    const presence = expectMap(root.presence, 'presence');
    expectKeys(presence, 'presence', PRESENCE_KEYS);
    const legacy = presence.presence_router;
    const alias = presence.routing_module;
    if (legacy != null && alias != null) {
      throw configError(
        'presence.routing_module',
        'is the deprecated name of presence.presence_router; set only presence.presence_router',
      );
    }
    if (legacy != null) modules.push(parseEntry(legacy, 'presence.presence_router', limits));
    if (alias != null) {
      warnings.push(
        'presence.routing_module is deprecated (Synapse reads presence.presence_router): rename the key',
      );
      modules.push(parseEntry(alias, 'presence.routing_module', limits));
    }
  }
  return { modules, maxPendingCalls, baseDir, warnings };
}

function parseEntry(value: unknown, path: string, limits: SandboxLimits): ModuleSpec {
  const entry = expectMap(value, path);
  expectKeys(entry, path, ENTRY_KEYS);
  if (typeof entry.module !== 'string') {
    throw configError(`${path}.module`, `expected a string (got ${describe(entry.module)})`);
  }
  const module = expectString(entry.module, `${path}.module`);
  let config: Record<string, unknown> = {};
  if (entry.config !== undefined && entry.config !== null) {
    if (!isMap(entry.config)) {
      throw configError(`${path}.config`, `expected a map of the module's options (got ${describe(entry.config)})`);
    }
    expectUnicodeText(entry.config, `${path}.config`);
    config = entry.config;
  }
  return {
    label: `${path} (${module})`,
    path,
    module,
    config,
    limits: parseLimits(entry.sandbox, `${path}.sandbox`, limits),
  };
}

function parseLimits(value: unknown, path: string, base: SandboxLimits, extraKeys: string[] = []): SandboxLimits {
  if (value === undefined || value === null) return base;
  const map = expectMap(value, path);
  expectKeys(map, path, [...LIMIT_KEYS, ...extraKeys]);
  const limits = { ...base };
  for (const key of LIMIT_KEYS) {
    if (map[key] === undefined) continue;
    const max = LIMIT_MAX[key];
    (limits as Record<string, number | boolean>)[key] =
      typeof max === 'boolean' ? expectBoolean(map[key], `${path}.${key}`) : expectPositiveInt(map[key], `${path}.${key}`, max);
  }
  if (limits.max_memory_bytes < WASM_PAGE_BYTES) {
    throw configError(`${path}.max_memory_bytes`, `must be at least one 64 KiB page (${WASM_PAGE_BYTES})`);
  }
  // A growing funcref table peaks at about 48 bytes an element (V8 copies it to grow), partly outside the
  // JS heap where running out aborts the whole process: every table at its cap must fit well within the heap.
  if (limits.max_tables * limits.max_table_elements * TABLE_ELEMENT_PEAK_BYTES > (limits.max_heap_mb * 1024 * 1024) / 2) {
    throw configError(
      `${path}.max_table_elements`,
      `max_tables (${limits.max_tables}) × max_table_elements (${limits.max_table_elements}) × ${TABLE_ELEMENT_PEAK_BYTES} bytes must fit in half of max_heap_mb (${limits.max_heap_mb}); lower one of the three or raise max_heap_mb`,
    );
  }
  if (limits.quarantine_max_ms < limits.quarantine_ms) {
    throw configError(`${path}.quarantine_max_ms`, `must be at least quarantine_ms (${limits.quarantine_ms})`);
  }
  return limits;
}
