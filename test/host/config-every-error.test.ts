/**
 * The library's load path reports every problem of a config in its one config_invalid error (the first
 * one's path in `path`), keeps the host's leniencies (null means absent), and takes every limit of
 * DEFAULT_LIMITS as a key: a row in that table is all a new limit takes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, PresenceHost, type SandboxError } from '../helpers/host.js';

async function refusal(config: unknown): Promise<SandboxError> {
  return PresenceHost.create(config).then(
    async (host) => {
      await host.close();
      throw new Error('config was accepted');
    },
    (e: SandboxError) => e,
  );
}

describe('every problem at once', () => {
  it('in one config_invalid error, each with its path', async () => {
    const err = await refusal({
      modulez: [],
      modules: [{ module: 42 }, { module: 'x', confg: {}, sandbox: { threads: 0, max_heap_mb: 'big' } }, { module: 'y', config: [1] }],
      presence: { presence_router: { module: 'a' }, routing_module: { module: 'b' } },
      sandbox: { quarantine_ms: 10_000, quarantine_max_ms: 5 },
      service: { port: 70000 },
    });
    expect(err.code).toBe('config_invalid');
    const expected = [
      'modules[0].module: expected a string (got 42)',
      'modules[1].sandbox.threads: must be a positive integer up to 64 (got 0)',
      'modules[1].sandbox.max_heap_mb: must be a positive integer up to 65536 (got "big")',
      'modules[1].confg: unknown key (allowed here: module, name, sha256, config, sandbox)',
      "modules[2].config: expected a map of the module's options (got a list)",
      'service.port: must be an integer from 0 to 65535 (got 70000)',
      'modulez: unknown key (allowed here: modules, presence, sandbox, service)',
      'sandbox.quarantine_max_ms: must be at least quarantine_ms (10000)',
      'presence.routing_module: is the deprecated name of presence.presence_router: set only presence.presence_router',
    ];
    expect(err.message).toBe(expected.join('; '));
    expect(err.path).toBe('modules[0].module');
  });

  it('checks a module\'s limits merged with sandbox:\'s, and reports each entry', async () => {
    const err = await refusal({
      modules: [{ module: 'a', sandbox: { max_tables: 64 } }, { module: 'b', sandbox: { max_table_elements: 10_000_000 } }],
      sandbox: { max_heap_mb: 64 },
    });
    expect(err.message).toContain('modules[0].sandbox.max_table_elements: max_tables (64) × max_table_elements (100000) × 48 bytes must fit in half of max_heap_mb (64)');
    expect(err.message).toContain('modules[1].sandbox.max_table_elements: max_tables (4) × max_table_elements (10000000)');
  });
});

describe('the host\'s leniencies', () => {
  it('null is absent, at every level', async () => {
    const host = await PresenceHost.create({ modules: null, presence: { presence_router: null }, sandbox: null, service: null });
    await host.close();
  });
});

describe('limits are data-driven from DEFAULT_LIMITS', () => {
  for (const [key, fallback] of Object.entries(DEFAULT_LIMITS)) {
    it(`${key}: its default is accepted, a wrong value refused naming it`, async () => {
      const host = await PresenceHost.create({ sandbox: { [key]: fallback }, modules: [] });
      await host.close();
      const err = await refusal({ modules: [{ module: 'x', sandbox: { [key]: 'x' } }] });
      const kind = typeof fallback === 'boolean' ? 'must be true or false' : 'must be a positive integer up to';
      expect(err.message).toContain(`modules[0].sandbox.${key}: ${kind}`);
    });
  }
});
