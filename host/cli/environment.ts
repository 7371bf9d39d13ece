/**
 * Environment variables that stand in for flags, for service managers and containers that set the
 * environment rather than the command line. A flag given wins over its variable; an empty variable
 * counts as unset (`Environment=PRESENCE_SANDBOX_PORT=` in a unit file); a bad value is an error that
 * names the variable, exit 2.
 */
import pino from 'pino';
import { serviceFlags, type ServiceSection } from '../config/service-options.js';
import { UsageError } from './usage-error.js';

/** Flag name -> the variable that stands in for it. LOG_LEVEL is also read, after PRESENCE_SANDBOX_LOG_LEVEL. */
export const FLAG_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  config: 'PRESENCE_SANDBOX_CONFIG',
  host: 'PRESENCE_SANDBOX_HOST',
  port: 'PRESENCE_SANDBOX_PORT',
  socket: 'PRESENCE_SANDBOX_SOCKET',
  'log-level': 'PRESENCE_SANDBOX_LOG_LEVEL',
});
const LEGACY_LOG_LEVEL = 'LOG_LEVEL';

/** pino's levels, from the fewest lines to the most, then `silent` (no logs at all). */
export const LOG_LEVEL_NAMES: readonly string[] = [...Object.keys(pino.levels.values).sort((a, b) => pino.levels.values[b]! - pino.levels.values[a]!), 'silent'];

/** The variable that stands in for a flag, if any. */
export function variableFor(flag: string): string | undefined {
  return Object.hasOwn(FLAG_ENVIRONMENT, flag) ? FLAG_ENVIRONMENT[flag] : undefined;
}

/** The flag's value, else its variable's (undefined when neither is set). */
export function flagOrEnvironment(values: Record<string, unknown>, flag: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = values[flag];
  if (typeof value === 'string') return value;
  const variable = variableFor(flag);
  return variable === undefined ? undefined : nonEmpty(env[variable]);
}

/**
 * `serve`'s listener addresses from the environment, validated under the variables' names; a variable
 * whose flag is given is not read at all (so a flag also gets an operator past a bad value).
 */
export function serviceEnvironment(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ServiceSection {
  const values: Record<string, string> = {};
  for (const flag of ['host', 'port', 'socket']) {
    const value = flags[flag] === undefined ? nonEmpty(env[FLAG_ENVIRONMENT[flag]!]) : undefined;
    if (value !== undefined) values[flag] = value;
  }
  return serviceFlags(values, (key) => FLAG_ENVIRONMENT[key]!);
}

/** The log level: --log-level, else PRESENCE_SANDBOX_LOG_LEVEL, else LOG_LEVEL, else info. */
export function logLevel(values: Record<string, unknown>, command: string, env: NodeJS.ProcessEnv = process.env): string {
  const sources: [string, string | undefined][] = [
    [`${command}: --log-level`, typeof values['log-level'] === 'string' ? values['log-level'] : undefined],
    [FLAG_ENVIRONMENT['log-level']!, nonEmpty(env[FLAG_ENVIRONMENT['log-level']!])],
    [LEGACY_LOG_LEVEL, nonEmpty(env[LEGACY_LOG_LEVEL])],
  ];
  const [source, given] = sources.find(([, v]) => v !== undefined) ?? ['', 'info'];
  // pino throws on an unknown level with its own stack; an operator's typo deserves the list instead.
  const level = given!.toLowerCase();
  if (!LOG_LEVEL_NAMES.includes(level)) {
    throw new UsageError(`${source} must be one of ${LOG_LEVEL_NAMES.join(', ')} (got ${JSON.stringify(given)})`);
  }
  return level;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
