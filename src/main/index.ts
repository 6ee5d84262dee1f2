// Electron's entry: passes the real electron module to the app logic in desktop-app.ts (tests pass a double).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ElectronApi } from './electron-api';
import { startDesktopApp } from './desktop-app';
import { shippedNodeRuntime } from './gpu-runtime';
import type { UpdaterLike } from './updates';

const require = createRequire(import.meta.url);
// Required, not imported, so that type checks and tests pass where the optional electron package is absent.
const electron = require('electron') as ElectronApi;
const here = import.meta.dirname;

startDesktopApp({
  electron,
  files: {
    renderer: join(here, '../renderer/index.html'),
    preload: join(here, '../preload/index.cjs'),
    trayIcon: join(here, '../../resources/tray.png'),
    nodeEntry: join(here, 'node-process.js'),
    // Only an installed build ships it; a development run keeps GPU jobs off.
    ...(electron.app.isPackaged ? { gpuRuntime: shippedNodeRuntime(process.resourcesPath, process.platform) } : {}),
  },
  env: process.env,
  // Peers reach the desktop app on STOQ's default port; if it is taken, the app runs on and says so in a banner.
  listen: '[::]:9292',
  // electron-updater needs Electron at load time, so it is loaded only in installed builds.
  loadUpdater: async () =>
    (require('electron-updater') as typeof import('electron-updater')).autoUpdater satisfies UpdaterLike,
});
