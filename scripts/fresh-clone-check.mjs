// `npm run test:fresh` (the last step of `npm test`): walks a newcomer's path. Clones this checkout's HEAD into a temp
// folder, runs `npm ci` there with no ELECTRON_* or npm_* variables, then `npm start`, waits for
// "HyperMesh node ready:", sends the node SIGINT as Ctrl-C would, checks that `npm start` exits with 0, and removes the
// folder.
// The node gets its own data folder and OS-chosen ports, so it touches neither a running node nor the user's data.
// HYPERMESH_FRESH_TEST=0 leaves it out.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const READY_WITHIN_MS = 5 * 60_000; // generous: a build on a loaded machine; the wait ends at the ready line
const INSTALL_WITHIN_MS = 15 * 60_000;
const STOP_WITHIN_MS = 60_000;
const say = (line) => console.log(`fresh-clone: ${line}`);

if (process.env.HYPERMESH_FRESH_TEST === '0') {
  say('left out (HYPERMESH_FRESH_TEST=0)');
  process.exit(0);
}
if (process.platform === 'win32') {
  say('left out on Windows (it stops the node with SIGINT, which Windows cannot send to another process)');
  process.exit(0);
}

/**
 * The environment of a fresh shell: no Electron switches, nothing from the npm run that started us (its prefix and
 * package would point the clone's npm back here) — but the user's own npm cache, registry and proxy stay.
 */
function cleanEnv() {
  const keep = /^npm_config_(cache|registry|proxy|https_proxy|noproxy|cafile|strict_ssl)$/i;
  const drop = /^(ELECTRON_|npm_|INIT_CWD$|HYPERMESH_)/i;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || (drop.test(k) && !keep.test(k))) continue;
    env[k] = v;
  }
  return env;
}

function git(args) {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Runs a command to its end within `ms`; resolves with its exit code. */
function runToEnd(cmd, args, options, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: 'inherit' });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${ms / 1000} s`));
    }, ms);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** `npm start` in its own process group; resolves at the ready line, rejects if it exits first or takes too long. */
function startUntilReady(cwd, env, args) {
  const child = spawn('npm', ['start', '--', ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // 'close': npm has exited and every process that shared its output (the node too) has let go of it.
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${READY_WITHIN_MS / 1000} s`)),
      READY_WITHIN_MS,
    );
    const onData = (chunk) => {
      const text = chunk.toString();
      process.stdout.write(text.replace(/^(?=.)/gm, '  | '));
      out += text;
      const line = /HyperMesh node ready: \S+/.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(line[0]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${signal ?? code}) before the ready line`));
    });
  });
  return { child, ready, exited };
}

async function main() {
  const head = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  say(`testing HEAD ${head.slice(0, 12)} in a fresh clone${dirty ? ' (uncommitted changes here are NOT tested)' : ''}`);
  const tmp = mkdtempSync(join(tmpdir(), 'hypermesh-fresh-'));
  const clone = join(tmp, 'clone');
  const env = cleanEnv();
  let child = null;
  try {
    git(['clone', '--quiet', '--no-checkout', root, clone]);
    const checkout = spawnSync('git', ['-C', clone, 'checkout', '--quiet', '--detach', head], { encoding: 'utf8' });
    if (checkout.status !== 0) throw new Error(`checkout of ${head} failed: ${checkout.stderr.trim()}`);

    say('npm ci (no ELECTRON_* variables)');
    const t0 = Date.now();
    const ci = await runToEnd('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, env }, INSTALL_WITHIN_MS);
    if (ci !== 0) throw new Error(`npm ci exited with ${ci}`);
    say(`npm ci done in ${Math.round((Date.now() - t0) / 1000)} s`);

    // Where Electron's binary did install, `npm start` opens a window; this check watches the headless node.
    const hasElectron =
      spawnSync(process.execPath, ['-e', "require('electron')"], { cwd: clone, env, stdio: 'ignore' }).status === 0;
    const args = ['--data-dir', join(tmp, 'data'), '--api-port', '0', '--listen', '[::1]:0'];
    if (hasElectron) args.unshift('--headless');
    say(`npm start -- ${args.join(' ')}${hasElectron ? ' (Electron is installed: headless for this check)' : ''}`);
    const t1 = Date.now();
    const run = startUntilReady(clone, env, args);
    child = run.child;
    const line = await run.ready;
    say(`ready after ${Math.round((Date.now() - t1) / 1000)} s: ${line.replace(/#token=.*/, '#token=…')}`);

    // Ctrl-C as the node sees it: SIGINT to the node itself (its pid is in the data folder's api.json). Signalling
    // the whole group would also end npm by that signal, which hides whether the node stopped cleanly.
    const { pid } = JSON.parse(readFileSync(join(tmp, 'data', 'api.json'), 'utf8'));
    if (!Number.isInteger(pid)) throw new Error('api.json has no pid');
    process.kill(pid, 'SIGINT');
    const stopped = await Promise.race([
      run.exited,
      new Promise((resolve) => setTimeout(() => resolve(null), STOP_WITHIN_MS)),
    ]);
    if (stopped === null) throw new Error(`npm start did not stop within ${STOP_WITHIN_MS / 1000} s of SIGINT`);
    child = null;
    if (stopped.code !== 0) throw new Error(`npm start exited with ${stopped.signal ?? stopped.code} after SIGINT`);
    say('stopped cleanly: the node took SIGINT, npm start exited with 0 — pass');
  } finally {
    if (child) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`fresh-clone: FAIL: ${err.message}`);
  process.exitCode = 1;
});
