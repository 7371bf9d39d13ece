/** CLI plumbing shared by every command: usage errors, exit codes, and reading inputs. */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, SandboxError } from '../errors.js';
import { flagOrEnvironment, variableFor } from './environment.js';
import { UsageError } from './usage-error.js';

export { UsageError };

/** Exit 2 for usage, config and module-load errors (the operator must fix something); 1 for anything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  const code = (err as SandboxError)?.code;
  return code === ErrorCode.CONFIG_INVALID || code === ErrorCode.CONFIG_UNREADABLE || code === ErrorCode.MODULE_REFUSED
    ? 2
    : 1;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** String options that may also stand alone, and the value they then have (`--report` = `--report=table`). */
  bareValues?: Record<string, string>;
  run(values: Record<string, string | boolean | undefined>): Promise<void>;
}

export function parseCommandArgs(command: Command, argv: string[]): Record<string, string | boolean | undefined> {
  // parseArgs has no optional values: a bare one is written out before it parses.
  const bare = command.bareValues ?? {};
  const args = argv.map((arg) => (arg.startsWith('--') && Object.hasOwn(bare, arg.slice(2)) ? `${arg}=${bare[arg.slice(2)]}` : arg));
  try {
    const { values } = parseArgs({ args, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values;
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message} (see presence-sandbox ${command.name} --help)`);
  }
}

/** A required flag's value, or its environment variable's (environment.ts) when the flag is not given. */
export function requireOption(values: Record<string, unknown>, name: string, command: string): string {
  const value = flagOrEnvironment(values, name);
  if (value === undefined || value === '') {
    const variable = variableFor(name);
    throw new UsageError(`${command}: --${name} is required${variable ? ` (or ${variable})` : ''} (see presence-sandbox ${command} --help)`);
  }
  return value;
}

/** Read a JSON file, or stdin for `-`. */
export async function readJson(source: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SandboxError(ErrorCode.INVALID_INPUT, `${what} ${source === '-' ? '(stdin)' : source}: invalid JSON: ${(err as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
