import { defineConfig } from 'vitest/config';

// The slow part of the fault-injection suite (`npm run test:faults`, also run by .ci/run):
// PostgreSQL restarts, leader kills with child processes. The fast part runs in `npm test`.
export default defineConfig({
  test: {
    include: ['test/faults/slow/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
