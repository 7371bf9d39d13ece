import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The end-to-end tests against a real Synapse: `npm run test:synapse` (which sets up the chroot first).
// Their files end in .synapse.ts so that `npm test` (test/**/*.test.ts) never picks them up.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/synapse/**/*.synapse.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // One Synapse, one sidecar port, cases in order.
    fileParallelism: false,
    sequence: { concurrent: false },
    reporters: ['default', ['json', { outputFile: 'test/.out/synapse-results.json' }]],
  },
});
