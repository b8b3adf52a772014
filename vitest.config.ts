import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{operator,workers,lib,engine,cli,images}/**/*.test.ts', 'bench/**/*.test.ts'],
    // The machines are 2-core: keep worker count low so tests that start servers stay stable.
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
