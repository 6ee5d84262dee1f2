import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// The headless node and `hypermesh` CLI for plain Node: dependencies stay external (native modules load from
// node_modules), the project's own TypeScript is bundled into out/node/cli.js.
const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
  ...Object.keys(pkg.optionalDependencies),
].map((name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`));

export default defineConfig({
  define: { __HYPERMESH_VERSION__: JSON.stringify(pkg.version) },
  build: {
    ssr: 'src/node-core/cli.ts',
    outDir: 'out/node',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { external, output: { entryFileNames: 'cli.js', format: 'es' } },
  },
});
