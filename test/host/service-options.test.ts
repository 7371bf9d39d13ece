/**
 * The config's `service:` section: every key validated with a message naming its path (or its CLI flag),
 * the defaults, and the cross-checks (header deadline within the request's, backlog within a buffer).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE, PresenceHost, PresenceService, type SandboxError } from '../helpers/host.js';
import { runCli } from '../helpers/cli.js';

async function refused(config: unknown): Promise<SandboxError> {
  return PresenceHost.create(config).then(
    async (host) => {
      await host.close();
      throw new Error('config was accepted');
    },
    (e: SandboxError) => e,
  );
}

describe('service: section', () => {
  const cases: [string, unknown, string][] = [
    ['unknown key', { service: { prot: 8880 } }, 'service.prot: unknown key'],
    ['not a map', { service: 8880 }, 'service: expected a map'],
    ['port out of range', { service: { port: 70000 } }, 'service.port: must be an integer from 0 to 65535'],
    ['port a string', { service: { port: '8880' } }, 'service.port: must be an integer'],
    ['zero timeout', { service: { header_timeout_ms: 0 } }, 'service.header_timeout_ms: must be a positive integer'],
    ['absurd timeout', { service: { send_timeout_ms: 10 ** 9 } }, 'service.send_timeout_ms: must be a positive integer up to'],
    ['socket mode as a number', { service: { socket_mode: 660 } }, 'service.socket_mode: must be an octal file mode in quotes'],
    ['short token', { service: { admin_token: 'secret' } }, 'service.admin_token: must be at least 16'],
    ['token with a space', { service: { admin_token: 'a long token with spaces' } }, 'service.admin_token: must be at least 16 printable ASCII characters without spaces'],
    ['allowed_hosts not a list', { service: { allowed_hosts: 'example.org' } }, 'service.allowed_hosts: must be a list of host names'],
  ];
  for (const [name, config, message] of cases) {
    it(name, async () => {
      const e = await refused(config);
      expect(e.code).toBe('config_invalid');
      expect(e.message).toContain(message);
    });
  }

  it('has sidecar defaults: seconds, not minutes', () => {
    expect(DEFAULT_SERVICE).toMatchObject({
      host: '127.0.0.1',
      port: 8880,
      header_timeout_ms: 5000,
      request_timeout_ms: 10000,
      keep_alive_timeout_ms: 30000,
      send_timeout_ms: 10000,
      max_connections: 1024,
      max_body_bytes: 32 * 1024 * 1024,
      shutdown_grace_ms: 5000,
    });
  });

  it('is checked across keys when the service starts, naming the key to change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'service-options-'));
    const file = join(dir, 'config.yaml');
    for (const [yaml, message] of [
      ['modules: []\nservice: { header_timeout_ms: 20000, request_timeout_ms: 10000 }\n', 'service.header_timeout_ms: must be at most service.request_timeout_ms (10000)'],
      ['modules: []\nservice: { events_backlog_bytes: 8388608 }\n', 'service.events_backlog_bytes: must be at most service.events_buffer_bytes'],
      ['modules: []\nservice: { admin_host: 127.0.0.1 }\n', 'service.admin_host: needs service.admin_port'],
    ]) {
      await writeFile(file, yaml);
      await expect(PresenceService.start({ config: file, port: 0 })).rejects.toThrow(message);
    }
  });

  it('CLI flags are validated with the flag\'s name, and exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'service-flags-'));
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'modules: []\n');
    const port = await runCli(['serve', '--config', file, '--port', 'abc']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port: must be an integer from 0 to 65535');
    const grace = await runCli(['serve', '--config', file, '--shutdown-grace-ms', '0']);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toContain('--shutdown-grace-ms: must be a positive integer');
    const unknown = await runCli(['serve', '--config', file, '--admin-token', 'x'.repeat(20)]);
    expect(unknown.code).toBe(2); // the token never on a command line
  });

  it('an empty config file is refused by the service (the library still serves no modules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'service-empty-'));
    const file = join(dir, 'config.yaml');
    await writeFile(file, '');
    const run = await runCli(['serve', '--config', file, '--port', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is empty; to serve no modules on purpose, write `modules: []`');
  });
});
