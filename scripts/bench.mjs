// `npm run bench [-- NAME...]`: builds each benchmark in bench/ with Vite and runs it in its own Node process.
// Results: bench/results/NAME.json (see ../shared/BENCHMARKS.md for the format).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'vite';

const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8')));
const available = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)].map(
  (name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`),
);
let failed = false;
for (const name of names) {
  await build({
    logLevel: 'warn',
    configFile: false,
    build: {
      ssr: `bench/${name}.bench.ts`,
      outDir: 'out/bench',
      emptyOutDir: false,
      target: 'node20',
      rollupOptions: { external, output: { entryFileNames: `${name}.js`, format: 'es' } },
    },
  });
  console.log(`\n== bench ${name}`);
  const run = spawnSync(process.execPath, [`out/bench/${name}.js`], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
