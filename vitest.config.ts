import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    globalSetup: ['scripts/test-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Serial-line tests pace bytes at the baud rate; two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
