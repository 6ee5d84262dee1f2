import type { MessageBoxOptions } from './electron-api';

/** Pure rules of the auto-updater: when it runs, how often, and what it says. */
export const UPDATE_CHECK_INTERVAL_MS = 12 * 60 * 60 * 1000;

export type UpdatesOff = 'development' | 'turned-off' | 'env';

export function updatesState(input: {
  /** `app.isPackaged`: false when run from a checkout (npm start, electron-vite dev). */
  readonly isPackaged: boolean;
  /** The user's setting `app.autoUpdate`. */
  readonly setting: boolean;
  /** HYPERMESH_NO_UPDATES=1 turns checks off for managed installs and tests. */
  readonly env: Readonly<Record<string, string | undefined>>;
}): { readonly enabled: true } | { readonly enabled: false; readonly reason: UpdatesOff } {
  if (!input.isPackaged) return { enabled: false, reason: 'development' };
  if (input.env.HYPERMESH_NO_UPDATES === '1') return { enabled: false, reason: 'env' };
  if (!input.setting) return { enabled: false, reason: 'turned-off' };
  return { enabled: true };
}

/** Button index of "Restart now" in the prompt below. */
export const RESTART_NOW = 0;

export function restartPrompt(version: string): MessageBoxOptions {
  return {
    type: 'info',
    title: 'HyperMesh update',
    message: `HyperMesh ${version} is ready to install.`,
    detail:
      'Restart now to finish the update: the node stops cleanly and starts again with the new version. ' +
      'Choose Later to keep working; it installs the next time HyperMesh quits.',
    buttons: ['Restart now', 'Later'],
    defaultId: RESTART_NOW,
    cancelId: 1,
  };
}

/** An update check failure is logged, never shown: the app works on without it. */
export function updateErrorLine(err: unknown): string {
  return `update check failed: ${err instanceof Error ? err.message : String(err)}`;
}
