/**
 * The config's shape: the public, all-optional document (a Synapse homeserver.yaml subset plus our
 * `sandbox:` section), the one defaults constant, and the filled internal types the host runs on.
 */
import { availableParallelism } from 'node:os';
import type { ServiceSection } from './service-options.js';

/** Limits and pool size; every key optional, in `sandbox:` and per module in `modules[i].sandbox:`. */
export interface SandboxOptions {
  /** Worker threads per module pool. */
  threads?: number;
  /**
   * Wall-clock deadline for one users_for_states or interested_users call, in milliseconds: with fuel
   * metering on, a backstop for what fuel does not count (docs/security.md, "Fuel").
   */
  call_timeout_ms?: number;
  /** Wall-clock deadline for instantiating a module and running its start function and init, in milliseconds. */
  load_timeout_ms?: number;
  /** Meter each call's instructions (docs/abi.md, "Fuel"): written into the module at admission. */
  fuel_metering?: boolean;
  /** Fuel (about one unit per Wasm instruction) one users_for_states or interested_users call may use. */
  max_fuel_per_call?: number;
  /** Fuel the module's start function and init may use together, at each instantiation. */
  max_fuel_init?: number;
  /** Largest accepted .wasm file, in bytes; checked before compiling. */
  max_module_bytes?: number;
  /** Largest result a module may hand back from one call, in bytes; checked before decoding. */
  max_output_bytes?: number;
  /** Largest batch accepted by getUsersForStates, in states. */
  max_batch_states?: number;
  /** Cap on one instance's linear memory, in bytes (rounded down to 64 KiB pages); written into the module. */
  max_memory_bytes?: number;
  /** Cap on each worker thread's JavaScript heap, in MiB (the thread is replaced when it runs out). */
  max_heap_mb?: number;
  /**
   * Stack of each worker thread, in MiB: how deep a guest may recurse before it traps with
   * stack_overflow (Wasm frames live on the thread's native stack).
   */
  max_stack_mb?: number;
  /** Most tables a module may define; checked at admission. */
  max_tables?: number;
  /**
   * Largest size of each table, in elements: written into the module as every table's maximum (so
   * `table.grow` past it fails in the guest); a table that starts larger is refused.
   */
  max_table_elements?: number;
  /** Most globals a module may define; checked at admission. */
  max_globals?: number;
  /** Most functions a module may define and import together; checked at admission. */
  max_functions?: number;
  /** Most data segments a module may define; checked at admission. */
  max_data_segments?: number;
  /** Most element segments a module may define; checked at admission. */
  max_element_segments?: number;
  /** Most destinations one users_for_states answer may name. */
  max_destinations?: number;
  /** Most user IDs one interested_users answer may hold. */
  max_interested_users?: number;
  /**
   * Most entries one answer may hold: user IDs plus indices, as written (repeats included). Counted in
   * the worker on each header, before the entries are read.
   */
  max_result_entries?: number;
  /** Consecutive faults after which a module is quarantined (its share skipped without running it). */
  quarantine_after_faults?: number;
  /** First quarantine period, in milliseconds; doubles on each fault after a quarantine ends. */
  quarantine_ms?: number;
  /** Longest quarantine period, in milliseconds. */
  quarantine_max_ms?: number;
}

/** Host-wide settings, only in the top-level `sandbox:` section. */
export interface HostSandboxOptions extends SandboxOptions {
  /** Calls accepted at once; past it a call is refused at once with `overloaded`, never queued without bound. */
  max_pending_calls?: number;
}

export interface ModuleEntry {
  /** A bundled module's name (`example_presence_router`) or a path to a .wasm file, relative to the config file. */
  module: string;
  /** The name logs, metrics and errors use (default: `modules[0] (example_presence_router)`); unique across entries. */
  name?: string;
  /** The .wasm file's SHA-256 as hex (`sha256sum`): a module whose file differs is refused at every load. */
  sha256?: string;
  /** The module's own config, handed to its init as a map. */
  config?: Record<string, unknown> | null;
  sandbox?: SandboxOptions;
}

/** The config document, as YAML or as an object. */
export interface PresenceSandboxConfig {
  modules?: ModuleEntry[];
  presence?: {
    /** Synapse's legacy single router; served after every `modules:` entry. */
    presence_router?: ModuleEntry;
    /** Deprecated alias of `presence_router` (the name in Synapse's older docs). */
    routing_module?: ModuleEntry;
  };
  sandbox?: HostSandboxOptions;
  /** The HTTP service's listeners, timeouts and limits (host/config/service-options.ts). */
  service?: ServiceSection;
}

export type SandboxLimits = Required<SandboxOptions>;

export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  threads: Math.min(2, availableParallelism()),
  // With fuel on, the deadlines are backstops for what fuel does not count: well past what the default
  // budgets take on a loaded machine (docs/security.md, "Fuel").
  call_timeout_ms: 10_000,
  load_timeout_ms: 30_000,
  fuel_metering: true,
  // The bundled modules' worst measured need, a 32 MiB batch, is about 6e9 (docs/security.md, "Fuel").
  max_fuel_per_call: 20_000_000_000,
  max_fuel_init: 20_000_000_000,
  max_module_bytes: 16 * 1024 * 1024,
  max_output_bytes: 16 * 1024 * 1024,
  max_batch_states: 200_000,
  max_memory_bytes: 128 * 1024 * 1024,
  max_heap_mb: 256,
  max_stack_mb: 4,
  max_tables: 4,
  max_table_elements: 100_000,
  max_globals: 10_000,
  max_functions: 100_000,
  max_data_segments: 10_000,
  max_element_segments: 10_000,
  max_destinations: 100_000,
  max_interested_users: 100_000,
  max_result_entries: 1_000_000,
  quarantine_after_faults: 5,
  quarantine_ms: 1000,
  quarantine_max_ms: 60_000,
});

export const DEFAULT_MAX_PENDING_CALLS = 1024;

/** One module to serve, in serving order, with everything resolved. */
export interface ModuleSpec {
  /**
   * How the module is named in logs, metrics and errors: the entry's `name:`, else its config path and
   * what was written, e.g. `modules[0] (example_presence_router)`.
   */
  label: string;
  /** Config path of the entry, e.g. `modules[0]` or `presence.presence_router`. */
  path: string;
  /** The `module:` value as written. */
  module: string;
  config: Record<string, unknown>;
  limits: SandboxLimits;
  /** The pinned SHA-256 of the .wasm file, lowercase hex, when the entry has `sha256:`. */
  sha256?: string;
}

export interface HostConfig {
  modules: ModuleSpec[];
  maxPendingCalls: number;
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  /** Non-fatal findings, e.g. the deprecated `presence.routing_module`. */
  warnings: string[];
}
