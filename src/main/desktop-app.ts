import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiReply, NodeStatus } from '../shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '../shared/api/ipc-channels';
import { ErrorCode } from '../shared/errors';
import type { Settings } from '../shared/settings';
import type { BrowserWindowLike, ElectronApi, IpcMainInvokeEventLike, TrayLike, WebContentsLike } from './electron-api';
import { listBackups } from '../node-core/store/backup-files';
import type { ApiErrorBody } from '../shared/errors';
import { errorPage } from './error-page';
import { gpuJobArgs } from './gpu-runtime';
import { NodeHost } from './node-host';
import { startPowerReadings, type PowerReadings } from './power-readings';
import type { RestartPolicy } from './restart-policy';
import { recoveryPlan } from './recovery';
import { trayMenu } from './tray-menu';
import { updatesState } from './update-policy';
import { UpdateService, type UpdaterLike } from './updates';
import { loadWindowState, trackWindowState } from './window-state';

export interface DesktopOptions {
  readonly electron: ElectronApi;
  readonly files: {
    readonly renderer: string;
    readonly preload: string;
    readonly trayIcon: string;
    /** The built node entry run in the utilityProcess. */
    readonly nodeEntry: string;
    /** The plain Node runtime a packaged app ships for GPU jobs (gpu-runtime.ts); GPU jobs stay off without it. */
    readonly gpuRuntime?: string;
  };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the node's STOQ listens; none runs it without a peer transport (tests). */
  readonly listen?: string;
  readonly restartPolicy?: RestartPolicy;
  /** How long quitting waits for the node to stop cleanly before killing it. */
  readonly stopTimeoutMs?: number;
  /** electron-updater's autoUpdater, loaded by index.ts only in installed builds. */
  readonly loadUpdater?: () => Promise<UpdaterLike>;
  /** How often powerMonitor's idle time and battery state go to the node (default 5 s; power events send at once). */
  readonly readingsIntervalMs?: number;
  readonly log?: (line: string) => void;
}

export interface DesktopApp {
  /** False when another instance already runs (this one quits). */
  readonly primary: boolean;
  /** Settles when the node answered and the window exists (or start failed). */
  readonly booted: Promise<void>;
  readonly host: NodeHost | undefined;
  mainWindow(): BrowserWindowLike | undefined;
  tray(): TrayLike | undefined;
  /** Settles when quitting finished stopping the node. */
  readonly quitDone: Promise<void>;
}

/**
 * The Electron main process: single instance, the node in its own process, one window, the tray, notifications,
 * updates. Everything Electron comes in through `electron`, so tests run this with a double.
 */
export function startDesktopApp(options: DesktopOptions): DesktopApp {
  const { electron, files, env } = options;
  const { app, BrowserWindow, dialog } = electron;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rendererUrl = pathToFileURL(files.renderer).href;
  const isOwnPage = (url: string | undefined) => url !== undefined && url.split('#')[0] === rendererUrl;

  // Tests and portable installs choose the data folder; otherwise Electron's per-user folder is used.
  if (env.HYPERMESH_DATA_DIR) app.setPath('userData', resolve(env.HYPERMESH_DATA_DIR));
  let resolveQuit: () => void = () => undefined;
  const quitDone = new Promise<void>((r) => (resolveQuit = r));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    resolveQuit();
    return {
      primary: false,
      booted: Promise.resolve(),
      host: undefined,
      mainWindow: () => undefined,
      tray: () => undefined,
      quitDone,
    };
  }

  let mainWindow: BrowserWindowLike | undefined;
  let tray: TrayLike | undefined;
  let quitting = false;
  let settings: Settings | undefined;
  let nodeIdShort = '';
  let updates: UpdateService | undefined;
  const dataDir = () => app.getPath('userData');
  const gpu = gpuJobArgs(files.gpuRuntime, existsSync);
  log(gpu.note);
  const host = new NodeHost({
    utilityProcess: electron.utilityProcess,
    entry: files.nodeEntry,
    args: ['--data-dir', dataDir(), ...(options.listen ? ['--listen', options.listen] : []), ...gpu.args],
    ...(options.restartPolicy ? { policy: options.restartPolicy } : {}),
  });

  const showWindow = () => {
    mainWindow?.show();
    mainWindow?.focus();
  };
  const showFatal = (title: string, err: unknown) => {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`${title}: ${detail}`);
    // The message box text can be selected and copied on every platform.
    dialog.showMessageBoxSync({ type: 'error', title: 'HyperMesh', message: title, detail, buttons: ['OK'] });
  };
  const notify = (title: string, body: string) => {
    if (electron.Notification.isSupported()) new electron.Notification({ title, body }).show();
  };
  let readings: PowerReadings | undefined;
  const stopNodeThenQuit = () => {
    if (quitting) return;
    quitting = true;
    readings?.stop();
    void host
      .stop(options.stopTimeoutMs)
      .then((outcome) => log(`node process stopped (${outcome})`))
      .finally(() => {
        resolveQuit();
        app.quit();
      });
  };

  let shownTooltip: string | undefined;
  const updateTray = (onlyIfChanged = false) => {
    if (!tray) return;
    const menu = trayMenu(
      { nodeIdShort, settings, now: new Date() },
      {
        // The reply comes back as a settingsChanged event, which redraws the tray.
        pause: (request) => void host.call('pauseSharing', [request]).then((r) => logRefusal('pause', r)),
        resume: () => void host.call('resumeSharing', []).then((r) => logRefusal('resume', r)),
        openWindow: showWindow,
        quit: () => app.quit(),
      },
    );
    // The clock moves the tooltip ("tomorrow 00:00" becomes "00:00"): redraw then, not on every tick.
    if (onlyIfChanged && menu.tooltip === shownTooltip) return;
    shownTooltip = menu.tooltip;
    tray.setToolTip(menu.tooltip);
    tray.setContextMenu(electron.Menu.buildFromTemplate(menu.items));
  };
  const logRefusal = (what: string, reply: ApiReply<unknown>) => {
    if (!reply.ok) log(`tray: ${what} refused: ${reply.error.code}: ${reply.error.message}`);
  };
  const applySettings = (next: Settings) => {
    settings = next;
    updateTray();
    app.setLoginItemSettings({ openAtLogin: next.app.startAtLogin });
    const state = updatesState({ isPackaged: app.isPackaged, setting: next.app.autoUpdate, env });
    updates?.setEnabled(state.enabled);
  };
  const refreshFromNode = async () => {
    const reply = await host.call('getSettings', []);
    if (reply.ok) applySettings(reply.value as Settings);
  };

  // Warnings the node reports become native notifications, once per problem; errors come as the node's notices
  // (node-failure, certificate-problem), which the person can turn off.
  const notified = new Set<string>();
  const notifyHealth = (status: NodeStatus) => {
    for (const issue of status.health) {
      if (notified.has(issue.code) || issue.severity !== 'warning') continue;
      notified.add(issue.code);
      notify('HyperMesh needs your attention', issue.message);
    }
    for (const code of notified) if (!status.health.some((h) => h.code === code)) notified.delete(code);
  };

  host.events.on('event', (message) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, message);
    if (message.event === 'status') notifyHealth(message.payload);
    if (message.event === 'settingsChanged') applySettings(message.payload);
    // The node sends only the kinds the settings leave on.
    if (message.event === 'notice') notify(message.payload.title, message.payload.body);
  });
  host.events.on('ready', (info) => {
    nodeIdShort = info.nodeIdShort;
    readings?.sendNow(); // a restarted node has lost the fed readings
    if (info.restarts > 0) void refreshFromNode();
  });
  host.events.on('crashed', (info) => {
    // The node cannot say now whether node-failure notices are on: its last settings do.
    const failureOn = settings?.notifications['node-failure'] ?? true;
    settings = undefined;
    updateTray();
    if (info.restarting) {
      if (failureOn)
        notify(
          'HyperMesh restarted its node',
          'The node stopped unexpectedly and was started again. Your data is safe.',
        );
      return;
    }
    if (failureOn)
      notify('HyperMesh node keeps stopping', `It stopped ${info.recentCrashes} times in a row; see the log.`);
    showErrorWindow(
      `The HyperMesh node stopped ${info.recentCrashes} times in a short while, so it was not restarted.`,
    );
  });
  host.events.on('failed', (info) => void offerRecovery(info.error));

  /**
   * A failed start: the error window with the node's log, and for a damaged or missing database or identity, the
   * way out by its code: restore the latest backup (then the node starts again), open the data folder, or quit.
   */
  const offerRecovery = async (error: ApiErrorBody) => {
    const headline = `The HyperMesh node could not start: ${error.message}`;
    const plan = recoveryPlan(error.code, listBackups(dataDir()), dataDir());
    showErrorWindow(headline, plan ? `${plan.message} ${plan.detail.split('\n')[0] ?? ''}` : undefined);
    if (!plan) return;
    const quitAt = plan.buttons.findIndex((b) => b.action.kind === 'quit');
    for (;;) {
      const { response } = await dialog.showMessageBox({
        type: 'error',
        title: 'HyperMesh',
        message: plan.message,
        detail: plan.detail,
        buttons: plan.buttons.map((b) => b.label),
        defaultId: 0,
        cancelId: quitAt,
      });
      const action = plan.buttons[response]?.action ?? { kind: 'quit' };
      if (action.kind === 'open-folder') {
        const problem = await electron.shell.openPath(dataDir());
        if (problem) log(`could not open the data folder: ${problem}`);
        continue; // the folder is open beside the dialog: the choice is still to be made
      }
      if (action.kind === 'quit') {
        app.quit();
        return;
      }
      log(`restoring ${action.file} and starting the node again`);
      errorWindow?.close();
      errorWindow = undefined;
      await boot(['--restore-from', action.file]);
      return;
    }
  };

  let errorWindow: BrowserWindowLike | undefined;
  const showErrorWindow = (headline: string, advice?: string) => {
    log(headline);
    errorWindow?.close();
    errorWindow = new BrowserWindow({
      width: 900,
      height: 600,
      title: 'HyperMesh — node log',
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
    });
    const logFile = resolve(dataDir(), 'logs', 'node.log');
    const page = errorPage({ headline, log: host.log, logFile, ...(advice === undefined ? {} : { advice }) });
    void errorWindow.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(page)}`);
  };

  const createWindow = (): BrowserWindowLike => {
    const state = loadWindowState(dataDir());
    const win = new BrowserWindow({
      ...state.bounds,
      minWidth: 800,
      minHeight: 560,
      title: 'HyperMesh',
      show: false,
      webPreferences: {
        preload: files.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    if (state.maximized) win.maximize();
    trackWindowState(win, dataDir());
    win.once('ready-to-show', () => win.show());
    win.on('close', (e: { preventDefault(): void }) => {
      if (!quitting && tray) {
        e.preventDefault(); // closing the window keeps sharing running in the tray
        win.hide();
      }
    });
    win.webContents.on('render-process-gone', (_e: unknown, details: { reason: string }) => {
      showFatal(`The window crashed (${details.reason}). Your node and its data are safe; the window will reload.`, '');
      win.webContents.reload();
    });
    void win.loadFile(files.renderer, { hash: '/dashboard' });
    return win;
  };

  const waitForNode = () =>
    new Promise<boolean>((done) => {
      const offReady = host.events.on('ready', () => finish(true));
      const offFailed = host.events.on('failed', () => finish(false));
      const finish = (ok: boolean) => {
        offReady();
        offFailed();
        done(ok);
      };
    });

  /** extraArgs: a start after a failed one (the restore); the first start has none. */
  const boot = async (extraArgs?: readonly string[]) => {
    // Start order: the node process first, then the IPC relay, the tray and the window once the node answers.
    const nodeUp = waitForNode();
    if (extraArgs) await host.startAgain(extraArgs);
    else host.start();
    if (!(await nodeUp)) return;
    // What only the shell knows (idle time, battery) feeds the node's sharing rules from now on.
    readings = startPowerReadings({
      powerMonitor: electron.powerMonitor,
      send: (frame) => {
        host.sendReadings(frame);
        updateTray(true);
      },
      log,
      ...(options.readingsIntervalMs === undefined ? {} : { intervalMs: options.readingsIntervalMs }),
    });
    readings.sendNow();
    electron.ipcMain.handle(IPC_CALL, (event: IpcMainInvokeEventLike, method: unknown, args: unknown) => {
      if (!isOwnPage(event.senderFrame?.url)) {
        return {
          ok: false,
          error: { code: ErrorCode.ForbiddenOrigin, message: 'only the HyperMesh window may call the node' },
        };
      }
      return host.call(method, args);
    });
    const icon = electron.nativeImage.createFromPath(files.trayIcon);
    if (!icon.isEmpty()) {
      tray = new electron.Tray(icon.resize({ width: 22, height: 22 }));
      tray.on('click', showWindow);
    }
    await refreshFromNode();
    const status = await host.call('getStatus', []);
    if (status.ok) notifyHealth(status.value as NodeStatus);
    mainWindow = createWindow();
    if (options.loadUpdater && settings && updatesState({ isPackaged: app.isPackaged, setting: true, env }).enabled) {
      updates = new UpdateService({
        updater: await options.loadUpdater(),
        dialog,
        log,
        beforeInstall: async () => {
          quitting = true;
          await host.stop(options.stopTimeoutMs);
        },
      });
      applySettings(settings);
    }
  };

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_e: unknown, contents: WebContentsLike) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void electron.shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (e: { preventDefault(): void }, url: string) => {
      if (!isOwnPage(url)) e.preventDefault();
    });
  });
  app.on('before-quit', (e: { preventDefault(): void }) => {
    if (quitting) return;
    e.preventDefault();
    stopNodeThenQuit();
  });
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  // The system is shutting down: stop the node cleanly while it waits (Linux and macOS honour the delay).
  electron.powerMonitor.on('shutdown', (e: { preventDefault(): void }) => {
    e.preventDefault();
    stopNodeThenQuit();
  });
  const booted = app.whenReady().then(
    () => boot(),
    (err: unknown) => {
      showFatal('HyperMesh could not start', err);
      app.exit(1);
    },
  );
  return { primary: true, booted, host, mainWindow: () => mainWindow, tray: () => tray, quitDone };
}
