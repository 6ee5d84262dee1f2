// `npm start`: the desktop app where the Electron binary is installed, else the headless node with its UI in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

// `npm start -- --headless` runs the headless node even where Electron is installed.
const headless = process.argv.includes('--headless');
const extra = process.argv.slice(2).filter((a) => a !== '--headless');
const electron = headless ? null : electronBinary();
const [command, args] = electron
  ? [electron, ['out/main/index.js', ...extra]]
  : [process.execPath, ['out/node/cli.js', 'node', ...extra]];
if (headless) {
  console.log('Starting the headless node (--headless): open the URL below in a browser.');
} else if (!electron) {
  console.log('Electron is not installed here, so starting the headless node: open the URL below in a browser.');
} else {
  // better-sqlite3 for Electron's ABI, beside the Node build (cached per Electron version). If it cannot be built,
  // the app still starts and shows what to run.
  const native = spawnSync(process.execPath, ['scripts/native-electron.mjs'], { stdio: 'inherit' });
  if (native.status !== 0) console.log('Starting the app anyway: it will say what is missing.');
}
const child = spawn(command, args, { stdio: 'inherit' });
// Ctrl-C reaches the child directly (same process group); forwarding it too would count as a second, forcing signal.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
