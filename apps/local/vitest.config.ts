import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The end-to-end tests measure lag on the whole local stack: test files run one at a time so
    // that they do not compete for the CPU (CI runners have two cores).
    fileParallelism: false,
  },
});
