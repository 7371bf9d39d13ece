/**
 * The seed ports give exactly the seeds' routing, alone and combined, legacy and new config together,
 * for random batches and configs: checked against an independent implementation of the seeds and of
 * Synapse's merge (test/reference). Runs through real workers and the bundled Wasm modules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PresenceHost, recorder } from '../helpers/host.js';
import { batch, exampleConfig, userId, SEED_USERS } from '../generators/presence.js';
import { canonical, customRouter, exampleRouter, synapse, type Router } from '../reference/synapse-seeds.js';
import { EXAMPLE_ROUTERS } from '../helpers/rust-module.js';

// One thread, and generous deadlines: a share must never go missing because the machine is busy.
const ONE_THREAD = { threads: 1, call_timeout_ms: 60_000, load_timeout_ms: 60_000 };

interface Setup {
  config: Record<string, unknown>;
  reference: ReturnType<typeof synapse>;
}

async function check(setup: Setup, batches: Parameters<Router['getUsersForStates']>[0][], users: string[]) {
  const rec = recorder();
  const host = await PresenceHost.create({ ...setup.config, sandbox: ONE_THREAD }, rec.options);
  try {
    for (const states of batches) {
      expect(canonical(await host.getUsersForStates(states))).toEqual(canonical(setup.reference.getUsersForStates(states)));
    }
    for (const user of users) expect(await host.getInterestedUsers(user)).toEqual(setup.reference.getInterestedUsers(user));
    expect(rec.faults).toEqual([]);
  } finally {
    await host.close();
  }
}

const probes = fc.uniqueArray(userId, { minLength: 1, maxLength: 6 }).map((u) => [...SEED_USERS, ...u]);

describe('seed routers match Synapse running the seeds', () => {
  it('custom_presence_router alone (empty config)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), probes, async (batches, users) => {
        await check({ config: { modules: [{ module: 'custom_presence_router' }] }, reference: synapse([customRouter()]) }, batches, users);
      }),
      { numRuns: 15 },
    );
  });

  // The example router in both languages (modules/example_presence_router_rust is its Rust twin).
  it.each(EXAMPLE_ROUTERS)('%s alone, as the legacy presence.presence_router', async (example) => {
    await fc.assert(
      fc.asyncProperty(exampleConfig, fc.array(batch, { minLength: 1, maxLength: 4 }), probes, async (config, batches, users) => {
        await check(
          {
            config: { presence: { presence_router: { module: example, config } } },
            reference: synapse([exampleRouter(config)]),
          },
          batches,
          [...users, ...(config.always_send_to_users ?? [])],
        );
      }),
      { numRuns: 20 },
    );
  });

  it('both combined: modules: then the legacy router, merged by Synapse\'s rules', async () => {
    await fc.assert(
      fc.asyncProperty(exampleConfig, fc.array(batch, { minLength: 1, maxLength: 4 }), probes, async (config, batches, users) => {
        await check(
          {
            config: {
              modules: [{ module: 'custom_presence_router' }, { module: 'example_presence_router', config }],
              presence: { presence_router: { module: 'custom_presence_router' } },
            },
            reference: synapse([customRouter(), exampleRouter(config), customRouter()]),
          },
          batches,
          [...users, ...(config.always_send_to_users ?? [])],
        );
      }),
      { numRuns: 15 },
    );
  });

  it('the deprecated presence.routing_module alias serves the same router, with a warning', async () => {
    const config = { always_send_to_users: ['@presence_gobbler:example.org'], blacklisted_users: ['@alice:example.com'] };
    const rec = recorder();
    const host = await PresenceHost.create({ presence: { routing_module: { module: 'example_presence_router', config } }, sandbox: ONE_THREAD }, rec.options);
    try {
      expect(await host.getInterestedUsers('@presence_gobbler:example.org')).toBe('ALL');
      expect(rec.logs.some((l) => l.level === 'warn' && l.message.includes('presence.routing_module is deprecated'))).toBe(true);
    } finally {
      await host.close();
    }
  });
});
