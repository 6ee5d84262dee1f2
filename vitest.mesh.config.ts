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
    // Two files at a time: most of a mesh test is waiting (node start-up, announcement rounds, timeouts), so two share
    // the 2 cores well. Each file makes its own nodes, data folders, OS-chosen ports and randomly named network
    // namespaces, so nothing is shared between them.
    maxWorkers: 2,
  },
});
