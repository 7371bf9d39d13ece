/**
 * The config's `service:` section: the HTTP sidecar's listeners, timeouts and limits (docs/security.md,
 * "Service", says why each default is what it is). One table drives the validation, the defaults and the
 * CLI flags (`--header-timeout-ms` for `header_timeout_ms`), so the three never drift apart.
 */
import { configError } from '../errors.js';
import { serviceSchema } from './definition.js';
import { formatPath, fromZodIssues, issuesError, type ConfigIssue } from './issues.js';

/** Every key optional; CLI flags and `PresenceService.start({ settings })` override the file. */
export interface ServiceSection {
  /** TCP address of the data listener. */
  host?: string;
  /** TCP port of the data listener (0 picks a free one). */
  port?: number;
  /** Unix domain socket of the data listener; with it set, TCP listens only if `host` or `port` is set too. */
  socket?: string;
  /** File mode of `socket` and `admin_socket`, octal (`"0660"`); default: what the umask gives. */
  socket_mode?: string;
  /** TCP address of the admin listener (only with `admin_port`). */
  admin_host?: string;
  /** TCP port of a separate admin listener; off by default. */
  admin_port?: number;
  /** Unix domain socket of a separate admin listener; off by default. */
  admin_socket?: string;
  /** Bearer token that admin routes require wherever they are served (env PRESENCE_SANDBOX_ADMIN_TOKEN for the CLI). */
  admin_token?: string;
  /** Host header names accepted besides IP literals and `localhost`; `["*"]` accepts any. */
  allowed_hosts?: string[];
  /** Time to receive a request's headers. */
  header_timeout_ms?: number;
  /** Time to receive a whole request, body included. */
  request_timeout_ms?: number;
  /** An idle keep-alive connection is closed after this long. */
  keep_alive_timeout_ms?: number;
  /** A response the client has not taken within this long is abandoned and its connection closed. */
  send_timeout_ms?: number;
  /** Open connections per listener; past it new ones are closed at once. */
  max_connections?: number;
  /** Largest request body, in bytes; a larger one is a 413 and its connection is closed unread. */
  max_body_bytes?: number;
  /** Largest request head (request line and headers), in bytes; past it a 431. */
  max_header_bytes?: number;
  /** On SIGTERM, calls in flight get this long to finish before every connection is closed. */
  shutdown_grace_ms?: number;
  /** Interval of the `: heartbeat` comment on /v1/events. */
  events_heartbeat_ms?: number;
  /** Bytes buffered for one events subscriber before it is disconnected as too slow. */
  events_buffer_bytes?: number;
  /** Events kept for replay with Last-Event-ID (and for subscribers that connect after start-up). */
  events_backlog?: number;
  /** Bytes of events kept for replay. */
  events_backlog_bytes?: number;
}

type Kind = 'int' | 'port' | 'string' | 'mode' | 'token' | 'hosts';
/** How a key is checked (definition.ts turns each kind into its schema). */
export interface ServiceKeySpec {
  kind: Kind;
  /** Upper bound for ints: keeps a typo (an extra zero or three) from switching a limit off. */
  max?: number;
}

const MIB = 1024 * 1024;
export const SERVICE_KEYS: Record<keyof ServiceSection, ServiceKeySpec> = {
  host: { kind: 'string' },
  port: { kind: 'port' },
  socket: { kind: 'string' },
  socket_mode: { kind: 'mode' },
  admin_host: { kind: 'string' },
  admin_port: { kind: 'port' },
  admin_socket: { kind: 'string' },
  admin_token: { kind: 'token' },
  allowed_hosts: { kind: 'hosts' },
  header_timeout_ms: { kind: 'int', max: 600_000 },
  request_timeout_ms: { kind: 'int', max: 3_600_000 },
  keep_alive_timeout_ms: { kind: 'int', max: 3_600_000 },
  send_timeout_ms: { kind: 'int', max: 3_600_000 },
  max_connections: { kind: 'int', max: 1_000_000 },
  max_body_bytes: { kind: 'int', max: 1024 * MIB },
  max_header_bytes: { kind: 'int', max: 1 * MIB },
  shutdown_grace_ms: { kind: 'int', max: 3_600_000 },
  events_heartbeat_ms: { kind: 'int', max: 3_600_000 },
  events_buffer_bytes: { kind: 'int', max: 1024 * MIB },
  events_backlog: { kind: 'int', max: 1_000_000 },
  events_backlog_bytes: { kind: 'int', max: 1024 * MIB },
};

/** Keys that have a default; the listeners' optional keys (socket, admin_*) stay unset unless given. */
export const DEFAULT_SERVICE = Object.freeze({
  host: '127.0.0.1',
  port: 8880,
  allowed_hosts: [] as string[],
  header_timeout_ms: 5_000,
  request_timeout_ms: 10_000,
  keep_alive_timeout_ms: 30_000,
  send_timeout_ms: 10_000,
  max_connections: 1024,
  max_body_bytes: 32 * MIB,
  max_header_bytes: 16 * 1024,
  shutdown_grace_ms: 5_000,
  events_heartbeat_ms: 5_000,
  events_buffer_bytes: 4 * MIB,
  events_backlog: 1000,
  events_backlog_bytes: 1 * MIB,
});

/** The filled settings the service runs on. */
export type ServiceSettings = typeof DEFAULT_SERVICE &
  Pick<ServiceSection, 'socket' | 'socket_mode' | 'admin_host' | 'admin_port' | 'admin_socket' | 'admin_token'> & {
    /** False when only a Unix socket was asked for. */
    tcp: boolean;
  };

/** Validate a `service:` section (or overrides given under `where`, e.g. `--port`); unknown keys are errors. */
export function parseServiceSection(value: unknown, path = 'service', name: (key: string) => string = (k) => `${path}.${k}`): ServiceSection {
  if (value === undefined || value === null) return {};
  const parsed = serviceSchema().safeParse(value);
  if (!parsed.success) {
    throw issuesError(fromZodIssues(parsed.error.issues, (p) => (p.length === 0 ? path : formatPath(p.slice(1), name(String(p[0]))))));
  }
  const section = parsed.data as ServiceSection;
  if (section.allowed_hosts) section.allowed_hosts = section.allowed_hosts.map((h) => h.toLowerCase());
  return section;
}

/** Fill the defaults: the file's section, then the overrides (CLI flags, the embedding code). */
export function fillServiceSettings(fromFile: ServiceSection, overrides: ServiceSection = {}): ServiceSettings {
  const given = { ...fromFile, ...overrides };
  const settings = { ...DEFAULT_SERVICE, ...given } as ServiceSettings;
  settings.tcp = given.socket === undefined || given.host !== undefined || given.port !== undefined;
  const [first] = serviceSettingIssues(settings);
  if (first) throw configError(first.path, first.message);
  return settings;
}

/** The rules across `service:` keys, on the filled settings. */
export function serviceSettingIssues(settings: ServiceSettings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (settings.header_timeout_ms > settings.request_timeout_ms) {
    // Node refuses a header deadline past the whole request's.
    issues.push({ path: 'service.header_timeout_ms', message: `must be at most service.request_timeout_ms (${settings.request_timeout_ms})` });
  }
  if (settings.events_backlog_bytes > settings.events_buffer_bytes) {
    // A subscriber that connects is sent the whole backlog at once: it must fit its buffer.
    issues.push({ path: 'service.events_backlog_bytes', message: `must be at most service.events_buffer_bytes (${settings.events_buffer_bytes})` });
  }
  if (settings.admin_host !== undefined && settings.admin_port === undefined) {
    issues.push({ path: 'service.admin_host', message: 'needs service.admin_port (the admin listener is off without it)' });
  }
  return issues;
}

/** CLI flag names: `header_timeout_ms` is `--header-timeout-ms`. */
export function serviceFlag(key: string): string {
  return `--${key.replace(/_/g, '-')}`;
}

/**
 * Turn CLI flag strings into a section of typed values, validated with the flag's name in messages (or
 * `name`'s: the CLI's environment variables go through here too).
 */
export function serviceFlags(values: Record<string, unknown>, name: (key: string) => string = serviceFlag): ServiceSection {
  const raw: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SERVICE_KEYS)) {
    // A secret on the command line is visible to every local user (ps): the token comes from the file or env.
    if (key === 'admin_token') continue;
    const v = values[serviceFlag(key).slice(2)];
    if (typeof v !== 'string') continue;
    raw[key] = spec.kind === 'int' || spec.kind === 'port' ? (/^\d+$/.test(v) ? Number(v) : v) : spec.kind === 'hosts' ? v.split(',') : v;
  }
  return parseServiceSection(raw, '(flags)', name);
}
