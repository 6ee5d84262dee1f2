import type { Settings } from '../shared/settings';
import { PRIVACY_LEVEL_INFO } from '../shared/privacy';
import type { MenuItemOptions } from './electron-api';

export interface TrayActions {
  readonly setSharingPaused: (paused: boolean) => void;
  readonly openWindow: () => void;
  readonly quit: () => void;
}

/** The tray's tooltip and menu for the node's current state (pure: the actions are passed in). */
export function trayMenu(
  state: { readonly nodeIdShort: string; readonly settings: Settings | undefined },
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
  return {
    tooltip: `HyperMesh — ${paused ? 'paused' : level}`,
    items: [
      { label: `Node ${state.nodeIdShort}`, enabled: false },
      { label: `Privacy: ${level}`, enabled: false },
      { label: paused ? 'Resume sharing' : 'Pause sharing', click: () => actions.setSharingPaused(!paused) },
      { type: 'separator' },
      { label: 'Open HyperMesh', click: actions.openWindow },
      { label: 'Quit', click: actions.quit },
    ],
  };
}
