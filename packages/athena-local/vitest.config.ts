import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // Trino starts once per test file, in beforeAll: 20-40 s on two busy cores.
    hookTimeout: 240_000,
    // One Trino at a time: two JVMs starting together on two cores take longer than one after the other.
    fileParallelism: false,
  },
});
