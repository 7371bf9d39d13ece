import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Real worker threads and real Wasm: give each test room, never assert a time. The limit only stops a
    // hung test; it is generous because CI is a loaded 2-core machine where a CLI test can take half a minute.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Each test file in its own process: Piscina pools start real threads, kept apart from vitest's own.
    pool: 'forks',
    // The soak test measures memory after a collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    setupFiles: ['test/setup/property-seed.ts'],
    reporters: ['default', ['json', { outputFile: 'test/.out/results.json' }]],
  },
});
