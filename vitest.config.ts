import { defineConfig } from 'vitest/config';

// Integration tests start real anvil chains, PGlite databases and helia nodes; on a busy 2-core
// machine they need generous timeouts, and a few forks keep them from starving each other.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/faults/slow/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 3,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
