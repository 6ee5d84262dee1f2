import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __HYPERMESH_VERSION__: JSON.stringify('0.0.0-test') },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // Multi-process mesh tests run the built CLI: `npm run test:mesh`, after the build.
    exclude: ['test/mesh/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
