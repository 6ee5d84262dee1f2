/**
 * The part of Electron that main uses, as plain shapes: index.ts passes the real `electron` module, tests pass
 * the double in ./testing. Listener parameters are typed loosely (`never[]`) so both fit one signature.
 */
type Listener = (...args: never[]) => void;

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NavigationEvent {
  preventDefault(): void;
}

export interface WebContentsLike {
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  on(event: string, listener: Listener): unknown;
  reload(): void;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  webSecurity?: boolean;
  spellcheck?: boolean;
}

export interface BrowserWindowOptions {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  title?: string;
  show?: boolean;
  webPreferences?: WebPreferences;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  show(): void;
  hide(): void;
  focus(): void;
  close(): void;
  maximize(): void;
  isMaximized(): boolean;
  isDestroyed(): boolean;
  getNormalBounds(): Rectangle;
  loadFile(file: string, options?: { hash?: string }): Promise<void>;
  loadURL(url: string): Promise<void>;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
}

export interface MenuItemOptions {
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export interface TrayLike {
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface NativeImageLike {
  isEmpty(): boolean;
  resize(size: { width: number; height: number }): NativeImageLike;
}

export interface IpcMainInvokeEventLike {
  /** The frame that sent the call; null once it navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string } | null;
}

/** The child side of utilityProcess.fork(): its own OS process, with a message port to main. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'spawn', listener: () => void): unknown;
}

export interface MessageBoxOptions {
  type?: 'none' | 'info' | 'error' | 'question' | 'warning';
  title?: string;
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface ElectronApi {
  readonly app: {
    readonly isPackaged: boolean;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<unknown>;
    quit(): void;
    exit(code?: number): void;
    getPath(name: 'userData' | 'logs'): string;
    setPath(name: 'userData', path: string): void;
    getVersion(): string;
    setLoginItemSettings(settings: { openAtLogin: boolean }): void;
    on(event: string, listener: Listener): unknown;
  };
  readonly BrowserWindow: {
    new (options: BrowserWindowOptions): BrowserWindowLike;
    getAllWindows(): BrowserWindowLike[];
  };
  readonly Tray: new (image: NativeImageLike) => TrayLike;
  readonly Menu: { buildFromTemplate(template: MenuItemOptions[]): unknown };
  readonly nativeImage: { createFromPath(path: string): NativeImageLike };
  readonly ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void;
  };
  readonly utilityProcess: {
    fork(
      modulePath: string,
      args: string[],
      options: { serviceName?: string; stdio?: 'pipe' | 'inherit'; env?: NodeJS.ProcessEnv },
    ): UtilityProcessLike;
  };
  readonly powerMonitor: {
    on(
      event: 'suspend' | 'resume' | 'shutdown' | 'on-battery' | 'on-ac' | 'lock-screen' | 'unlock-screen',
      listener: Listener,
    ): unknown;
    /** Seconds since the last keyboard or mouse input. */
    getSystemIdleTime(): number;
    isOnBatteryPower(): boolean;
  };
  readonly Notification: {
    new (options: { title: string; body: string }): { show(): void };
    isSupported(): boolean;
  };
  readonly dialog: {
    showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>;
    showMessageBoxSync(options: MessageBoxOptions): number;
  };
  readonly shell: { openExternal(url: string): Promise<void>; openPath(path: string): Promise<string> };
}
