import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'ui/**', 'data/**'],
    globalSetup: ['test/setup/global.ts'],
    // Temporal's native worker is happiest in child processes; the e2e files share one dev server
    // and one machine with 2 cores, so files run one at a time.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
