import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Real worker threads and real Wasm: give each test room, never assert a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each test file in its own process: Piscina pools start real threads, kept apart from vitest's own.
    pool: 'forks',
    // The soak test measures memory after a collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    setupFiles: ['test/setup/property-seed.ts'],
    reporters: ['default', ['json', { outputFile: 'test/.out/results.json' }]],
  },
});
