import { existsSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiReply } from '../shared/api/contract';
import { IPC_CALL } from '../shared/api/ipc-channels';
import type { Settings } from '../shared/settings';
import { LogBook } from '../node-core/logging/log-book';
import { createNode } from '../node-core/node';
import { listBackups } from '../node-core/store/backup-files';
import { fixedHardware } from '../node-core/testing/fixed-hardware';
import { useTempDirs } from '../node-core/testing/temp-dir';
import { startDesktopApp } from './desktop-app';
import { OWN_URL, RENDERER_FILE, useCleanups, useNodeEntry, until } from './testing/desktop-tests';
import { ElectronDouble, type BrowserWindowDouble } from './testing/electron-double';

// issue #22, item 2: a damaged database refuses to start, and the desktop app offers the way out in an error window.
const nodeEntry = useNodeEntry();

const tempDir = useTempDirs();
const cleanups = useCleanups();

/** A data folder whose node ran, with allocation.cpu 25 in its settings and in its only backup. */
async function folderWithBackup(): Promise<string> {
  const dir = tempDir();
  const quiet = () => createNode({ dataDir: dir }, { hardware: fixedHardware(), logBook: new LogBook() });
  let node = quiet();
  await node.start();
  await node.api.updateSettings({ allocation: { cpu: 25 } });
  await node.stop();
  rmSync(join(dir, 'backups'), { recursive: true }); // the first start's backup predates the change
  node = quiet();
  await node.start(); // this start backs the settings up
  await node.stop();
  expect(listBackups(dir)).toHaveLength(1);
  return dir;
}

/** The app on `dir`, with the Electron double answering its dialogs with `answers` (button indexes), in order. */
function launch(dir: string, answers: number[]) {
  const electron = new ElectronDouble({ userData: dir });
  electron.dialogAnswers.push(...answers);
  const lines: string[] = [];
  const app = startDesktopApp({
    electron,
    files: {
      renderer: RENDERER_FILE,
      preload: resolve('out/preload/index.cjs'),
      trayIcon: 'none.png',
      nodeEntry: nodeEntry(),
    },
    env: {},
    log: (line) => lines.push(line),
  });
  cleanups.push(async () => {
    if (!electron.app.quitted) {
      electron.app.quit();
      await app.quitDone;
    }
    electron.killAll();
  });
  return { electron, app, lines };
}

const pageOf = (win: BrowserWindowDouble) =>
  decodeURIComponent(win.webContents.getURL().replace(/^data:text\/html;charset=utf-8,/, ''));

describe('the desktop app on a damaged data folder', () => {
  it('explains a damaged database, lists the backups, restores the latest one and starts the node on it', async () => {
    const dir = await folderWithBackup();
    truncateSync(join(dir, 'hypermesh.db'), 0);
    const { electron, app } = launch(dir, [0]); // "Restore the latest backup"

    const box = await until('the recovery dialog', () => electron.messageBoxes[0]);
    expect(box.buttons).toEqual(['Restore the latest backup', 'Open data folder', 'Quit']);
    expect(box.message).toMatch(/database .* is damaged or empty/);
    expect(box.detail).toMatch(/Backups:\n {2}.+\(daily, \d+ KiB\)/);
    expect(box.detail).toContain(dir);
    const errorWindow = electron.windows[0];
    expect(errorWindow && pageOf(errorWindow)).toMatch(/could not start: .*is empty \(0 bytes\)/);

    // Restored with the CLI's code path, then the node started again: the window opens on the restored settings.
    await until('the main window after the restore', () => app.mainWindow(), 120_000);
    const reply = (await electron.invoke(IPC_CALL, OWN_URL, 'getSettings', [])) as ApiReply<Settings>;
    expect(reply.ok && reply.value.allocation.cpu).toBe(25);
    const aside = readdirSync(dir).filter((f) => f.startsWith('hypermesh.db.replaced-'));
    expect(aside).toHaveLength(1);
    expect(statSync(join(dir, aside[0] ?? '')).size).toBe(0); // the damaged file, moved aside, not deleted
    expect(errorWindow?.isDestroyed()).toBe(true);
  }, 180_000);

  it('"Open data folder" opens it and asks again; "Quit" quits, and the damaged file is left as it was', async () => {
    const dir = await folderWithBackup();
    truncateSync(join(dir, 'hypermesh.db'), 0);
    const { electron } = launch(dir, [1, 2]);
    await until('quit', () => electron.app.quitted, 120_000);
    expect(electron.openedPaths).toEqual([dir]);
    expect(electron.messageBoxes).toHaveLength(2);
    expect(statSync(join(dir, 'hypermesh.db')).size).toBe(0);
    expect(readdirSync(dir).some((f) => f.startsWith('hypermesh.db.replaced-'))).toBe(false);
  }, 180_000);

  it('a missing identity: no database restore is offered, the way out names identity.json', async () => {
    const dir = await folderWithBackup();
    rmSync(join(dir, 'identity.json'));
    const { electron } = launch(dir, [1]); // "Quit" (the second button here)
    await until('quit', () => electron.app.quitted, 120_000);
    const box = electron.messageBoxes[0];
    expect(box?.buttons).toEqual(['Open data folder', 'Quit']);
    expect(box?.detail).toContain('identity.json');
    expect(existsSync(join(dir, 'identity.json'))).toBe(false);
  }, 180_000);
});
