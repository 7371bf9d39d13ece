/**
 * `presence-sandbox validate`: every problem at once, one per line, without starting anything.
 * Exit 0 when valid, 2 when not (as for any config error), like the other commands.
 */
import { issueText } from '../config/issues.js';
import { listenerWarnings, validateHomeserver, validateSidecarConfig, type FileReport } from '../config/validate-files.js';
import { UsageError, type Command } from './usage.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config (or a Synapse homeserver.yaml) and report every problem at once',
  usage: `Usage: presence-sandbox validate --config FILE [--homeserver HOMESERVER_YAML]
       presence-sandbox validate --homeserver HOMESERVER_YAML

Checks what serve would refuse a config for, without starting it: YAML, every key's type and range,
the rules across keys, unique module names, each module's file (it exists and matches its sha256: pin).
Prints each problem on its own line, "error: FILE: PATH: what to fix", and exits 2; exits 0 when valid.
(Modules are not compiled: serve and check still refuse a .wasm that breaks the ABI or the limits.)

--homeserver reads Synapse's whole homeserver.yaml and ignores every key but modules: and presence:.
In modules:, the entry whose module: is presence_sandbox_synapse.PresenceSandboxRouter is checked as
that Synapse module checks its config: (url, timeout_s, ...); a bundled module name or a .wasm path is
checked as a sidecar config's entry; other Synapse modules are skipped (and listed). With --config as
well, a warning says when no URL of the Synapse module names the sidecar config's listener.

Options:
  --config FILE               the sidecar's YAML config (as serve reads it)
  --homeserver FILE           Synapse's homeserver.yaml
  -h, --help                  show this help`,
  options: { config: { type: 'string' }, homeserver: { type: 'string' } },
  async run(values) {
    const config = typeof values.config === 'string' && values.config !== '' ? values.config : undefined;
    const homeserver = typeof values.homeserver === 'string' && values.homeserver !== '' ? values.homeserver : undefined;
    if (config === undefined && homeserver === undefined) {
      throw new UsageError('validate: --config or --homeserver is required (see presence-sandbox validate --help)');
    }
    const sidecar = config === undefined ? undefined : await validateSidecarConfig(config);
    const synapse = homeserver === undefined ? undefined : await validateHomeserver(homeserver);
    const reports = [sidecar, synapse].filter((r): r is FileReport => r !== undefined);
    if (sidecar && synapse && sidecar.issues.length === 0 && synapse.issues.length === 0) {
      synapse.warnings.push(...listenerWarnings(synapse, sidecar));
    }
    for (const report of reports) {
      for (const warning of report.warnings) process.stderr.write(`warning: ${report.file}: ${warning}\n`);
      for (const issue of report.issues) {
        // YAML errors and an empty file are already named by the file (and line).
        const where = issue.path.startsWith(report.file) ? '' : `${report.file}: `;
        process.stderr.write(`error: ${where}${issueText(issue)}\n`);
      }
      if (report.issues.length === 0) process.stdout.write(`${report.file}: valid: ${report.summary}\n`);
    }
    const problems = reports.reduce((n, r) => n + r.issues.length, 0);
    if (problems > 0) {
      process.stderr.write(`${problems} ${problems === 1 ? 'problem' : 'problems'} found\n`);
      process.exitCode = 2;
    }
  },
};
