import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The box has 2 cores and several tests start worker threads of their own: two files at a time.
    maxWorkers: 2,
    pool: 'forks',
  },
});
