import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The first run builds the schema cache from the provider's 150 MB jsii manifest.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
