import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault matrix runs four sidecars with every fake exchange for two minutes: it has its own
    // stage (vitest.matrix.config.mts) so its load does not skew the timing of the tests here.
    exclude: [...configDefaults.exclude, 'test/matrix/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real processes and servers; two cores in CI.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
