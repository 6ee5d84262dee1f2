import type { Settings } from '../shared/settings';
import { PRIVACY_LEVEL_INFO } from '../shared/privacy';
import type { PauseRequest } from '../shared/sharing-view';
import type { MenuItemOptions } from './electron-api';

export interface TrayActions {
  /** pauseSharing through the node's API (the tray offers 1 hour, until tomorrow, until resumed). */
  readonly pause: (request: PauseRequest) => void;
  readonly resume: () => void;
  readonly openWindow: () => void;
  readonly quit: () => void;
}

export const TRAY_PAUSE_ITEMS: readonly { readonly label: string; readonly request: PauseRequest }[] = [
  { label: 'Pause for 1 hour', request: { for: 'seconds', seconds: 3600 } },
  { label: 'Pause until tomorrow', request: { for: 'tomorrow' } },
  { label: 'Pause until I resume', request: { for: 'until-resumed' } },
];

const two = (n: number) => String(n).padStart(2, '0');

/** "15:04" today, "tomorrow 00:00", else "2026-12-24 09:00" (local time, so the tooltip stays short). */
export function formatPausedUntil(until: Date, now: Date): string {
  const time = `${two(until.getHours())}:${two(until.getMinutes())}`;
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
  if (day(until) === day(now)) return time;
  if (day(until) === tomorrow) return `tomorrow ${time}`;
  return `${until.getFullYear()}-${two(until.getMonth() + 1)}-${two(until.getDate())} ${time}`;
}

/** The tray's tooltip and menu for the node's current state (pure: the clock and the actions are passed in). */
export function trayMenu(
  state: { readonly nodeIdShort: string; readonly settings: Settings | undefined; readonly now: Date },
  actions: TrayActions,
): { tooltip: string; items: MenuItemOptions[] } {
  const settings = state.settings;
  if (!settings) {
    // The node is (re)starting: nothing to pause yet.
    return {
      tooltip: 'HyperMesh — starting',
      items: [
        { label: 'Node starting…', enabled: false },
        { type: 'separator' },
        { label: 'Open HyperMesh', click: actions.openWindow },
        { label: 'Quit', click: actions.quit },
      ],
    };
  }
  const level = PRIVACY_LEVEL_INFO[settings.privacyLevel].title;
  const paused = settings.sharingPaused;
  const until = settings.pausedUntil === null ? undefined : new Date(settings.pausedUntil);
  const pausedText =
    until === undefined || Number.isNaN(until.getTime())
      ? 'paused until you resume'
      : `paused until ${formatPausedUntil(until, state.now)}`;
  const sharingItems: MenuItemOptions[] = paused
    ? [{ label: 'Resume sharing', click: actions.resume }]
    : TRAY_PAUSE_ITEMS.map((p) => ({ label: p.label, click: () => actions.pause(p.request) }));
  return {
    tooltip: `HyperMesh — ${paused ? pausedText : level}`,
    items: [
      { label: `Node ${state.nodeIdShort}`, enabled: false },
      { label: `Privacy: ${level}`, enabled: false },
      ...(paused ? [{ label: `Sharing ${pausedText}`, enabled: false }] : []),
      ...sharingItems,
      { type: 'separator' },
      { label: 'Open HyperMesh', click: actions.openWindow },
      { label: 'Quit', click: actions.quit },
    ],
  };
}
