/**
 * The config's one definition (zod): it validates every document and generates the JSON Schema
 * (`presence-sandbox schema`, docs/config.schema.json), so the two cannot drift apart. Limit keys come
 * from the DEFAULT_LIMITS and LIMIT_MAX tables: a row there is all a new limit takes (a boolean default
 * makes a true/false key, a number one a positive integer up to its LIMIT_MAX).
 * Rules across keys (a module's limits merged with `sandbox:`, unique names) are in check.ts: JSON Schema
 * cannot say them, and they are checked on values this definition has already accepted.
 * Each schema is built on first use, not at import (parse.ts holds LIMIT_MAX and imports this file's
 * users, a cycle), then kept: building one is far costlier than checking a document with it.
 */
import { z } from 'zod';
import { describe } from '../errors.js';
import { LIMIT_MAX } from './parse.js';
import { DEFAULT_LIMITS } from './schema.js';
import { SERVICE_KEYS, type ServiceKeySpec } from './service-options.js';

/** Every message is `(got X)`-style: it says what was found, and the path is added by check.ts. */
type Message = (found: unknown) => string;
const said = (message: Message) => ({ error: (issue: { input?: unknown }) => message(issue.input) });

export const HOST_ONLY_LIMITS = { max_pending_calls: 1_000_000 };
export const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

export function positiveInt(max = Number.MAX_SAFE_INTEGER) {
  const m = said((v) => `must be a positive integer up to ${max} (got ${describe(v)})`);
  return z.int(m).min(1, m).max(max, m);
}

export function nonEmptyString() {
  const m = said((v) => (typeof v === 'string' ? `expected a non-empty string (got ${describe(v)})` : `expected a string (got ${describe(v)})`));
  return z.string(m).min(1, m);
}

/** A map that refuses unknown keys, naming the ones it takes: a typo must not turn a limit off. */
export function strictMap(shape: Record<string, z.ZodType>, what = 'a map') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key (allowed here: ${allowed})` : `expected ${what} (got ${describe(issue.input)})`),
  });
}

function limitShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, fallback] of Object.entries(DEFAULT_LIMITS)) {
    const schema =
      typeof fallback === 'boolean'
        ? z.boolean(said((v) => `must be true or false (got ${describe(v)})`))
        : positiveInt((LIMIT_MAX as Record<string, unknown>)[key] as number | undefined);
    // No default in the text: `threads`' depends on the machine, and the committed schema must not.
    shape[key] = schema.optional().meta({ description: 'a sandbox limit: docs/security.md, "Limits", has its default and what it bounds' });
  }
  return shape;
}

export const moduleLimitsSchema = once(() => {
  return strictMap(limitShape());
});

export const hostLimitsSchema = once(() => {
  return strictMap({
    ...limitShape(),
    max_pending_calls: positiveInt(HOST_ONLY_LIMITS.max_pending_calls)
      .optional()
      .meta({ description: 'calls accepted at once; past it a call is refused with overloaded' }),
  });
});

const nameMessage = said((v) => `must be 1 to 64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit (got ${describe(v)})`);
const sha256Message = said((v) => `must be the .wasm file's SHA-256 as 64 hex digits, as sha256sum prints it (got ${describe(v)})`);

export const moduleEntrySchema = once(() => {
  return strictMap({
    module: nonEmptyString().meta({ description: 'a bundled module\'s name (example_presence_router) or a path to a .wasm file, relative to the config file' }),
    name: z
      .string(nameMessage)
      .regex(MODULE_NAME, nameMessage)
      .optional()
      .meta({ description: 'the name logs, metrics and errors use for this module (default: its path and module, e.g. "modules[0] (example_presence_router)"); unique' }),
    sha256: z
      .string(sha256Message)
      .regex(SHA256_HEX, sha256Message)
      .optional()
      .meta({ description: 'pins the module: the .wasm file\'s SHA-256 (sha256sum), checked at every load and reload' }),
    config: z
      .record(z.string(), z.unknown(), said((v) => `expected a map of the module's options (got ${describe(v)})`))
      .nullish()
      .meta({ description: 'the module\'s own config, handed to its init as a map' }),
    sandbox: moduleLimitsSchema().nullish(),
  }).meta({ id: 'module_entry', description: 'a module to serve (Synapse\'s modules: entry shape)' });
});

function serviceKeySchema(spec: ServiceKeySpec): z.ZodType {
  switch (spec.kind) {
    case 'int':
      return positiveInt(spec.max);
    case 'port': {
      const m = said((v) => `must be an integer from 0 to 65535 (got ${describe(v)})`);
      return z.int(m).min(0, m).max(65535, m);
    }
    case 'string':
      return nonEmptyString();
    case 'mode': {
      const m = said((v) => `must be an octal file mode in quotes, like "0660" (got ${describe(v)})`);
      return z.string(m).regex(/^0?[0-7]{3}$/, m);
    }
    case 'token': {
      // Never echo the value: it is (nearly) a secret.
      const m = said(() => 'must be at least 16 printable ASCII characters without spaces (a long random string)');
      return z.string(m).min(16, m).regex(/^[\x21-\x7e]+$/, m);
    }
    case 'hosts': {
      const m = said((v) => `must be a list of host names, like ["presence-sandbox.internal"] (got ${describe(v)})`);
      return z.array(z.string(m).min(1, m), m);
    }
  }
}

export const serviceSchema = once(() => {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(SERVICE_KEYS)) shape[key] = serviceKeySchema(spec).optional();
  return strictMap(shape);
});

/** The whole document. Absent and null mean the same everywhere (an empty YAML key reads as null). */
export const configSchema = once(() => {
  const entry = moduleEntrySchema();
  return strictMap({
    modules: z
      .array(entry, said((v) => `expected a list of module entries (got ${describe(v)})`))
      .nullish()
      .meta({ description: 'module entries, served in this order (Synapse\'s modules:)' }),
    presence: strictMap({
      presence_router: entry.nullish().meta({ description: 'Synapse\'s legacy single router; served after every modules: entry' }),
      routing_module: entry.nullish().meta({ description: 'deprecated alias of presence_router' }),
    }).nullish(),
    sandbox: hostLimitsSchema().nullish().meta({ description: 'limits for every module (each entry\'s sandbox: overrides them) and host-wide settings' }),
    service: serviceSchema().nullish().meta({ description: 'the HTTP service\'s listeners, timeouts and limits' }),
  }).meta({ title: 'presence-sandbox config' });
});
