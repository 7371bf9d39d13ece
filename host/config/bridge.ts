/**
 * The Synapse module's `config:` (integrations/synapse/presence_sandbox_synapse/config.py), checked the
 * way that module checks it when Synapse starts, so `validate --homeserver` finds the same mistakes
 * before a restart does. Keep the two in step: config.py is the one Synapse runs.
 */
import { z } from 'zod';
import { describe } from '../errors.js';
import { nonEmptyString, strictMap } from './definition.js';
import { fromZodIssues, formatPath, type ConfigIssue } from './issues.js';

/** The class an operator writes in homeserver.yaml's `modules:` (README, "Use it with Synapse"). */
export const BRIDGE_CLASS = 'presence_sandbox_synapse.PresenceSandboxRouter';

// http://HOST:PORT[/base] (a bracketed IPv6 literal allowed), or unix:/absolute/path (unix:///path too).
const TCP_URL = /^http:\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#@[\]\s]+):(\d{1,5})(\/[^?#\s]*)?$/;
const UNIX_URL = /^unix:(\/\/)?\/[^\s]*$/;

/** One sidecar address as the Synapse module reads it. */
export interface BridgeSidecar {
  url: string;
  host?: string;
  port?: number;
  socket?: string;
}

export function parseSidecarUrl(url: string): BridgeSidecar | undefined {
  if (UNIX_URL.test(url)) return { url, socket: url.slice('unix:'.length).replace(/^\/\//, '') };
  const match = TCP_URL.exec(url);
  const port = Number(match?.[2]);
  if (!match || port > 65535) return undefined;
  return { url, host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

const urlMessage = (v: unknown) =>
  `expected a URL like http://127.0.0.1:8880 or unix:/run/presence-sandbox.sock (no query, fragment or credentials) (got ${describe(v)})`;
const sidecarUrl = z.string({ error: (i) => urlMessage(i.input) }).refine((u) => parseSidecarUrl(u) !== undefined, { error: (i) => urlMessage(i.input) });

function seconds(most: number) {
  const m = { error: (i: { input?: unknown }) => `expected a number of seconds, more than 0 and at most ${most} (got ${describe(i.input)})` };
  return z.number(m).gt(0, m).lte(most, m).optional();
}

function bridgeSchema() {
  const bytes = { error: (i: { input?: unknown }) => `expected an integer number of bytes, at least 1024 (got ${describe(i.input)})` };
  return strictMap(
    {
      url: z.union([sidecarUrl, z.array(sidecarUrl).min(1, { error: 'an empty list: give at least one sidecar URL' })], {
        error: (i) => (i.input === undefined ? "required: the sidecar's URL, like http://127.0.0.1:8880, or a list of them" : urlMessage(i.input)),
      }),
      timeout_s: seconds(60),
      backoff_s: seconds(3600),
      backoff_max_s: seconds(86400),
      presence_writer: nonEmptyString().optional(),
      events: z.boolean({ error: (i) => `expected true or false (got ${describe(i.input)})` }).optional(),
      max_answer_bytes: z.int(bytes).min(1024, bytes).optional(),
    },
    "a map of the module's options",
  );
}

/** Problems in one entry's `config:` at `path` (`modules[1]`), and the sidecars it names when it has none. */
export function checkBridgeConfig(config: unknown, path: string): { issues: ConfigIssue[]; sidecars: BridgeSidecar[] } {
  const where = `${path}.config`;
  const parsed = bridgeSchema().safeParse(config ?? {});
  if (!parsed.success) {
    // A union reports each of its branches; the operator needs one line per key.
    const issues = fromZodIssues(parsed.error.issues, (p) => formatPath(p, where));
    return { issues: issues.filter((issue, i) => issues.findIndex((o) => o.path === issue.path) === i), sidecars: [] };
  }
  const options = parsed.data as { url: string | string[]; backoff_s?: number; backoff_max_s?: number };
  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  const issues: ConfigIssue[] = [];
  if (new Set(urls).size !== urls.length) issues.push({ path: `${where}.url`, message: 'a sidecar URL is listed twice' });
  const backoff = options.backoff_s ?? 1;
  if (options.backoff_max_s !== undefined && options.backoff_max_s < backoff) {
    issues.push({ path: `${where}.backoff_max_s`, message: `must be at least backoff_s (${backoff}) (got ${options.backoff_max_s})` });
  }
  return { issues, sidecars: urls.map((u) => parseSidecarUrl(u)!) };
}
