import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserWindowLike as BrowserWindow, Rectangle } from './electron-api';

interface WindowState {
  readonly bounds: Partial<Rectangle> & { width: number; height: number };
  readonly maximized: boolean;
}

const FILE = 'window-state.json';
const DEFAULT: WindowState = { bounds: { width: 1180, height: 780 }, maximized: false };

export function loadWindowState(dir: string): WindowState {
  try {
    const s = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as WindowState;
    const { width, height } = s.bounds;
    if (Number.isInteger(width) && Number.isInteger(height) && width >= 400 && height >= 300) return s;
  } catch {
    // first start or unreadable: the default size
  }
  return DEFAULT;
}

export function trackWindowState(win: BrowserWindow, dir: string): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (win.isDestroyed()) return;
      const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
      writeFileSync(join(dir, FILE), JSON.stringify(state));
    }, 500);
  };
  win.on('resize', save);
  win.on('move', save);
  win.on('maximize', save);
  win.on('unmaximize', save);
}
