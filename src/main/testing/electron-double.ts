import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  BrowserWindowLike,
  BrowserWindowOptions,
  ElectronApi,
  IpcMainInvokeEventLike,
  MenuItemOptions,
  MessageBoxOptions,
  NativeImageLike,
  Rectangle,
  TrayLike,
  UtilityProcessLike,
  WebContentsLike,
} from '../electron-api';

/**
 * A test double of the Electron APIs main uses, with the same shapes (ElectronApi). What can be real is real:
 * utilityProcess.fork starts a real OS process (child_process.fork, whose IPC channel the node entry uses as its
 * parent port), the single-instance lock is a file in the user-data folder, nativeImage reads the file system.
 * Windows, tray and dialogs are records the tests inspect and drive.
 */
export interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

function preventable(): PreventableEvent {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
}

class Emitter {
  private readonly emitter = new EventEmitter();
  on(event: string, listener: (...args: never[]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  once(event: string, listener: (...args: never[]) => void): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    return this.emitter.emit(event, ...args);
  }
}

export class WebContentsDouble extends Emitter implements WebContentsLike {
  url = '';
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' } | { action: 'allow' }) | undefined;
  reloads = 0;
  getURL(): string {
    return this.url;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: NonNullable<WebContentsDouble['windowOpenHandler']>): void {
    this.windowOpenHandler = handler;
  }
  reload(): void {
    this.reloads++;
  }
  /** What a page's navigation attempt would do: true if main let it go through. */
  navigate(url: string): boolean {
    const e = preventable();
    this.emit('will-navigate', e, url);
    return !e.defaultPrevented;
  }
}

/**
 * powerMonitor with readings the test sets. Like Electron's, it only answers when asked: main polls it and listens
 * for its events, which the test emits (`powerMonitor.emit('on-battery')`) after changing a reading.
 */
export class PowerMonitorDouble extends Emitter {
  idleSeconds = 0;
  onBattery = false;
  /** How many times main read the idle time (lets a test wait for a poll without timing it). */
  idleReads = 0;
  getSystemIdleTime(): number {
    this.idleReads++;
    return this.idleSeconds;
  }
  isOnBatteryPower(): boolean {
    return this.onBattery;
  }
}

export class ElectronDouble implements ElectronApi {
  /** Every call that matters for start order, in order. */
  readonly journal: string[] = [];
  readonly windows: BrowserWindowDouble[] = [];
  readonly trays: TrayDouble[] = [];
  readonly notifications: { title: string; body: string }[] = [];
  readonly messageBoxes: MessageBoxOptions[] = [];
  /** Answers (button indexes) the next showMessageBox calls get; 0 when empty. */
  readonly dialogAnswers: number[] = [];
  readonly openedExternal: string[] = [];
  /** Folders shell.openPath was asked to show. */
  readonly openedPaths: string[] = [];
  readonly handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  readonly children: ChildProcess[] = [];
  readonly loginItem: { openAtLogin: boolean }[] = [];
  quitCount = 0;
  exitCode: number | undefined;

  readonly app: AppDouble;
  readonly BrowserWindow: ElectronApi['BrowserWindow'];
  readonly Tray: ElectronApi['Tray'];
  readonly Menu = { buildFromTemplate: (template: MenuItemOptions[]) => ({ items: template }) };
  readonly nativeImage = {
    createFromPath: (path: string): NativeImageLike => imageDouble(existsSync(path) && readFileSync(path).length > 0),
  };
  readonly ipcMain = {
    handle: (channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown) => {
      if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
      this.journal.push(`ipcMain.handle ${channel}`);
      this.handlers.set(channel, listener);
    },
  };
  readonly utilityProcess = {
    fork: (modulePath: string, args: string[], options: { stdio?: 'pipe' | 'inherit' }): UtilityProcessLike => {
      this.journal.push('utilityProcess.fork');
      return forkUtilityProcess(modulePath, args, options, {
        onChild: (child) => this.children.push(child),
        note: (line) => this.journal.push(line),
      });
    },
  };
  readonly powerMonitor = new PowerMonitorDouble();
  readonly Notification: ElectronApi['Notification'];
  readonly dialog = {
    showMessageBox: async (options: MessageBoxOptions) => {
      this.messageBoxes.push(options);
      return { response: this.dialogAnswers.shift() ?? 0 };
    },
    showMessageBoxSync: (options: MessageBoxOptions) => {
      this.messageBoxes.push(options);
      return this.dialogAnswers.shift() ?? 0;
    },
  };
  readonly shell = {
    openExternal: async (url: string) => {
      this.openedExternal.push(url);
    },
    openPath: async (path: string) => {
      this.openedPaths.push(path);
      return '';
    },
  };

  constructor(options: { userData: string; isPackaged?: boolean }) {
    this.app = new AppDouble(this, options.userData, options.isPackaged ?? false);
    // Electron's classes are called with `new`; plain functions that return doubles keep `this` for the double.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const double = this;
    this.BrowserWindow = Object.assign(
      function (opts: BrowserWindowOptions) {
        return new BrowserWindowDouble(double, opts);
      } as unknown as new (opts: BrowserWindowOptions) => BrowserWindowLike,
      { getAllWindows: () => double.windows.filter((w) => !w.isDestroyed()) },
    );
    this.Tray = function () {
      const tray = new TrayDouble();
      double.journal.push('new Tray');
      double.trays.push(tray);
      return tray;
    } as unknown as ElectronApi['Tray'];
    this.Notification = Object.assign(
      function (opts: { title: string; body: string }) {
        return { show: () => double.notifications.push(opts) };
      } as unknown as new (opts: { title: string; body: string }) => { show(): void },
      { isSupported: () => true },
    );
  }

  /** Calls the IPC handler as a page at `senderUrl` would (null: a frame that is gone). */
  async invoke(channel: string, senderUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, ...args);
  }

  /** Ends every child process the double started (a test's cleanup; the app normally stops them). */
  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

function imageDouble(present: boolean): NativeImageLike {
  return { isEmpty: () => !present, resize: () => imageDouble(present) };
}

/**
 * utilityProcess.fork for plain Node: a real child process whose Node IPC channel stands in for the MessagePort
 * (the node entry adapts it to `process.parentPort`'s shape, see node-core/api/port-carrier.ts).
 */
export function forkUtilityProcess(
  modulePath: string,
  args: string[],
  options: { stdio?: 'pipe' | 'inherit' } = {},
  hooks: { onChild?: (child: ChildProcess) => void; note?: (line: string) => void } = {},
): UtilityProcessLike {
  const child = fork(modulePath, args, {
    stdio: options.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced', // structured clone, as Electron's MessagePort
  });
  hooks.onChild?.(child);
  return utilityProcessDouble(child, hooks.note ?? (() => undefined));
}

function utilityProcessDouble(child: ChildProcess, note: (line: string) => void): UtilityProcessLike {
  const proc = new Emitter();
  child.on('spawn', () => proc.emit('spawn'));
  child.on('message', (m) => proc.emit('message', m));
  child.on('exit', (code, signal) => {
    note(`node process exit ${code ?? signal ?? ''}`);
    proc.emit('exit', code ?? 1);
  });
  return Object.assign(proc, {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    postMessage: (message: unknown) => {
      if (child.connected) child.send(message as never);
    },
    kill: () => child.kill('SIGTERM'),
  });
}

/** Single-instance locks of this test process, by user-data folder, so a second app can tell the first. */
const instances = new Map<string, AppDouble>();

export class AppDouble extends Emitter {
  quitted = false;
  private lockFile: string | undefined;
  constructor(
    private readonly double: ElectronDouble,
    private userData: string,
    readonly isPackaged: boolean,
  ) {
    super();
  }
  requestSingleInstanceLock(): boolean {
    const file = join(this.userData, 'SingletonLock');
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch {
      instances.get(this.userData)?.emit('second-instance', preventable(), []);
      return false;
    }
    this.lockFile = file;
    instances.set(this.userData, this);
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.double.quitCount++;
    this.double.journal.push('app.quit');
    const e = preventable();
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    this.quitted = true;
    for (const w of this.double.windows) w.destroy();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
    if (instances.get(this.userData) === this) instances.delete(this.userData);
  }
  exit(code = 0): void {
    this.double.exitCode = code;
  }
  getPath(): string {
    return this.userData;
  }
  setPath(_name: string, path: string): void {
    this.userData = path;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    this.double.loginItem.push(settings);
  }
}

export class BrowserWindowDouble extends Emitter implements BrowserWindowLike {
  readonly webContents = new WebContentsDouble();
  visible = false;
  focused = false;
  private destroyed = false;
  private maximized = false;
  constructor(
    double: ElectronDouble,
    readonly options: BrowserWindowOptions,
  ) {
    super();
    double.journal.push('new BrowserWindow');
    double.windows.push(this);
    double.app.emit('web-contents-created', preventable(), this.webContents);
    if (options.show !== false) this.visible = true;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  close(): void {
    const e = preventable();
    this.emit('close', e);
    if (!e.defaultPrevented) this.destroy();
  }
  destroy(): void {
    this.destroyed = true;
    this.visible = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds(): Rectangle {
    return { x: 0, y: 0, width: this.options.width ?? 800, height: this.options.height ?? 600 };
  }
  async loadFile(file: string, options?: { hash?: string }): Promise<void> {
    this.webContents.url = `${pathToFileURL(file).href}${options?.hash ? `#${options.hash}` : ''}`;
    this.emit('ready-to-show');
  }
  async loadURL(url: string): Promise<void> {
    this.webContents.url = url;
  }
}

export class TrayDouble extends Emitter implements TrayLike {
  tooltip = '';
  menu: MenuItemOptions[] = [];
  destroyed = false;
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: unknown): void {
    this.menu = (menu as { items: MenuItemOptions[] }).items;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks the menu item with this label; throws if there is none or it is disabled. */
  clickItem(label: string): void {
    const item = this.menu.find((i) => i.label === label);
    if (!item?.click || item.enabled === false) throw new Error(`no clickable tray item "${label}"`);
    item.click();
  }
}
