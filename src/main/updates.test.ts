import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { MessageBoxOptions } from './electron-api';
import { RESTART_NOW, UPDATE_CHECK_INTERVAL_MS, restartPrompt, updateErrorLine, updatesState } from './update-policy';
import { UpdateService, type UpdaterLike } from './updates';

describe('updatesState', () => {
  it('is off in development, when HYPERMESH_NO_UPDATES=1 and when the user turned it off; on otherwise', () => {
    expect(updatesState({ isPackaged: false, setting: true, env: {} })).toEqual({
      enabled: false,
      reason: 'development',
    });
    expect(updatesState({ isPackaged: true, setting: true, env: { HYPERMESH_NO_UPDATES: '1' } })).toEqual({
      enabled: false,
      reason: 'env',
    });
    expect(updatesState({ isPackaged: true, setting: false, env: {} })).toEqual({
      enabled: false,
      reason: 'turned-off',
    });
    expect(updatesState({ isPackaged: true, setting: true, env: { HYPERMESH_NO_UPDATES: '0' } })).toEqual({
      enabled: true,
    });
  });

  it('checks every 12 hours and asks before restarting, naming the version', () => {
    expect(UPDATE_CHECK_INTERVAL_MS).toBe(43_200_000);
    const prompt = restartPrompt('1.2.3');
    expect(prompt.message).toContain('1.2.3');
    expect(prompt.buttons?.[RESTART_NOW]).toBe('Restart now');
    expect(prompt.cancelId).not.toBe(RESTART_NOW);
    expect(updateErrorLine(new Error('offline'))).toBe('update check failed: offline');
  });
});

/** A test double of electron-updater's autoUpdater (the real one needs Electron). */
class UpdaterDouble extends EventEmitter implements UpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  checks = 0;
  installs = 0;
  failNext = false;
  async checkForUpdates(): Promise<unknown> {
    this.checks++;
    if (this.failNext) throw new Error('feed unreachable');
    return null;
  }
  quitAndInstall(): void {
    this.installs++;
  }
}

function service(answers: number[], intervalMs = UPDATE_CHECK_INTERVAL_MS) {
  const updater = new UpdaterDouble();
  const boxes: MessageBoxOptions[] = [];
  const lines: string[] = [];
  let stoppedNode = 0;
  const dialog = {
    showMessageBox: async (o: MessageBoxOptions) => {
      boxes.push(o);
      return { response: answers.shift() ?? 1 };
    },
    showMessageBoxSync: () => 0,
  };
  const svc = new UpdateService({
    updater,
    dialog,
    log: (l) => lines.push(l),
    beforeInstall: async () => {
      stoppedNode++;
    },
    intervalMs,
  });
  return { updater, boxes, lines, svc, stopped: () => stoppedNode };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('UpdateService', () => {
  it('checks once when enabled, not again when enabled twice, and stops checking when disabled', async () => {
    const { updater, svc } = service([]);
    expect(updater.autoDownload).toBe(true);
    svc.setEnabled(true);
    svc.setEnabled(true);
    expect(updater.checks).toBe(1);
    svc.setEnabled(false);
    expect(svc.enabled).toBe(false);
  });

  it('checks again every interval while enabled', async () => {
    const { updater, svc } = service([], 20);
    svc.setEnabled(true);
    const deadline = Date.now() + 30_000;
    while (updater.checks < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(updater.checks).toBeGreaterThanOrEqual(3);
    svc.setEnabled(false);
  });

  it('logs a failed check instead of showing it', async () => {
    const { updater, svc, lines, boxes } = service([]);
    updater.failNext = true;
    svc.setEnabled(true);
    await tick();
    expect(lines).toEqual(['update check failed: feed unreachable']);
    expect(boxes).toHaveLength(0);
    svc.setEnabled(false);
  });

  it('installs only when the user chooses Restart now, after stopping the node', async () => {
    const later = service([1]);
    later.updater.emit('update-downloaded', { version: '2.0.0' });
    await tick();
    expect(later.boxes[0]?.message).toContain('2.0.0');
    expect(later.updater.installs).toBe(0);
    expect(later.stopped()).toBe(0);

    const now = service([RESTART_NOW]);
    now.updater.emit('update-downloaded', { version: '2.0.0' });
    await tick();
    await tick();
    expect(now.stopped()).toBe(1);
    expect(now.updater.installs).toBe(1);
  });
});
