import type { Settings, SettingsPatch } from '../../shared/settings';
import { startOfTomorrow, type SharingDecision } from '../../shared/sharing-policy';
import type { PauseRequest, PauseState, SharingView } from '../../shared/sharing-view';
import type { Logger } from '../logging/index';
import { SharingGovernor, type AllowanceListener, type FedReadings } from './governor';
import { createSystemSensors, type SensorSource } from './sensors';
import { sharingView, type ShareViewSources } from './share-view';

/** What the node (and the Electron shell hosting it) may do with the sharing rules. */
export interface NodeSharingHooks {
  /**
   * Readings the desktop shell knows better: idle seconds from `powerMonitor.getSystemIdleTime()` (feed every few
   * seconds), on-battery from `powerMonitor.isOnBatteryPower()`, full screen where it can tell. null hands a field
   * back to the headless sensors.
   */
  feed(readings: FedReadings): void;
  /** The CPU peers' work may use now, in cores (fractional), for the job pool's throttle (throttle.ts). */
  allowedCores(): number | null;
  current(): SharingDecision;
  /** Called on every change of the allowance; returns the unsubscribe function. */
  subscribe(listener: AllowanceListener): () => void;
}

export interface NodeSharingOptions {
  readonly settings: () => Settings;
  /** Applies a settings patch the way the API does (validated, stored, announced). */
  readonly updateSettings: (patch: SettingsPatch) => Settings;
  readonly log: Logger;
  readonly cores: () => number | null;
  readonly view: ShareViewSources;
  readonly sensors?: SensorSource | undefined;
  readonly now?: () => Date;
  readonly intervalMs?: number;
}

/** The node's side of the sharing rules: the governor, snooze, and the allowed-vs-used view. */
export class NodeSharing implements NodeSharingHooks {
  readonly governor: SharingGovernor;
  private readonly now: () => Date;

  constructor(private readonly options: NodeSharingOptions) {
    this.now = options.now ?? (() => new Date());
    this.governor = new SharingGovernor({
      sensors: options.sensors ?? createSystemSensors(),
      settings: options.settings,
      log: options.log,
      cores: options.cores,
      now: this.now,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      // Cleared in the stored settings too, so a restart does not show a stale snooze. Deferred: not inside a poll.
      onSnoozeEnded: () =>
        queueMicrotask(() => {
          const s = options.settings();
          if (!s.sharingPaused || s.pausedUntil === null || Date.parse(s.pausedUntil) > this.now().getTime()) return;
          try {
            options.updateSettings({ sharingPaused: false, pausedUntil: null });
            options.log.info('snooze ended: sharing resumed');
          } catch (err) {
            options.log.warn(`could not end the snooze: ${(err as Error).message}`);
          }
        }),
    });
  }

  start(): void {
    this.governor.start();
  }

  stop(): void {
    this.governor.stop();
  }

  feed(readings: FedReadings): void {
    this.governor.feed(readings);
  }

  allowedCores(): number | null {
    return this.governor.allowedCores();
  }

  current(): SharingDecision {
    return this.governor.current();
  }

  subscribe(listener: AllowanceListener): () => void {
    return this.governor.subscribe(listener);
  }

  /** After the user changed settings: evaluate at once rather than at the next poll. */
  settingsChanged(): void {
    this.governor.reevaluate();
  }

  view(): SharingView {
    return sharingView(this.governor.current(), this.options.view, this.governor.allowedCores(), this.now());
  }

  pause(request: PauseRequest): PauseState {
    const until =
      request.for === 'seconds'
        ? new Date(this.now().getTime() + request.seconds * 1000)
        : request.for === 'tomorrow'
          ? startOfTomorrow(this.now())
          : null;
    const s = this.options.updateSettings({ sharingPaused: true, pausedUntil: until?.toISOString() ?? null });
    return { paused: s.sharingPaused, until: s.pausedUntil };
  }

  resume(): PauseState {
    const s = this.options.updateSettings({ sharingPaused: false, pausedUntil: null });
    return { paused: s.sharingPaused, until: s.pausedUntil };
  }
}
