/**
 * Config problems, collected rather than thrown one at a time: `validate` prints every one, and the
 * library's load path throws them together in one `config_invalid` error whose `path` is the first's.
 */
import { ErrorCode, SandboxError } from '../errors.js';

/** One problem: where (`modules[2].sandbox.call_timeout_ms`) and what to do about it. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export function issueText(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** `['modules', 2, 'sandbox']` is `modules[2].sandbox`; the root is `(config)`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let text = prefix;
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? String(part) : `.${String(part)}`;
  return text === '' ? '(config)' : text;
}

interface ZodLikeIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** Zod's issues as ours: one per unknown key, each at the key's own path. */
export function fromZodIssues(issues: readonly ZodLikeIssue[], place: (path: PropertyKey[]) => string): ConfigIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: place([...issue.path, key]), message: issue.message }))
      : [{ path: place(issue.path), message: issue.message }],
  );
}

/** One error for them all: a message per issue, `; `-separated (the CLI prints errors on one line). */
export function issuesError(issues: readonly ConfigIssue[]): SandboxError {
  const [first] = issues;
  if (first === undefined) throw new Error('issuesError: no issues');
  const message = issues.map(issueText).join('; ');
  return new SandboxError(ErrorCode.CONFIG_INVALID, message, { path: first.path });
}
