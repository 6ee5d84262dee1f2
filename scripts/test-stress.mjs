// `npm run test:stress`: the unit, mesh and e2e suites while one busy loop per core competes for the CPU at normal
// priority, the way a user's own work or a shared CI machine does. A test that passes here does not depend on speed.
// Usage: npm run test:stress [-- --rounds N] [-- --suites unit,mesh,e2e]
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

function parseArgs(argv) {
  const options = { rounds: 1, suites: ['unit', 'mesh', 'e2e'] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--rounds' && value && /^[1-9]\d?$/.test(value)) {
      options.rounds = Number(value);
      i++;
    } else if (flag === '--suites' && value) {
      const suites = value.split(',');
      const unknown = suites.filter((s) => !['unit', 'mesh', 'e2e'].includes(s));
      if (unknown.length > 0) usage(`unknown suite ${unknown.join(', ')} (unit, mesh, e2e)`);
      options.suites = suites;
      i++;
    } else if (flag === '--rounds') {
      usage(`--rounds takes a number of rounds, 1-99 (got ${value ?? 'nothing'})`);
    } else {
      usage(`unexpected argument ${flag}`);
    }
  }
  return options;
}

function usage(why) {
  console.error(`test:stress: ${why}\nusage: npm run test:stress -- [--rounds 1-99] [--suites unit,mesh,e2e]`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
const cores = availableParallelism();
const burners = [];
/** The suite now running (npm run …), stopped with this script. */
let running = null;

function startBurners() {
  for (let i = 0; i < cores; i++) {
    // A plain busy loop at normal priority: it takes a whole core for as long as it runs.
    burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
}

function stopBurners() {
  for (const burner of burners.splice(0)) burner.kill('SIGKILL');
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    running?.kill(signal);
    process.exit(130);
  });
}
process.on('exit', stopBurners);

// Asynchronous, so that SIGINT or SIGTERM sent to this script alone is handled at once: the stage's suite and the
// busy loops stop with it (a synchronous spawn held the signal until the stage ended, and the next stage began).
function npm(script, env = {}) {
  return new Promise((resolve) => {
    running = spawn('npm', ['run', script, '--silent'], { stdio: 'inherit', env: { ...process.env, ...env } });
    running.on('exit', (code) => {
      running = null;
      resolve(code ?? 1);
    });
  });
}

// The mesh and e2e suites run the built app; it is built once, before the load starts.
if (options.suites.some((s) => s !== 'unit') && (await npm('build')) !== 0) {
  console.error('test:stress: the build failed');
  process.exit(1);
}

const scripts = { unit: 'test:unit', mesh: 'test:mesh', e2e: 'test:e2e' };
// Vitest runs the unit suite one file at a time on 2 cores (cores - 1). Under stress it runs two: the load is higher
// still, and its stage takes about 35 minutes instead of 45 (a round, about 70 minutes).
const env = { unit: { VITEST_MAX_WORKERS: String(Math.max(2, cores)) }, mesh: {}, e2e: {} };
const results = [];
for (let round = 1; round <= options.rounds; round++) {
  for (const suite of options.suites) {
    console.log(`\n== test:stress round ${round}/${options.rounds}: ${suite}, with ${cores} busy loop(s)`);
    const began = Date.now();
    startBurners();
    const code = await npm(scripts[suite], env[suite]);
    stopBurners();
    results.push({ round, suite, code, minutes: (Date.now() - began) / 60_000 });
  }
}

console.log('\n== test:stress');
for (const r of results)
  console.log(
    `round ${r.round} ${r.suite}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.minutes.toFixed(1)} min`,
  );
const failed = results.filter((r) => r.code !== 0).length;
console.log(`stress: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
