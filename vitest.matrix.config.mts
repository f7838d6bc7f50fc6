import { defineConfig } from 'vitest/config';

// The smaller fault matrix (test/matrix/), run alone by `npm test` after the other vitest tests.
export default defineConfig({
  test: {
    include: ['test/matrix/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
