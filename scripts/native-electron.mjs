// `npm run native:electron` (also run by `npm start` and `npm run dist` where Electron is installed): builds
// better-sqlite3 for Electron's ABI into native-cache/electron-<version>/, beside the Node build in node_modules that
// the tests and the headless node use. better-sqlite3 is not N-API, so Electron (NODE_MODULE_VERSION 145 for 41)
// refuses the Node 20 build (115). The node picks the binary at load time (src/node-core/store/native-binding.ts).
// Tries a prebuilt binary for the Electron target first, then node-gyp against Electron's headers; both need the
// network. Exit codes: 0 built or up to date, 1 could not build (the message says why and what to run).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const quiet = process.argv.includes('--quiet');
const log = (line) => {
  if (!quiet) console.log(`native:electron: ${line}`);
};
const COMMAND = 'npm run native:electron';

class Failure extends Error {
  constructor(lines) {
    super(['hypermesh: ' + lines[0], ...lines.slice(1).map((l) => '  ' + l)].join('\n'));
  }
}
function fail(lines) {
  throw new Failure(lines);
}

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Electron's NODE_MODULE_VERSION: its package says it (abi_version); else ask the binary itself. */
function electronModules(binary, electronDir) {
  const file = join(electronDir, 'abi_version');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const run = spawnSync(binary, ['-p', 'process.versions.modules'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
  });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** The lines of a failed tool's output that say why (not its stack, versions or command line). */
function reason(out) {
  const noise =
    /stack {4}at |ERR! (System|command|cwd|node -v|node-gyp -v|not ok)|rolling back|^gyp ERR! configure error/;
  return out
    .split('\n')
    .filter((l) => /warn|ERR!|error/i.test(l) && !noise.test(l))
    .slice(0, 3)
    .map((l) => l.replace(/^(gyp ERR! stack |gyp ERR! |gyp WARN |prebuild-install warn )/, '').trim())
    .join(' ');
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return {
    ok: r.status === 0,
    why: r.error ? r.error.message : reason(out) || `exit ${r.status}`,
  };
}

function main() {
  const binary = electronBinary();
  if (!binary) {
    fail([
      "Electron's binary is not installed here, so there is nothing to build for it.",
      'Install it (`npm ci` where https://github.com/electron/electron/releases is reachable), then run: ' + COMMAND,
    ]);
  }
  const electronDir = dirname(require.resolve('electron/package.json'));
  const electron = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
  const modules = electronModules(binary, electronDir);
  if (!modules) fail([`cannot tell Electron ${electron}'s NODE_MODULE_VERSION (its abi_version file is missing).`]);
  const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
  const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
  const manifest = { electron, modules, platform: process.platform, arch: process.arch, betterSqlite3: sqliteVersion };
  const cacheDir = join(root, 'native-cache', `electron-${electron}`);
  const cachedBinary = join(cacheDir, 'better_sqlite3.node');

  function upToDate() {
    try {
      const found = JSON.parse(readFileSync(join(cacheDir, 'build.json'), 'utf8'));
      return existsSync(cachedBinary) && Object.entries(manifest).every(([k, v]) => found[k] === v);
    } catch {
      return false;
    }
  }

  if (upToDate()) {
    log(`better-sqlite3 ${sqliteVersion} for Electron ${electron} is up to date (${relative(root, cacheDir)}${sep})`);
    return;
  }

  // Build in a copy of the package, so the Node build in node_modules (tests, headless node) stays as it is.
  const work = join(root, 'native-cache', `.work-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const pkgCopy = join(work, 'better-sqlite3');
  cpSync(sqliteDir, pkgCopy, { recursive: true, filter: (src) => relative(sqliteDir, src).split(sep)[0] !== 'build' });
  const built = join(pkgCopy, 'build', 'Release', 'better_sqlite3.node');
  const target = ['--runtime=electron', `--target=${electron}`, `--arch=${process.arch}`];
  const attempts = [];
  try {
    log(`building better-sqlite3 ${sqliteVersion} for Electron ${electron} (NODE_MODULE_VERSION ${modules})…`);
    const prebuilt = run(
      process.execPath,
      [require.resolve('prebuild-install/bin.js'), ...target, `--platform=${process.platform}`],
      pkgCopy,
    );
    attempts.push(`prebuilt binary (prebuild-install): ${prebuilt.ok && existsSync(built) ? 'ok' : prebuilt.why}`);
    if (!existsSync(built)) {
      const gyp = run(
        process.execPath,
        [
          require.resolve('node-gyp/bin/node-gyp.js'),
          'rebuild',
          '--release',
          ...target,
          '--dist-url=https://electronjs.org/headers',
        ],
        pkgCopy,
      );
      attempts.push(`from source (node-gyp with Electron's headers): ${gyp.ok && existsSync(built) ? 'ok' : gyp.why}`);
    }
    if (!existsSync(built)) {
      fail([
        `could not build better-sqlite3 for Electron ${electron} (NODE_MODULE_VERSION ${modules}); the desktop app cannot open its database until it is built.`,
        ...attempts.map((a) => `- ${a}`),
        'A prebuilt binary needs https://github.com reachable; building from source needs https://electronjs.org/headers',
        'reachable and python3, make and a C++ compiler. When that is so, run: ' + COMMAND,
      ]);
    }
    // Check the binary really loads under this Electron before caching it.
    const check = spawnSync(binary, ['-e', `require(${JSON.stringify(built)})`], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
    });
    if (check.status !== 0) {
      fail([
        `the better-sqlite3 build for Electron ${electron} does not load in it: ${(check.stderr || String(check.error)).trim()}`,
        'Remove native-cache/ and run: ' + COMMAND,
      ]);
    }
    const staging = `${cacheDir}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    copyFileSync(built, join(staging, 'better_sqlite3.node'));
    writeFileSync(join(staging, 'build.json'), JSON.stringify(manifest, null, 2) + '\n');
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(staging, cacheDir);
    log(`built ${relative(root, cachedBinary)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof Failure)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
