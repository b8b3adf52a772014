import { defineConfig } from 'vitest/config';

// e2e suites run one file at a time: each starts its own control plane on a 2-core machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    setupFiles: ['e2e/cluster/vitest-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
