/** Bad config is refused with a message that names the path; the YAML file and object forms agree. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PresenceHost, type SandboxError } from '../helpers/host.js';

async function configError(config: unknown): Promise<SandboxError> {
  return PresenceHost.create(config).then(
    async (host) => {
      await host.close();
      throw new Error('config was accepted');
    },
    (e: SandboxError) => e,
  );
}

describe('config validation names the path', () => {
  const cases: [string, unknown, string][] = [
    ['module not a string', { modules: [{ module: 'example_presence_router' }, { module: 42 }] }, 'modules[1].module: expected a string'],
    ['modules not a list', { modules: { module: 'x' } }, 'modules: expected a list of module entries'],
    ['unknown top-level key', { modulez: [] }, 'modulez: unknown key'],
    ['unknown entry key', { modules: [{ module: 'x', confg: {} }] }, 'modules[0].confg: unknown key'],
    ['config not a map', { modules: [{ module: 'x', config: [1] }] }, 'modules[0].config: expected a map'],
    ['negative timeout', { sandbox: { call_timeout_ms: -1 } }, 'sandbox.call_timeout_ms: must be a positive integer'],
    ['unknown limit', { sandbox: { timeout: 5 } }, 'sandbox.timeout: unknown key'],
    ['stack of 0 MiB', { sandbox: { max_stack_mb: 0 } }, 'sandbox.max_stack_mb: must be a positive integer'],
    ['result entries past the bound', { sandbox: { max_result_entries: 100_000_001 } }, 'sandbox.max_result_entries: must be a positive integer up to 100000000'],
    ['a module config that contains itself', (() => { const c: Record<string, unknown> = {}; c.self = c; return { modules: [{ module: 'x', config: c }] }; })(), 'modules[0].config.self.self'],
    ['a lone surrogate in a module config', { modules: [{ module: 'x', config: { a: { b: ['ok', 'x\ud83d'] } } }] }, 'modules[0].config.a.b[1]: expected Unicode text'],
    ['per-module limit', { modules: [{ module: 'x', sandbox: { threads: 0 } }] }, 'modules[0].sandbox.threads: must be a positive integer'],
    ['fuel metering not a boolean', { sandbox: { fuel_metering: 'yes' } }, 'sandbox.fuel_metering: must be true or false (got'],
    ['per-module fuel metering not a boolean', { modules: [{ module: 'x', sandbox: { fuel_metering: 1 } }] }, 'modules[0].sandbox.fuel_metering: must be true or false'],
    ['fuel budget past the bound', { sandbox: { max_fuel_per_call: 1e13 } }, 'sandbox.max_fuel_per_call: must be a positive integer up to 1000000000000'],
    ['init fuel of 0', { modules: [{ module: 'x', sandbox: { max_fuel_init: 0 } }] }, 'modules[0].sandbox.max_fuel_init: must be a positive integer'],
    [
      'tables at their cap beyond the heap',
      { modules: [{ module: 'x', sandbox: { max_tables: 64, max_table_elements: 1_000_000 } }] },
      'modules[0].sandbox.max_table_elements: max_tables (64) × max_table_elements (1000000) × 48 bytes must fit in half of max_heap_mb (256)',
    ],
    ['unknown presence key', { presence: { router: {} } }, 'presence.router: unknown key'],
    ['legacy router not a map', { presence: { presence_router: 'example_presence_router' } }, 'presence.presence_router: expected a map'],
    [
      'both legacy and alias',
      { presence: { presence_router: { module: 'a' }, routing_module: { module: 'b' } } },
      'presence.routing_module: is the deprecated name of presence.presence_router',
    ],
  ];
  for (const [name, config, message] of cases) {
    it(name, async () => {
      const err = await configError(config);
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain(message);
    });
  }

  it('YAML errors name the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'modules:\n  - module: a\n  module: b\n    config: [\n');
    const err = await PresenceHost.fromFile(file).catch((e: SandboxError) => e);
    expect((err as SandboxError).code).toBe('config_invalid');
    expect((err as SandboxError).message).toContain(file);
  });

  it('a missing config file is config_unreadable', async () => {
    const err = await PresenceHost.fromFile('/nonexistent/config.yaml').catch((e: SandboxError) => e);
    expect((err as SandboxError).code).toBe('config_unreadable');
  });

  it('an empty config serves no modules, as Synapse with no router', async () => {
    const host = await PresenceHost.create(null);
    try {
      expect(await host.getUsersForStates([])).toEqual(new Map());
      expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
    } finally {
      await host.close();
    }
  });
});
