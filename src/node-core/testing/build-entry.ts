import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/**
 * Bundles one TypeScript entry for plain Node, as the CLI and the benchmarks are bundled, so a test can run it in a
 * real child process. Dependencies stay external and load from node_modules, which is why the output sits inside
 * the checkout. Returns the path of the built file.
 */
export async function buildEntry(entry: string, name: string): Promise<string> {
  const outDir = join(root, 'node_modules', '.cache', `hypermesh-entry-${name}`);
  const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)].map(
    (dep) => new RegExp(`^${dep.replace(/[/.]/g, '\\$&')}(/.*)?$`),
  );
  await build({
    root,
    logLevel: 'warn',
    configFile: false,
    define: { __HYPERMESH_VERSION__: JSON.stringify('0.0.0-test') },
    build: {
      ssr: resolve(root, entry),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      rollupOptions: { external, output: { entryFileNames: `${name}.js`, format: 'es' } },
    },
  });
  return join(outDir, `${name}.js`);
}
