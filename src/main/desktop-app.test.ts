import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ApiReply, NodeStatus } from '../shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '../shared/api/ipc-channels';
import type { Settings } from '../shared/settings';
import { startOfTomorrow } from '../shared/sharing-policy';
import type { ResourceShareView } from '../shared/sharing-view';
import { startDesktopApp, type DesktopApp, type DesktopOptions } from './desktop-app';
import type { RestartPolicy } from './restart-policy';
import { OWN_URL, RENDERER_FILE, useCleanups, useNodeEntry, until } from './testing/desktop-tests';
import { ElectronDouble, type BrowserWindowDouble, type TrayDouble } from './testing/electron-double';
import { formatPausedUntil, TRAY_PAUSE_ITEMS } from './tray-menu';

const PAUSE_LABELS = TRAY_PAUSE_ITEMS.map((p) => p.label);

const nodeEntry = useNodeEntry();

const cleanups = useCleanups();

function launch(
  options: { dir?: string; restartPolicy?: RestartPolicy; trayIcon?: string; readingsIntervalMs?: number } = {},
) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'hm-main-'));
  if (!options.dir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const electron = new ElectronDouble({ userData: dir });
  const lines: string[] = [];
  const desktop: DesktopOptions = {
    electron,
    files: {
      renderer: RENDERER_FILE,
      preload: resolve('out/preload/index.cjs'),
      trayIcon: options.trayIcon ?? resolve('resources/tray.png'),
      nodeEntry: nodeEntry(),
    },
    env: {},
    log: (line) => lines.push(line),
    ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
    ...(options.readingsIntervalMs === undefined ? {} : { readingsIntervalMs: options.readingsIntervalMs }),
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
  return (await electron.invoke(IPC_CALL, OWN_URL, method, args)) as ApiReply<T>;
}

const mainWindowOf = (app: DesktopApp) => app.mainWindow() as BrowserWindowDouble;
const trayOf = (app: DesktopApp) => app.tray() as TrayDouble;

// Real node processes on a shared, loaded machine: generous bounds, nothing timed.
describe('Electron main process (with a double of Electron and a real node process)', () => {
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
    expect(win.webContents.getURL()).toBe(OWN_URL);
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
    expect(contents.navigate(`${pathToFileURL(RENDERER_FILE).href}#/wallet`)).toBe(true);
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

  it('tray: shows the node and privacy level, snoozes (1 hour, tomorrow, until resumed) and resumes, opens the window, quits', async () => {
    const { electron, app, dir } = launch();
    await app.booted;
    const tray = trayOf(app);
    const status = await call<NodeStatus>(electron, 'getStatus');
    const short = status.ok ? status.value.nodeIdShort : '?';
    const sharingMenu = [`Node ${short}`, 'Privacy: Private', ...PAUSE_LABELS, 'separator', 'Open HyperMesh', 'Quit'];
    expect(tray.menu.map((i) => i.label ?? i.type)).toEqual(sharingMenu);
    expect(tray.menu.slice(0, 2).every((i) => i.enabled === false)).toBe(true);
    expect(tray.tooltip).toBe('HyperMesh — Private');
    const settingsNow = async () => {
      const reply = await call<Settings>(electron, 'getSettings');
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value;
    };
    const resume = async () => {
      tray.clickItem('Resume sharing');
      await until('the tray to offer the snoozes again', () => tray.menu.some((i) => i.label === PAUSE_LABELS[0]));
      expect(tray.menu.map((i) => i.label ?? i.type)).toEqual(sharingMenu);
      expect(tray.tooltip).toBe('HyperMesh — Private');
      expect(await settingsNow()).toMatchObject({ sharingPaused: false, pausedUntil: null });
    };
    const pausedMenu = (text: string) => [
      `Node ${short}`,
      'Privacy: Private',
      `Sharing ${text}`,
      'Resume sharing',
      'separator',
      'Open HyperMesh',
      'Quit',
    ];

    // For 1 hour: the node stores the end, the tooltip says it.
    const before = Date.now();
    tray.clickItem('Pause for 1 hour');
    await until('the tray to offer Resume', () => tray.menu.some((i) => i.label === 'Resume sharing'));
    const hour = await settingsNow();
    expect(hour.sharingPaused).toBe(true);
    const end = Date.parse(hour.pausedUntil ?? '');
    expect(end - before).toBeGreaterThanOrEqual(3_600_000);
    expect(end - Date.now()).toBeLessThanOrEqual(3_600_000);
    const hourText = `paused until ${formatPausedUntil(new Date(end), new Date())}`;
    expect(tray.tooltip).toBe(`HyperMesh — ${hourText}`);
    expect(tray.menu.map((i) => i.label ?? i.type)).toEqual(pausedMenu(hourText));
    // The event reached the window too.
    const win = mainWindowOf(app);
    expect(win.webContents.sent.some((s) => s.channel === IPC_EVENT)).toBe(true);
    await resume();

    // Until tomorrow: local midnight (of the day after the click; the test may run across midnight).
    const clickedAt = new Date();
    tray.clickItem('Pause until tomorrow');
    await until('the tray to offer Resume', () => tray.menu.some((i) => i.label === 'Resume sharing'));
    const tomorrow = await settingsNow();
    expect([startOfTomorrow(clickedAt).getTime(), startOfTomorrow(new Date()).getTime()]).toContain(
      Date.parse(tomorrow.pausedUntil ?? ''),
    );
    expect(tray.tooltip).toMatch(/^HyperMesh — paused until (tomorrow )?00:00$/);
    await resume();

    // Until I resume: no end.
    tray.clickItem('Pause until I resume');
    await until('the tray to offer Resume', () => tray.menu.some((i) => i.label === 'Resume sharing'));
    expect(await settingsNow()).toMatchObject({ sharingPaused: true, pausedUntil: null });
    expect(tray.tooltip).toBe('HyperMesh — paused until you resume');
    expect(tray.menu.map((i) => i.label ?? i.type)).toEqual(pausedMenu('paused until you resume'));
    await resume();

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
    await until('the tray to come back', () => trayOf(app).menu.some((i) => i.label === PAUSE_LABELS[0]));

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

  // The sharing rules in the node process follow what the double's powerMonitor reports (docs/sharing-rules.md).
  const SHARE = {
    privacyLevel: 'P2P',
    allocation: { cpu: 50 },
    rules: { inUseAllocation: { cpu: 10 }, idleAfterMinutes: 3, suspendOnBattery: true },
  } as const;
  const cpuView = async (electron: ElectronDouble) => {
    const status = await call<NodeStatus>(electron, 'getStatus');
    if (!status.ok) return undefined;
    const cpu = status.value.allowance.resources.find((r) => r.kind === 'cpu');
    const { idle, unavailable } = status.value.allowance;
    return cpu ? { idle, unavailable, cpu } : undefined;
  };
  /** Polls getStatus until the CPU share satisfies `ok` (the node process gets the readings asynchronously). */
  const untilCpu = async (
    electron: ElectronDouble,
    what: string,
    ok: (v: { idle: boolean; unavailable: readonly string[]; cpu: ResourceShareView }) => boolean,
  ) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await cpuView(electron);
      if (v && ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('feeds powerMonitor’s idle time to the node every few seconds: the idle share replaces the in-use one', async () => {
    const { electron, app } = launch();
    await app.booted;
    expect((await call(electron, 'updateSettings', SHARE)).ok).toBe(true);
    // Main fed idle 0 at start: in use, so the in-use share (10 %) applies whatever this machine's terminals say.
    const inUse = await untilCpu(electron, 'the in-use share', (v) => v.cpu.reasons.includes('in-use'));
    expect(inUse.idle).toBe(false);
    expect(inUse.cpu.allowedPercent).toBe(10);
    // Fed by the app, idle time and battery state are known even where the OS tells the node neither.
    expect(inUse.unavailable).not.toContain('idle-time');
    expect(inUse.unavailable).not.toContain('battery');

    // No event: only the periodic read can bring the new idle time.
    electron.powerMonitor.idleSeconds = 600;
    const idle = await untilCpu(electron, 'the idle share', (v) => v.idle);
    expect(idle.cpu).toMatchObject({ allowedPercent: 50, reasons: [] });

    electron.powerMonitor.idleSeconds = 2;
    const back = await untilCpu(electron, 'the in-use share again', (v) => !v.idle);
    expect(back.cpu).toMatchObject({ allowedPercent: 10, reasons: ['in-use'] });
    // The allowance changes reached the window as events too.
    const events = mainWindowOf(app).webContents.sent.filter((m) => m.channel === IPC_EVENT);
    expect(events.some((m) => (m.args[0] as { event?: string }).event === 'sharing')).toBe(true);
  });

  it('sends the battery state at once on powerMonitor’s on-battery / on-ac: CPU suspended with on-battery, then back', async () => {
    // A poll far longer than the test: only the events can deliver the change.
    const { electron, app } = launch({ readingsIntervalMs: 3_600_000 });
    await app.booted;
    electron.powerMonitor.idleSeconds = 600;
    electron.powerMonitor.emit('unlock-screen'); // lock/unlock also send at once
    expect((await call(electron, 'updateSettings', SHARE)).ok).toBe(true);
    await untilCpu(electron, 'the idle share', (v) => v.idle && v.cpu.allowedPercent === 50);

    electron.powerMonitor.onBattery = true;
    electron.powerMonitor.emit('on-battery');
    const onBattery = await untilCpu(electron, 'on battery', (v) => v.cpu.reasons.includes('on-battery'));
    expect(onBattery.cpu.allowedPercent).toBe(0);

    // A malformed frame is dropped by the node process (and logged), which keeps the last good readings.
    app.host?.sendReadings({ t: 'readings', idleSeconds: -5, onBattery: false });
    await until('the node to log the dropped frame', () =>
      /dropped a malformed readings frame/.test(app.host?.log ?? ''),
    );
    expect((await cpuView(electron))?.cpu.reasons).toContain('on-battery');

    electron.powerMonitor.onBattery = false;
    electron.powerMonitor.emit('on-ac');
    const onAc = await untilCpu(electron, 'back on AC', (v) => !v.cpu.reasons.includes('on-battery'));
    expect(onAc.cpu).toMatchObject({ allowedPercent: 50, reasons: [] });
  });

  it('feeds the readings again to a node process restarted after a crash', async () => {
    const { electron, app } = launch({ readingsIntervalMs: 3_600_000 });
    await app.booted;
    expect((await call(electron, 'updateSettings', SHARE)).ok).toBe(true);
    electron.powerMonitor.onBattery = true;
    electron.powerMonitor.emit('on-battery');
    await untilCpu(electron, 'on battery', (v) => v.cpu.reasons.includes('on-battery'));
    const host = app.host;
    if (!host) throw new Error('no host');
    const pid = host.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await until('the restart', () => host.running && host.pid !== pid);
    // No powerMonitor event since: the new process knows it is on battery because main fed it on ready.
    const after = await untilCpu(electron, 'on battery after the restart', (v) => v.cpu.reasons.includes('on-battery'));
    expect(after.cpu.allowedPercent).toBe(0);
  });
});

describe('notices', () => {
  /** The sharing states the window was sent, in order. */
  const sharingStates = (app: DesktopApp): string[] =>
    mainWindowOf(app)
      .webContents.sent.filter((m) => m.channel === IPC_EVENT)
      .map((m) => m.args[0] as { event: string; payload: { state?: string } })
      .filter((m) => m.event === 'sharing')
      .map((m) => m.payload.state ?? '');
  const pausedNotices = (electron: ElectronDouble) =>
    electron.notifications.filter((n) => n.title === 'Sharing paused');

  it('shows each notice the node sends as a system notification, and none of a kind turned off in Settings', async () => {
    const { electron, app } = launch();
    await app.booted;
    expect((await call(electron, 'updateSettings', { privacyLevel: 'P2P', allocation: { cpu: 25 } })).ok).toBe(true);
    await until('sharing to run', () => sharingStates(app).some((s) => s === 'active' || s === 'limited'));
    expect((await call(electron, 'pauseSharing', { for: 'until-resumed' })).ok).toBe(true);
    const shown = await until('the sharing-paused notification', () => pausedNotices(electron)[0]);
    expect(shown.body).toMatch(/paused/);

    expect((await call(electron, 'updateSettings', { notifications: { 'sharing-paused': false } })).ok).toBe(true);
    expect((await call(electron, 'resumeSharing')).ok).toBe(true);
    await until('sharing to run again', () => sharingStates(app).at(-1) !== 'paused');
    const pausesBefore = sharingStates(app).filter((s) => s === 'paused').length;
    expect((await call(electron, 'pauseSharing', { for: 'until-resumed' })).ok).toBe(true);
    await until('the second pause', () => sharingStates(app).filter((s) => s === 'paused').length > pausesBefore);
    // A notice would have left the node with the sharing event, before the answer to a later call.
    expect((await call(electron, 'getStatus')).ok).toBe(true);
    expect(pausedNotices(electron)).toHaveLength(1);
  });

  it('says nothing when the node process dies if node-failure notices are off', async () => {
    const { electron, app } = launch({ restartPolicy: { maxCrashes: 3, windowMs: 3_600_000 } });
    await app.booted;
    const host = app.host;
    if (!host) throw new Error('no host');
    expect((await call(electron, 'updateSettings', { notifications: { 'node-failure': false } })).ok).toBe(true);
    await until('the settings to reach main', () =>
      mainWindowOf(app)
        .webContents.sent.map((m) => m.args[0] as { event?: string; payload?: Partial<Settings> })
        .some((m) => m.event === 'settingsChanged' && m.payload?.notifications?.['node-failure'] === false),
    );
    const pid = host.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await until('the restart', () => host.running && host.pid !== pid);
    expect(electron.notifications.filter((n) => n.title === 'HyperMesh restarted its node')).toEqual([]);
  });
});
