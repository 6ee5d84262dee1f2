// postinstall: where Electron's binary could not be downloaded, npm drops the whole optional `electron` package, and
// with it the type declarations and version that the typecheck, lint and build of src/main and src/preload need.
// Put the package's files back (from npm's cache, without its install script): `require('electron')` still fails
// there for want of the binary, so `npm start` runs the headless node. Never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'node_modules', 'electron');

function lockedVersion() {
  try {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const version = lock.packages?.['node_modules/electron']?.version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

function main() {
  if (existsSync(join(target, 'package.json'))) return; // installed (with or without its binary)
  const version = lockedVersion();
  if (!version) return;
  const work = mkdtempSync(join(tmpdir(), 'hypermesh-electron-'));
  try {
    const npm = process.env.npm_execpath;
    // npm_execpath is npm's own script when npm runs us; fall back to `npm` on PATH otherwise.
    const [cmd, pre] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
    const pack = spawnSync(
      cmd,
      [...pre, 'pack', `electron@${version}`, '--prefer-offline', '--silent', '--pack-destination', work],
      { encoding: 'utf8', shell: process.platform === 'win32' && cmd === 'npm' },
    );
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || !tgz) throw new Error(`npm pack electron@${version} failed: ${pack.stderr.trim()}`);
    mkdirSync(target, { recursive: true });
    const tar = spawnSync('tar', ['-xzf', join(work, tgz), '-C', target, '--strip-components=1'], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar failed: ${(tar.stderr || String(tar.error)).trim()}`);
    console.log(
      `hypermesh: Electron ${version}'s binary is not installed here, so \`npm start\` will run the headless node; ` +
        "Electron's package files were kept for the typecheck and build.",
    );
  } catch (err) {
    rmSync(target, { recursive: true, force: true });
    console.log(`hypermesh: could not restore Electron's package files (${err.message}); src/main will not typecheck.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
