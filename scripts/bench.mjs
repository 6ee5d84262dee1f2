// `npm run bench [-- --quick] [-- NAME...]`: builds the benchmarks in bench/ with Vite and runs each in its own Node
// process. Results: bench/results/NAME.json (see ../shared/BENCHMARKS.md for the format).
// --quick: every benchmark at a small size (BENCH_QUICK=1, read through bench/report.ts), results in
// reports/bench-quick/ (the full results stay untouched). Either way a benchmark fails when it exits non-zero, runs
// past its time limit, or does not write its results with at least one ratio, each a finite number.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'vite';

const USAGE = 'usage: npm run bench -- [--quick] [NAME...]';
/** Each quick benchmark is sized to finish well under QUICK_BUDGET_S; past QUICK_LIMIT_S it is stopped and fails. */
const QUICK_BUDGET_S = 30;
const QUICK_LIMIT_S = positive(process.env.BENCH_QUICK_LIMIT_S, 120);

function positive(text, fallback) {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`BENCH_QUICK_LIMIT_S must be a positive number of seconds, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const available = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''))
  .sort();
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flags = args.filter((a) => a.startsWith('-') && a !== '--quick');
if (flags.length > 0) {
  console.error(`unknown option(s): ${flags.join(', ')}\n${USAGE}`);
  process.exit(2);
}
const wanted = args.filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;
const resultsDir = quick ? 'reports/bench-quick' : 'bench/results';

const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
  ...Object.keys(pkg.optionalDependencies),
].map((name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`));
// One build for all of them: shared code (the node's modules, bench/report.ts) is bundled once.
await build({
  logLevel: 'warn',
  configFile: false,
  build: {
    ssr: true,
    outDir: 'out/bench',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: Object.fromEntries(names.map((n) => [n, `bench/${n}.bench.ts`])),
      external,
      output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', format: 'es' },
    },
  },
});

/** Why a finished run does not count, or undefined when it wrote its results with finite ratios. */
function resultProblem(name, startedAtMs) {
  const file = `${resultsDir}/${name}.json`;
  let body;
  try {
    if (statSync(file).mtimeMs < startedAtMs - 1000) return `${file} was not written by this run`;
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return `no results in ${file} (${err.code ?? err.message})`;
  }
  const ratios = Object.entries(body?.ratios ?? {});
  if (ratios.length === 0) return `${file} has no ratios`;
  const bad = ratios.filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v)).map(([k]) => k);
  if (bad.length > 0) return `${file}: ratios that are not finite numbers: ${bad.join(', ')}`;
  return undefined;
}

const rows = [];
for (const name of names) {
  console.log(`\n== bench ${name}${quick ? ' (quick)' : ''}`);
  const startedAt = Date.now();
  const run = spawnSync(process.execPath, [`out/bench/${name}.js`], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_QUICK: quick ? '1' : '0' },
    ...(quick ? { timeout: QUICK_LIMIT_S * 1000, killSignal: 'SIGTERM' } : {}),
  });
  const seconds = (Date.now() - startedAt) / 1000;
  let problem;
  if (run.error?.code === 'ETIMEDOUT') problem = `stopped after ${QUICK_LIMIT_S} s`;
  else if (run.error) problem = `could not run: ${run.error.message}`;
  else if (run.status !== 0) problem = `exited with ${run.status ?? run.signal}`;
  else problem = resultProblem(name, startedAt);
  rows.push({
    name,
    seconds: Math.round(seconds * 10) / 10,
    ok: problem === undefined,
    ...(problem ? { problem } : {}),
  });
  if (problem) console.error(`bench ${name} FAILED: ${problem}`);
}

console.log(`\n== ${quick ? 'quick ' : ''}benchmarks`);
for (const r of rows) {
  const slow = quick && r.ok && r.seconds > QUICK_BUDGET_S ? ` (over the ${QUICK_BUDGET_S} s quick budget)` : '';
  console.log(
    `  ${r.name.padEnd(16)} ${String(r.seconds).padStart(7)} s  ${r.ok ? 'ok' : `FAILED: ${r.problem}`}${slow}`,
  );
}
if (quick) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}/summary.json`, `${JSON.stringify({ benchmarks: rows }, null, 2)}\n`);
}
process.exit(rows.every((r) => r.ok) ? 0 : 1);
