#!/usr/bin/env node
/** `presence-sandbox`: the command-line entry. Errors are one `error:` line on stderr; see exitCodeFor. */
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import { initCommand } from './init.js';
import { interestedCommand } from './interested.js';
import { routeCommand } from './route.js';
import { schemaCommand } from './schema.js';
import { serveCommand } from './serve.js';
import { FLAG_ENVIRONMENT } from './environment.js';
import { UsageError, exitCodeFor, parseCommandArgs, type Command } from './usage.js';
import { validateCommand } from './validate.js';
import { packageVersion } from './version.js';

const commands: Command[] = [serveCommand, routeCommand, interestedCommand, checkCommand, validateCommand, schemaCommand, initCommand, buildCommand];

const HELP = `Usage: presence-sandbox <command> [options]

Host Matrix presence router modules (WebAssembly) in a sandbox, with Synapse's semantics.

Commands:
${commands.map((c) => `  ${c.name.padEnd(12)}${c.summary}`).join('\n')}

Run presence-sandbox <command> --help for a command's options.

Options:
  -V, --version   print the version
  -h, --help      show this help

Environment variables (a flag given wins over its variable; an empty one counts as unset):
${Object.entries(FLAG_ENVIRONMENT).map(([flag, variable]) => `  ${variable.padEnd(28)}--${flag}`).join('\n')}
  ${'LOG_LEVEL'.padEnd(28)}--log-level, when ${FLAG_ENVIRONMENT['log-level']} is unset`;

// `presence-sandbox route ... | head`: once the reader is gone, nothing more can be said; stop at once
// with status 0, as Unix tools do, rather than die of an unhandled 'error' event with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`error: writing to stdout: ${err.message}\n`);
  process.exit(1);
});

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP + '\n');
    if (name === undefined) process.exitCode = 2;
    return;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(packageVersion() + '\n');
    return;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${commands.map((c) => c.name).join(', ')})`);
  const values = parseCommandArgs(command, rest);
  if (values.help) {
    process.stdout.write(command.usage + '\n');
    return;
  }
  await command.run(values);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = exitCodeFor(err);
});
