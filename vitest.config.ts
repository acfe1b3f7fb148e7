import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The box has 2 cores and several tests start worker threads of their own: two files at a time.
    maxWorkers: 2,
    pool: 'forks',
    // Process tests run the compiled server (dist/), as npm start does: build it once first.
    globalSetup: ['test/build-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'test/no-allocation.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // Alone, after everything else: the zero-allocation check measures optimized steady-state
        // code, and a machine busy with other test files can leave the optimizing compiler behind.
        extends: true,
        test: { name: 'isolated', include: ['test/no-allocation.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
