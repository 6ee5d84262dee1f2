import { defineConfig } from 'vitest/config';

// The multi-process mesh tests (test/mesh): nodes run as the built `hypermesh` CLI (npm run build first).
export default defineConfig({
  define: { __HYPERMESH_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    include: ['test/mesh/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
