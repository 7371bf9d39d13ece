/**
 * What `route` and `interested` show of the modules on stderr, by log level: stdout carries the answer,
 * so by default (no --log-level, PRESENCE_SANDBOX_LOG_LEVEL or LOG_LEVEL) only warnings and errors, as
 * the host's default log does; `--log-level debug` adds every log line of the modules (with its level)
 * and their send_local_online_presence_to calls, which would otherwise go nowhere.
 */
import pino from 'pino';
import type { HostLogEntry, HostOptions } from '../host-options.js';
import { FLAG_ENVIRONMENT, LOG_LEVEL_NAMES, flagOrEnvironment, logLevel } from './environment.js';

/** The option both commands add, and its line of usage. */
export const LOG_LEVEL_OPTION = { 'log-level': { type: 'string' } } as const;
/** The option's help, its continuation lines indented to `column` (where the command's descriptions start). */
export const logLevelUsage = (column: number): string =>
  [
    `  --log-level LEVEL  the modules' log lines at LEVEL and above on stderr; at debug, their`,
    `send_local_online_presence_to calls too (default: warnings and errors only; env`,
    `${FLAG_ENVIRONMENT['log-level']}, then LOG_LEVEL): ${LOG_LEVEL_NAMES.join('|')}`,
  ].join(`\n${' '.repeat(column)}`);

const rank = (level: string): number => (level === 'silent' ? Infinity : pino.levels.values[level]!);

/** The host options that write the modules' lines at the chosen level to `write` (stderr). */
export function moduleOutput(
  values: Record<string, unknown>,
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stderr.write(line),
): HostOptions {
  const given = flagOrEnvironment(values, 'log-level', env) !== undefined || (env.LOG_LEVEL ?? '') !== '';
  // logLevel also validates a level that is given (a usage error, exit 2, naming its source).
  const threshold = rank(given ? logLevel(values, command, env) : 'warn');
  const line = (level: string, module: string | undefined, message: string) =>
    write(`${level}${module === undefined ? '' : ` [${module}]`}: ${message}\n`);
  const options: HostOptions = {
    log: (entry: HostLogEntry) => {
      if (rank(entry.level) >= threshold) line(entry.level, entry.module, entry.message);
    },
  };
  if (rank('debug') >= threshold) {
    options.onSendLocalOnlinePresenceTo = (users, module) => line('debug', module, `send_local_online_presence_to ${JSON.stringify(users)}`);
  }
  return options;
}
