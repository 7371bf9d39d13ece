/**
 * Validate a config document (parsed YAML or a caller's object) into the filled `HostConfig` (check.ts),
 * and the limits' upper bounds (the defaults are in schema.ts): a row in both tables is a new limit key.
 */
import { checkConfig } from './check.js';
import { issuesError } from './issues.js';
import type { HostConfig, SandboxLimits } from './schema.js';

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
/** Throws one config_invalid error naming every problem (the first one's path in `path`). */
export function parseConfig(document: unknown, baseDir: string): HostConfig {
  const { config, issues } = checkConfig(document, baseDir);
  if (config === undefined) throw issuesError(issues);
  return config;
}
