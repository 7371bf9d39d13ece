/**
 * `presence-sandbox validate` as an operator runs it: every problem at once, one `error:` line each,
 * exit 2; exit 0 and a summary when valid; and a whole homeserver.yaml, where only presence-sandbox's
 * entries are checked (the Synapse module's config as config.py checks it).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

describe('validate --config', () => {
  it('exits 0 on the bundled config, naming its modules', async () => {
    const run = await runCli(['validate', '--config', 'modules/presence-sandbox.yaml']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('modules/presence-sandbox.yaml: valid: 2 modules: modules[0] (custom_presence_router), presence.presence_router (example_presence_router)\n');
  });

  it('reports every problem on its own line and exits 2', async () => {
    const config = await file(
      'bad.yaml',
      [
        'modules:',
        '  - module: example_presence_router',
        '    name: router',
        '    sandbox: { call_timeout_ms: -1 }',
        '  - module: no_such_router',
        '    name: router',
        'sandbox: { quarantine_ms: 5000, quarantine_max_ms: 100, threds: 2 }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['validate', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const allowed = 'threads, call_timeout_ms, load_timeout_ms, max_module_bytes, max_output_bytes, max_batch_states';
    expect(errors(run.stderr)).toEqual([
      `error: ${config}: modules[0].sandbox.call_timeout_ms: must be a positive integer up to 600000 (got -1)`,
      expect.stringMatching(new RegExp(`^error: ${config}: sandbox\\.threds: unknown key \\(allowed here: ${allowed}, .*, max_pending_calls\\)$`)),
      `error: ${config}: sandbox.quarantine_max_ms: must be at least quarantine_ms (5000)`,
      `error: ${config}: modules[1].name: "router" is already the name of modules[0]; give each entry its own name`,
    ]);
    expect(run.stderr).toContain('4 problems found');
  });

  it('then checks each module\'s file and pin, and the service\'s rules across keys', async () => {
    const custom = join(root, 'modules/custom_presence_router/build/release.wasm');
    const digest = createHash('sha256').update(await readFile(custom)).digest('hex');
    const config = await file(
      'files.yaml',
      ['modules:', '  - module: no_such_router', '  - module: custom_presence_router', `    sha256: "${'0'.repeat(64)}"`, 'service: { header_timeout_ms: 20000 }', ''].join('\n'),
    );
    const run = await runCli(['validate', '--config', config]);
    expect(run.code).toBe(2);
    const lines = errors(run.stderr);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(`${config}: modules[0].module: modules[0] (no_such_router) refused (unknown_module): no bundled module named "no_such_router"`);
    expect(lines[1]).toContain(`modules[1].sha256: modules[1] (custom_presence_router) refused (sha256_mismatch): modules[1].sha256 pins ${'0'.repeat(64)} but ${custom} has SHA-256 ${digest}`);
    expect(lines[2]).toBe(`error: ${config}: service.header_timeout_ms: must be at most service.request_timeout_ms (10000)`);
  });

  it('says what serve would: every YAML error, an empty file', async () => {
    const yaml = await file('yaml.yaml', 'modules:\n  - module: a\n  - module: a\n    module: b\nsandbox: [\n');
    const bad = await runCli(['validate', '--config', yaml]);
    expect(bad.code).toBe(2);
    expect(errors(bad.stderr).length).toBeGreaterThanOrEqual(2);
    for (const line of errors(bad.stderr)) expect(line).toMatch(new RegExp(`^error: ${yaml}:\\d+:\\d+: invalid YAML: `));
    const empty = await runCli(['validate', '--config', await file('empty.yaml', '# nothing\n')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('holds no settings (only comments or an empty document); to serve no modules on purpose, write `modules: []`');
  });

  it('warns about the deprecated presence.routing_module and still exits 0', async () => {
    const run = await runCli(['validate', '--config', await file('alias.yaml', 'presence:\n  routing_module:\n    module: example_presence_router\n')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: ');
    expect(run.stderr).toContain('presence.routing_module is deprecated (Synapse reads presence.presence_router): rename the key');
  });

  it('needs a file (a usage error), and a readable one', async () => {
    expect((await runCli(['validate'])).code).toBe(2);
    const missing = await runCli(['validate', '--config', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read config');
  });
});

const HOMESERVER = (bridgeConfig: string, extra = '') => `server_name: example.com
listeners:
  - port: 8008
    type: http
database: { name: sqlite3, args: { database: /tmp/x.db } }
presence:
  enabled: true
modules:
  - module: synapse_auto_accept_invite.InviteAutoAccepter
    config: { accept_invites_only_for_direct_messages: true }
  - module: presence_sandbox_synapse.PresenceSandboxRouter
    config:
${bridgeConfig}
${extra}`;

describe('validate --homeserver', () => {
  it('checks the Synapse module\'s entry, skips the others and ignores every other Synapse key', async () => {
    const hs = await file('homeserver.yaml', HOMESERVER('      url: [http://127.0.0.1:8880, "unix:/run/presence-sandbox/sidecar.sock"]\n      timeout_s: 0.5'));
    const run = await runCli(['validate', '--homeserver', hs]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${hs}: valid: modules[1] (presence_sandbox_synapse) -> http://127.0.0.1:8880, unix:/run/presence-sandbox/sidecar.sock; ` +
        `skipped (not presence-sandbox's): modules[0] (synapse_auto_accept_invite.InviteAutoAccepter)\n`,
    );
  });

  it('reports every problem in the Synapse module\'s config, at its place in homeserver.yaml', async () => {
    const hs = await file('hs-bad.yaml', HOMESERVER('      url: [http://127.0.0.1, "unix:relative.sock"]\n      timeout_s: 0\n      retries: 3'));
    const run = await runCli(['validate', '--homeserver', hs]);
    expect(run.code).toBe(2);
    const lines = errors(run.stderr);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`error: ${hs}: modules[1].config.url[0]: expected a URL like http://127.0.0.1:8880 or unix:/run/presence-sandbox.sock (no query, fragment or credentials) (got "http://127.0.0.1")`);
    expect(lines[1]).toContain('modules[1].config.url[1]: expected a URL');
    expect(lines[2]).toBe(`error: ${hs}: modules[1].config.timeout_s: expected a number of seconds, more than 0 and at most 60 (got 0)`);
    expect(lines[3]).toMatch(/modules\[1\]\.config\.retries: unknown key \(allowed here: url, timeout_s, /);
  });

  it('checks sandbox modules a homeserver-shaped file carries, at their place in Synapse\'s list', async () => {
    const hs = await file(
      'hs-sandbox.yaml',
      HOMESERVER('      url: http://127.0.0.1:8880', '  - module: custom_presence_router\n    sandbox: { threads: 0 }\n  - module: example_presence_router\n'),
    );
    const run = await runCli(['validate', '--homeserver', hs]);
    expect(run.code).toBe(2);
    expect(errors(run.stderr)).toEqual([`error: ${hs}: modules[2].sandbox.threads: must be a positive integer up to 64 (got 0)`]);
    const fixed = await file('hs-sandbox-ok.yaml', HOMESERVER('      url: http://127.0.0.1:8880', '  - module: custom_presence_router\n'));
    const ok = await runCli(['validate', '--homeserver', fixed]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('sandbox 1 module: modules[2] (custom_presence_router)');
  });

  it('says so when no entry is presence-sandbox\'s, or the Synapse module sits in the legacy slot', async () => {
    const none = await runCli(['validate', '--homeserver', await file('hs-none.yaml', 'server_name: example.com\nmodules:\n  - module: other.Module\n')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('modules: no entry loads presence_sandbox_synapse.PresenceSandboxRouter');
    const legacy = await runCli([
      'validate',
      '--homeserver',
      await file('hs-legacy.yaml', 'presence:\n  presence_router:\n    module: presence_sandbox_synapse.PresenceSandboxRouter\n    config: { url: "http://127.0.0.1:8880" }\n'),
    ]);
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toContain('presence.presence_router.module: presence_sandbox_synapse.PresenceSandboxRouter is a modules: entry');
  });

  it('with --config too: warns when Synapse\'s URLs name no listener of the sidecar', async () => {
    const hs = await file('hs-port.yaml', HOMESERVER('      url: http://127.0.0.1:9999'));
    const sidecar = await file('sidecar.yaml', 'modules:\n  - module: custom_presence_router\nservice: { port: 8881 }\n');
    const run = await runCli(['validate', '--config', sidecar, '--homeserver', hs]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: ${hs}: modules[1].config.url names no listener of ${sidecar} (it serves http://127.0.0.1:8881); Synapse would not reach this sidecar`);
    const matching = await file('hs-match.yaml', HOMESERVER('      url: http://localhost:8881'));
    const quiet = await runCli(['validate', '--config', sidecar, '--homeserver', matching]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});
