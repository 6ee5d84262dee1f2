import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiReply, NodeStatus } from '../shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '../shared/api/ipc-channels';
import type { Settings } from '../shared/settings';
import { startDesktopApp, type DesktopApp, type DesktopOptions } from './desktop-app';
import type { RestartPolicy } from './restart-policy';
import { buildNodeEntry } from './testing/build-node-entry';
import { ElectronDouble, type BrowserWindowDouble, type TrayDouble } from './testing/electron-double';

let nodeEntry: string;
beforeAll(async () => {
  nodeEntry = await buildNodeEntry();
}, 120_000);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const rendererFile = resolve('out/renderer/index.html'); // need not exist: the double records what was loaded
const ownUrl = `${pathToFileURL(rendererFile).href}#/dashboard`;

/** Waits (generously) for a condition that depends on another process. */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function launch(options: { dir?: string; restartPolicy?: RestartPolicy; trayIcon?: string } = {}) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'hm-main-'));
  if (!options.dir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const electron = new ElectronDouble({ userData: dir });
  const lines: string[] = [];
  const desktop: DesktopOptions = {
    electron,
    files: {
      renderer: rendererFile,
      preload: resolve('out/preload/index.cjs'),
      trayIcon: options.trayIcon ?? resolve('resources/tray.png'),
      nodeEntry,
    },
    env: {},
    log: (line) => lines.push(line),
    ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
  };
  const app = startDesktopApp(desktop);
  cleanups.push(async () => {
    if (!electron.app.quitted && app.primary) {
      electron.app.quit();
      await app.quitDone;
    }
    electron.killAll();
  });
  return { dir, electron, app, lines };
}

async function call<T>(electron: ElectronDouble, method: string, ...args: unknown[]): Promise<ApiReply<T>> {
  return (await electron.invoke(IPC_CALL, ownUrl, method, args)) as ApiReply<T>;
}

const mainWindowOf = (app: DesktopApp) => app.mainWindow() as BrowserWindowDouble;
const trayOf = (app: DesktopApp) => app.tray() as TrayDouble;

// Real node processes on a shared, loaded machine: generous bounds, nothing timed.
describe('Electron main process (with a double of Electron and a real node process)', { timeout: 120_000 }, () => {
  it('starts in order: node process, then IPC, tray and window once the node answers', async () => {
    const { electron, app } = launch();
    await app.booted;
    const j = electron.journal;
    const order = ['utilityProcess.fork', `ipcMain.handle ${IPC_CALL}`, 'new Tray', 'new BrowserWindow'];
    expect(order.map((step) => j.indexOf(step))).toEqual(
      [...order.map((step) => j.indexOf(step))].sort((a, b) => a - b),
    );
    expect(order.every((step) => j.includes(step))).toBe(true);
    expect(app.host?.running).toBe(true);
    const win = mainWindowOf(app);
    expect(win.webContents.getURL()).toBe(ownUrl);
    expect(win.visible).toBe(true);
  });

  it('holds a single-instance lock: a second app quits and shows the first one’s window', async () => {
    const first = launch();
    await first.app.booted;
    const win = mainWindowOf(first.app);
    win.hide();
    const second = launch({ dir: first.dir });
    expect(second.app.primary).toBe(false);
    expect(second.electron.quitCount).toBe(1);
    expect(second.electron.journal).not.toContain('utilityProcess.fork');
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
  });

  it('opens the window sandboxed, isolated and without Node, and blocks navigation and new windows', async () => {
    const { electron, app } = launch();
    await app.booted;
    const win = mainWindowOf(app);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(win.options.webPreferences?.preload).toMatch(/preload/);
    const contents = win.webContents;
    expect(contents.navigate('https://evil.example/')).toBe(false);
    expect(contents.navigate('file:///etc/passwd')).toBe(false);
    expect(contents.navigate(`${pathToFileURL(rendererFile).href}#/wallet`)).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://hypermesh.online/docs' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://insecure.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    // Only https links leave the app, in the user's browser.
    expect(electron.openedExternal).toEqual(['https://hypermesh.online/docs']);
  });

  it('answers IPC only for its own page, with the node’s validation', async () => {
    const { electron, app } = launch();
    await app.booted;
    const status = await call<NodeStatus>(electron, 'getStatus');
    expect(status.ok && status.value.dataDir).toBeTruthy();
    for (const sender of ['https://evil.example/', 'file:///tmp/other.html', null]) {
      const reply = (await electron.invoke(IPC_CALL, sender, 'getStatus', [])) as ApiReply<unknown>;
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_ORIGIN' } });
    }
    const bad = await call(electron, 'updateSettings', { privacyLevel: 'Everyone' });
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_ARGUMENT');
  });

  it('tray: shows the node and privacy level, pauses and resumes sharing, opens the window, quits', async () => {
    const { electron, app, dir } = launch();
    await app.booted;
    const tray = trayOf(app);
    const status = await call<NodeStatus>(electron, 'getStatus');
    const short = status.ok ? status.value.nodeIdShort : '?';
    expect(tray.menu.map((i) => i.label ?? i.type)).toEqual([
      `Node ${short}`,
      'Privacy: Private',
      'Pause sharing',
      'separator',
      'Open HyperMesh',
      'Quit',
    ]);
    expect(tray.menu.slice(0, 2).every((i) => i.enabled === false)).toBe(true);
    expect(tray.tooltip).toBe('HyperMesh — Private');

    tray.clickItem('Pause sharing');
    await until('the tray to offer Resume', () => tray.menu.some((i) => i.label === 'Resume sharing'));
    expect(tray.tooltip).toBe('HyperMesh — paused');
    const paused = await call<Settings>(electron, 'getSettings');
    expect(paused.ok && paused.value.sharingPaused).toBe(true);
    // The event reached the window too.
    const win = mainWindowOf(app);
    expect(win.webContents.sent.some((s) => s.channel === IPC_EVENT)).toBe(true);
    tray.clickItem('Resume sharing');
    await until('the tray to offer Pause', () => tray.menu.some((i) => i.label === 'Pause sharing'));

    win.close(); // closing keeps the app in the tray
    expect(win.isDestroyed()).toBe(false);
    expect(win.visible).toBe(false);
    tray.clickItem('Open HyperMesh');
    expect(win.visible).toBe(true);
    tray.emit('click');
    expect(win.visible).toBe(true);

    tray.clickItem('Quit');
    await app.quitDone;
    expect(electron.app.quitted).toBe(true);
    expect(existsSync(join(dir, 'node.lock'))).toBe(false);
  });

  it('quit stops the node cleanly: stop path taken, store closed, lock released, process gone', async () => {
    const { electron, app, dir, lines } = launch();
    await app.booted;
    const pid = app.host?.pid;
    expect(pid).toBeTypeOf('number');
    expect(existsSync(join(dir, 'node.lock'))).toBe(true);
    electron.app.quit();
    expect(electron.app.quitted).toBe(false); // held until the node stopped
    await app.quitDone;
    expect(electron.app.quitted).toBe(true);
    expect(lines).toContain('node process stopped (clean)');
    expect(existsSync(join(dir, 'node.lock'))).toBe(false);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
    const log = readFileSync(join(dir, 'logs', 'node.log'), 'utf8');
    expect(log).toMatch(/node stopping/);
    // A second start on the same folder finds it unlocked and its data intact.
    const again = launch({ dir });
    await again.app.booted;
    const status = await call<NodeStatus>(again.electron, 'getStatus');
    expect(status.ok).toBe(true);
  });

  it('restarts a crashed node with a notification; after the crash-loop limit it shows the log in an error window', async () => {
    // The limit is counted in crashes, not time: a window far longer than the test keeps it independent of speed.
    const { electron, app } = launch({ restartPolicy: { maxCrashes: 3, windowMs: 3_600_000 } });
    await app.booted;
    const host = app.host;
    if (!host) throw new Error('no host');
    for (let crash = 1; crash <= 2; crash++) {
      const pid = host.pid ?? 0;
      process.kill(pid, 'SIGKILL');
      await until(`restart ${crash}`, () => host.running && host.pid !== pid);
      expect(electron.notifications.at(-1)?.title).toBe('HyperMesh restarted its node');
      const status = await call<NodeStatus>(electron, 'getStatus');
      expect(status.ok).toBe(true);
    }
    expect(electron.notifications.filter((n) => n.title === 'HyperMesh restarted its node')).toHaveLength(2);
    await until('the tray to come back', () => trayOf(app).menu.some((i) => i.label === 'Pause sharing'));

    const windowsBefore = electron.windows.length;
    process.kill(host.pid ?? 0, 'SIGKILL');
    const errorWindow = await until('the error window', () => electron.windows[windowsBefore]);
    expect(host.running).toBe(false);
    expect(electron.notifications.at(-1)?.title).toBe('HyperMesh node keeps stopping');
    const page = decodeURIComponent(errorWindow.webContents.getURL().replace(/^data:text\/html;charset=utf-8,/, ''));
    expect(page).toMatch(/stopped 3 times/);
    expect(page).toMatch(/node .* started/); // the node's own log lines
    expect(page).toMatch(/exited unexpectedly/);
    expect(errorWindow.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true });
    // No restart after the limit: the calls say the node is not running.
    const reply = await call(electron, 'getStatus');
    expect(reply.ok ? null : reply.error.code).toBe('NODE_NOT_RUNNING');
  });
});
