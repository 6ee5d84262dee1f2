import type { ElectronApi } from './electron-api';
import { RESTART_NOW, UPDATE_CHECK_INTERVAL_MS, restartPrompt, updateErrorLine } from './update-policy';

/** The part of electron-updater's autoUpdater used here (the real one is loaded only in installed builds). */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(): void;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Checks for updates at start and every 12 h while enabled, downloads in the background, and asks the user before
 * restarting. `beforeInstall` stops the node cleanly first.
 */
export class UpdateService {
  private timer: NodeJS.Timeout | undefined;
  private asking = false;

  constructor(
    private readonly options: {
      readonly updater: UpdaterLike;
      readonly dialog: ElectronApi['dialog'];
      readonly log: (line: string) => void;
      readonly beforeInstall: () => Promise<void>;
      readonly intervalMs?: number;
    },
  ) {
    const { updater } = options;
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    updater.on('error', (err) => options.log(updateErrorLine(err)));
    updater.on('update-downloaded', (info) => void this.offerRestart(info.version));
  }

  get enabled(): boolean {
    return this.timer !== undefined;
  }

  /** Turns checks on (one now, then every interval) or off; idempotent. */
  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    if (!on) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.timer = setInterval(() => this.check(), this.options.intervalMs ?? UPDATE_CHECK_INTERVAL_MS);
    this.timer.unref();
    this.check();
  }

  private check(): void {
    this.options.updater.checkForUpdates().catch((err: unknown) => this.options.log(updateErrorLine(err)));
  }

  private async offerRestart(version: string): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      const { response } = await this.options.dialog.showMessageBox(restartPrompt(version));
      if (response !== RESTART_NOW) return;
      await this.options.beforeInstall();
      this.options.updater.quitAndInstall();
    } finally {
      this.asking = false;
    }
  }
}
