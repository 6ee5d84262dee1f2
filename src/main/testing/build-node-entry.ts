import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/**
 * Builds the real node entry (src/main/node-process.ts) for plain Node, as electron-vite builds it for the app, so
 * tests can run it in a real child process. Dependencies stay external and load from node_modules, which is why the
 * output sits inside the checkout.
 */
export async function buildNodeEntry(): Promise<string> {
  const outDir = join(root, 'node_modules', '.cache', 'hypermesh-main-test');
  const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)].map(
    (name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`),
  );
  await build({
    root,
    logLevel: 'warn',
    configFile: false,
    define: { __HYPERMESH_VERSION__: JSON.stringify('0.0.0-test') },
    build: {
      ssr: join(root, 'src/main/node-process.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      rollupOptions: { external, output: { entryFileNames: 'node-process.js', format: 'es' } },
    },
  });
  return join(outDir, 'node-process.js');
}
