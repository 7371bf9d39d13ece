/**
 * Every bundled module's two callbacks agree (docs/consistency.md), for arbitrary configs and batches:
 * soundness and batch independence hold, alone and combined. Real hosts, real workers, the bundled
 * Wasm. fast-check's global seed (test/setup/property-seed.ts) is printed and replays a failure, which
 * shrinks to a minimal config and batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchArbitrary, findBatchDependence, findUnsoundRoute, userPool, withSubject, type Subject } from '../helpers/consistency.js';
import type { UserPresenceState } from '../helpers/host.js';
import { BUNDLED } from '../generators/module-configs.js';

/** Hosts start real threads per run: a few configs, several batches each, keep the file well under a minute. */
const CONFIG_RUNS = 20;

async function expectConsistent(subject: Subject, batches: UserPresenceState[][]): Promise<void> {
  for (const batch of batches) {
    expect(await findUnsoundRoute(subject, batch)).toBeUndefined();
    expect(await findBatchDependence(subject, batch)).toBeUndefined();
  }
}

/** Configs, then batches drawn from those configs' own users (plus generated ones), as `check` draws them. */
function configsAndBatches<C>(configs: fc.Arbitrary<C>, configValues: (c: C) => unknown[]) {
  return configs.chain((config) =>
    fc.tuple(fc.constant(config), fc.array(batchArbitrary(userPool(...configValues(config))), { minLength: 1, maxLength: 6 })),
  );
}

describe('each bundled module is sound and batch-independent, for any config', () => {
  for (const { module, config } of BUNDLED) {
    it(module, async () => {
      await fc.assert(
        fc.asyncProperty(configsAndBatches(config, (c) => [c]), async ([moduleConfig, batches]) => {
          await withSubject([{ module, config: moduleConfig }], (subject) => expectConsistent(subject, batches));
        }),
        { numRuns: CONFIG_RUNS },
      );
    });
  }

  it('all four combined, in one host, merged by Synapse\'s rules', async () => {
    const configs = fc.tuple(...BUNDLED.map((b) => b.config));
    await fc.assert(
      fc.asyncProperty(configsAndBatches(configs, (c) => c), async ([moduleConfigs, batches]) => {
        const modules = BUNDLED.map((b, i) => ({ module: b.module, config: moduleConfigs[i]! }));
        await withSubject(modules, (subject) => expectConsistent(subject, batches));
      }),
      { numRuns: CONFIG_RUNS / 2 },
    );
  });
});
