// The unit tests of the model-run measurement (its pure parts): the root config runs the product's
// tests only, so these run with `npx vitest run --config bench/models/vitest.config.ts`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['bench/models/**/*.test.ts'],
    maxWorkers: 1,
  },
});
