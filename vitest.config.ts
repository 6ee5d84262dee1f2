import { defineConfig } from 'vitest/config';

const define = { __HYPERMESH_VERSION__: JSON.stringify('0.0.0-test') };
const common = {
  environment: 'node',
  // Bounds, not expectations: several times what a test takes on a 2-core machine whose cores are both busy
  // (npm run test:stress). No test asserts a duration; each waits for its event (docs/testing.md).
  testTimeout: 180_000,
  hookTimeout: 180_000,
  pool: 'forks',
} as const;

// Each project lists its own files: a project that `extends` the root config would add its `include` to the root's
// (arrays are merged), and so run the whole suite twice.
export default defineConfig({
  define,
  test: {
    projects: [
      {
        define,
        test: {
          ...common,
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
          // Multi-process mesh tests run the built CLI: `npm run test:mesh`, after the build.
          exclude: ['test/mesh/**', 'node_modules/**'],
        },
      },
      // STOQ's transport once more on Node's dgram, so the fallback stays covered where the addon is built.
      {
        define,
        test: {
          ...common,
          name: 'stoq-dgram',
          include: ['src/node-core/transport/stoq/**/*.test.ts'],
          env: { STOQ_UDP: 'dgram' },
        },
      },
    ],
  },
});
