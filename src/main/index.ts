import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  shell,
  Tray,
  type WebContents,
} from 'electron';
import { NODE_EVENT_NAMES, type EventMessage, type NodeStatus } from '../shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '../shared/api/ipc-channels';
import { PRIVACY_LEVEL_INFO } from '../shared/privacy';
import { createDispatch, createNode, type HyperMeshNode } from '../node-core';
import { loadWindowState, trackWindowState } from './window-state';

// Electron shell: embeds the node in-process, starts it before the window, stops it on quit.
let node: HyperMeshNode | undefined;
let mainWindow: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;

const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');
const iconFile = join(import.meta.dirname, '../../resources/tray.png');

const rendererUrl = pathToFileURL(rendererFile).href;

function isOwnPage(contents: WebContents): boolean {
  return contents.getURL().split('#')[0] === rendererUrl;
}

function showFatal(title: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  node?.log.error(`${title}: ${detail}`);
  // The message box text can be selected and copied on every platform.
  dialog.showMessageBoxSync({ type: 'error', title: 'HyperMesh', message: title, detail, buttons: ['OK'] });
}

function createWindow(): BrowserWindow {
  const state = loadWindowState(app.getPath('userData'));
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: 800,
    minHeight: 560,
    title: 'HyperMesh',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  trackWindowState(win, app.getPath('userData'));
  win.once('ready-to-show', () => win.show());
  win.on('close', (e) => {
    if (!quitting && tray) {
      e.preventDefault(); // closing the window keeps sharing running in the tray
      win.hide();
    }
  });
  win.webContents.on('render-process-gone', (_e, details) => {
    showFatal(`The window crashed (${details.reason}). Your node and its data are safe; the window will reload.`, '');
    win.reload();
  });
  void win.loadFile(rendererFile, { hash: '/dashboard' });
  return win;
}

function updateTray(): void {
  if (!tray || !node) return;
  void node.api.getSettings().then((settings) => {
    const level = PRIVACY_LEVEL_INFO[settings.privacyLevel].title;
    tray?.setToolTip(`HyperMesh — ${settings.sharingPaused ? 'paused' : level}`);
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: `Node ${node?.identity.nodeIdShort ?? ''}`, enabled: false },
        { label: `Privacy: ${level}`, enabled: false },
        {
          label: settings.sharingPaused ? 'Resume sharing' : 'Pause sharing',
          click: () => void node?.api.updateSettings({ sharingPaused: !settings.sharingPaused }),
        },
        { type: 'separator' },
        { label: 'Open HyperMesh', click: () => mainWindow?.show() },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  });
}

async function boot(): Promise<void> {
  // Peers reach the desktop app on STOQ's default port; if it is taken, the app runs on and says so in a banner.
  node = createNode({ dataDir: app.getPath('userData'), listen: { host: '::', port: 9292 }, transportRequired: false });
  await node.start();
  const dispatch = createDispatch(node.api, node.log.child('ipc'));
  ipcMain.handle(IPC_CALL, (event, method: unknown, args: unknown) => {
    if (!isOwnPage(event.sender)) {
      return { ok: false, error: { code: 'FORBIDDEN_ORIGIN', message: 'only the HyperMesh window may call the node' } };
    }
    return dispatch(method, args);
  });
  for (const name of NODE_EVENT_NAMES) {
    node.events.on(name, (payload) => {
      const message: EventMessage = { event: name, payload };
      for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, message);
    });
  }
  // Problems the node reports become native notifications, once per problem.
  const notified = new Set<string>();
  const notifyHealth = (status: NodeStatus) => {
    for (const issue of status.health) {
      if (notified.has(issue.code) || issue.severity === 'info' || !Notification.isSupported()) continue;
      notified.add(issue.code);
      new Notification({ title: 'HyperMesh needs your attention', body: issue.message }).show();
    }
    for (const code of notified) if (!status.health.some((h) => h.code === code)) notified.delete(code);
  };
  node.events.on('status', notifyHealth);
  notifyHealth(await node.api.getStatus());
  node.events.on('settingsChanged', (settings) => {
    updateTray();
    app.setLoginItemSettings({ openAtLogin: settings.app.startAtLogin });
  });
  const icon = nativeImage.createFromPath(iconFile);
  if (!icon.isEmpty()) {
    tray = new Tray(icon.resize({ width: 22, height: 22 }));
    tray.on('click', () => mainWindow?.show());
    updateTray();
  }
  mainWindow = createWindow();
}

// Tests and portable installs choose the data folder; otherwise Electron's per-user folder is used.
if (process.env.HYPERMESH_DATA_DIR) app.setPath('userData', resolve(process.env.HYPERMESH_DATA_DIR));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    mainWindow?.show();
    mainWindow?.focus();
  });
  process.on('uncaughtException', (err) => showFatal('Unexpected error in HyperMesh', err));
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (e, url) => {
      if (url.split('#')[0] !== rendererUrl) e.preventDefault();
    });
  });
  app.on('before-quit', (e) => {
    if (quitting || !node) return;
    quitting = true;
    e.preventDefault();
    void node.stop().finally(() => app.quit());
  });
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  app.whenReady().then(boot, (err: unknown) => {
    showFatal('HyperMesh could not start', err);
    app.exit(1);
  });
}
