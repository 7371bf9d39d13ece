/**
 * The one error table. Every error the host raises is a `SandboxError` with a stable `code`: errors cross
 * worker threads and lose their class, so callers branch on `code`, never on message text.
 */

/** Stable error codes, grouped by where they arise. */
export const ErrorCode = {
  /** The config (file or object) is malformed: the message names the path, e.g. `modules[1].module`. */
  CONFIG_INVALID: 'config_invalid',
  /** The config file could not be read. */
  CONFIG_UNREADABLE: 'config_unreadable',
  /** A module was refused at admission; `reason` says why (see `RefusalReason`). */
  MODULE_REFUSED: 'module_refused',
  /** A batch, state or user ID given by the caller is malformed: the message names the field. */
  INVALID_INPUT: 'invalid_input',
  /** The host was closed; no more calls are accepted. */
  HOST_CLOSED: 'host_closed',
  /** Too many calls are pending (sandbox.max_pending_calls); retry later. Refused at once, never queued. */
  OVERLOADED: 'overloaded',
  // The HTTP service (host/service/answer.ts maps each to its status).
  /** Malformed request target, header or body framing (400). */
  BAD_REQUEST: 'bad_request',
  /** No such path (404). */
  NOT_FOUND: 'not_found',
  /** The path exists, the method does not; the answer's Allow lists the methods (405). */
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  /** The body is over service.max_body_bytes; the connection is closed unread (413). */
  BODY_TOO_LARGE: 'body_too_large',
  /** The Content-Type is not one the route accepts (415). */
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  /** The Host header names no listener of this service (service.allowed_hosts) (421). */
  HOST_NOT_ALLOWED: 'host_not_allowed',
  /** Admin route without the bearer token (401). */
  UNAUTHORIZED: 'unauthorized',
  /** Admin route on a listener that does not serve it, or a request from a browser page (403). */
  FORBIDDEN: 'forbidden',
  /** POST /admin/reload: the new config was refused; the previous one is still served (409). */
  RELOAD_REFUSED: 'reload_refused',
  /** A bug in the service: logged with its stack (500). */
  INTERNAL: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why admission refused a module. Stable: they appear in logs and CLI output. */
export const RefusalReason = {
  UNKNOWN_MODULE: 'unknown_module',
  UNREADABLE: 'unreadable',
  TOO_LARGE: 'too_large',
  NOT_WASM: 'not_wasm',
  FORBIDDEN_IMPORT: 'forbidden_import',
  MISSING_EXPORT: 'missing_export',
  ABI_VERSION: 'abi_version',
  MEMORY_REFUSED: 'memory_refused',
  /** Declares more of a growable resource than a sandbox limit allows (tables, table elements, globals, functions, segments). */
  RESOURCE_LIMIT: 'resource_limit',
  /** Uses a WebAssembly proposal the host does not accept (exceptions, threads, GC, ...; docs/abi.md "Features"). */
  FEATURE_REFUSED: 'feature_refused',
  /** An ABI export or import has the wrong type: a function signature, or a `presence_abi_version` that is not an immutable i32. */
  ABI_TYPE: 'abi_type',
  PAIRING: 'pairing',
  /** Exports a name the host reserves for fuel metering (docs/abi.md, "Fuel"). */
  RESERVED_NAME: 'reserved_name',
  LOAD_TIMEOUT: 'load_timeout',
  LOAD_FAILED: 'load_failed',
  CONFIG_REJECTED: 'config_rejected',
  /** The .wasm file's SHA-256 is not the entry's `sha256:` pin; the message has both digests. */
  SHA256_MISMATCH: 'sha256_mismatch',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/**
 * Fault codes: a module misbehaved during a call. Faults never reject a call; the module's share is
 * skipped (as Synapse skips a callback that raises) and the fault is reported through the host's
 * `fault` event.
 */
export const FaultCode = {
  TIMEOUT: 'timeout',
  TRAP: 'trap',
  STACK_OVERFLOW: 'stack_overflow',
  MEMORY_LIMIT: 'memory_limit',
  BAD_OUTPUT: 'bad_output',
  OUTPUT_TOO_LARGE: 'output_too_large',
  WORKER_CRASH: 'worker_crash',
  /** Used more fuel than its budget (sandbox.max_fuel_per_call, or max_fuel_init for start and init). */
  FUEL_EXHAUSTED: 'fuel_exhausted',
} as const;
export type FaultCode = (typeof FaultCode)[keyof typeof FaultCode];

export interface SandboxErrorDetails {
  /** The module as written in the config, e.g. `modules[0] (example_presence_router)`. */
  module?: string;
  /** For MODULE_REFUSED: why. */
  reason?: RefusalReason;
  /** For CONFIG_INVALID and INVALID_INPUT: the path of the offending value, e.g. `modules[1].module`. */
  path?: string;
}

export class SandboxError extends Error {
  readonly code: ErrorCode;
  readonly module?: string;
  readonly reason?: RefusalReason;
  readonly path?: string;

  constructor(code: ErrorCode, message: string, details: SandboxErrorDetails = {}) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
    if (details.module !== undefined) this.module = details.module;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.path !== undefined) this.path = details.path;
  }
}

/** `path: message`, the shape of every validation error. */
export function configError(path: string, message: string): SandboxError {
  return new SandboxError(ErrorCode.CONFIG_INVALID, `${path}: ${message}`, { path });
}

export function inputError(path: string, message: string): SandboxError {
  return new SandboxError(ErrorCode.INVALID_INPUT, `${path}: ${message}`, { path });
}

export function moduleRefused(module: string, reason: RefusalReason, message: string): SandboxError {
  return new SandboxError(ErrorCode.MODULE_REFUSED, `${module} refused (${reason}): ${message}`, {
    module,
    reason,
  });
}

/** Longest echo of a caller's key or value in an error: a 1 MiB key must not make a 2 MiB error. */
export const MAX_ECHO = 80;

/** `text`, cut to MAX_ECHO characters with a count of what was cut. */
export function clip(text: string, max = MAX_ECHO): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text;
}

/** Render any value for an error message: short, and never a multi-line dump. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > MAX_ECHO ? `${JSON.stringify(value.slice(0, MAX_ECHO))}... (${value.length - MAX_ECHO} more characters)` : JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  return String(value);
}
