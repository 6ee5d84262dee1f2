import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../shared/settings';
import type { PauseRequest } from '../shared/sharing-view';
import { formatPausedUntil, trayMenu, type TrayActions } from './tray-menu';

function recorder() {
  const calls: (string | PauseRequest)[] = [];
  const actions: TrayActions = {
    pause: (request) => calls.push(request),
    resume: () => calls.push('resume'),
    openWindow: () => calls.push('open'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

// A fixed local clock: 6 Dec 2026, 14:30.
const now = new Date(2026, 11, 6, 14, 30);
const settings = (patch: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...patch });
const click = (items: ReturnType<typeof trayMenu>['items'], label: string) => {
  const item = items.find((i) => i.label === label);
  if (!item?.click) throw new Error(`no clickable item ${label}`);
  item.click();
};

describe('trayMenu', () => {
  it('while sharing: the three snoozes, each calling pauseSharing with its request', () => {
    const { calls, actions } = recorder();
    const menu = trayMenu({ nodeIdShort: 'abc', settings: settings({ privacyLevel: 'P2P' }), now }, actions);
    expect(menu.items.map((i) => i.label ?? i.type)).toEqual([
      'Node abc',
      'Privacy: Trusted peers',
      'Pause for 1 hour',
      'Pause until tomorrow',
      'Pause until I resume',
      'separator',
      'Open HyperMesh',
      'Quit',
    ]);
    expect(menu.tooltip).toBe('HyperMesh — Trusted peers');
    click(menu.items, 'Pause for 1 hour');
    click(menu.items, 'Pause until tomorrow');
    click(menu.items, 'Pause until I resume');
    click(menu.items, 'Open HyperMesh');
    click(menu.items, 'Quit');
    expect(calls).toEqual([
      { for: 'seconds', seconds: 3600 },
      { for: 'tomorrow' },
      { for: 'until-resumed' },
      'open',
      'quit',
    ]);
  });

  it('while paused: only Resume, and the tooltip says until when', () => {
    const { calls, actions } = recorder();
    const snoozed = settings({ sharingPaused: true, pausedUntil: new Date(2026, 11, 6, 15, 30).toISOString() });
    const menu = trayMenu({ nodeIdShort: 'abc', settings: snoozed, now }, actions);
    expect(menu.tooltip).toBe('HyperMesh — paused until 15:30');
    expect(menu.items.map((i) => i.label ?? i.type)).toEqual([
      'Node abc',
      'Privacy: Private',
      'Sharing paused until 15:30',
      'Resume sharing',
      'separator',
      'Open HyperMesh',
      'Quit',
    ]);
    expect(menu.items.filter((i) => i.label?.startsWith('Pause'))).toEqual([]);
    click(menu.items, 'Resume sharing');
    expect(calls).toEqual(['resume']);

    const tomorrow = settings({ sharingPaused: true, pausedUntil: new Date(2026, 11, 7).toISOString() });
    expect(trayMenu({ nodeIdShort: 'abc', settings: tomorrow, now }, actions).tooltip).toBe(
      'HyperMesh — paused until tomorrow 00:00',
    );
    const forever = settings({ sharingPaused: true, pausedUntil: null });
    expect(trayMenu({ nodeIdShort: 'abc', settings: forever, now }, actions).tooltip).toBe(
      'HyperMesh — paused until you resume',
    );
  });

  it('while the node starts: nothing to pause', () => {
    const { actions } = recorder();
    const menu = trayMenu({ nodeIdShort: '', settings: undefined, now }, actions);
    expect(menu.tooltip).toBe('HyperMesh — starting');
    expect(menu.items.some((i) => i.label?.includes('Pause') || i.label?.includes('Resume'))).toBe(false);
  });

  it('formats the end of a snooze in local time: today, tomorrow, or with its date', () => {
    expect(formatPausedUntil(new Date(2026, 11, 6, 9, 5), now)).toBe('09:05');
    expect(formatPausedUntil(new Date(2026, 11, 7, 0, 0), now)).toBe('tomorrow 00:00');
    expect(formatPausedUntil(new Date(2027, 0, 2, 8, 0), now)).toBe('2027-01-02 08:00');
    // Month and year boundaries count as "tomorrow" too.
    expect(formatPausedUntil(new Date(2027, 0, 1, 0, 0), new Date(2026, 11, 31, 23, 0))).toBe('tomorrow 00:00');
  });
});
