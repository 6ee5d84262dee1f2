import type { Settings } from '../../shared/settings';
import {
  NO_READINGS,
  allowedCores,
  evaluateSharing,
  type SensorReadings,
  type SharingDecision,
} from '../../shared/sharing-policy';
import type { Logger } from '../logging/index';
import type { SensorNeeds, SensorSource } from './sensors';

/** Readings the desktop shell can give better than the headless sensors (Electron's powerMonitor). */
export interface FedReadings {
  readonly idleSeconds?: number | null;
  readonly onBattery?: boolean | null;
  readonly fullScreen?: boolean | null;
}

interface Fed {
  idleSeconds?: number;
  onBattery?: boolean;
  fullScreen?: boolean;
}

export interface GovernorOptions {
  readonly sensors: SensorSource;
  readonly settings: () => Settings;
  readonly log: Logger;
  /** Logical cores, for the fractional CPU allowance; null until the hardware is read. */
  readonly cores: () => number | null;
  readonly now?: () => Date;
  /** How often the sensors are read; 1 s by default. */
  readonly intervalMs?: number;
  /** Told when a timed snooze has run out (the node then clears it in the stored settings). */
  readonly onSnoozeEnded?: () => void;
}

export type AllowanceListener = (decision: SharingDecision) => void;

/**
 * Polls the sensors, evaluates the pure sharing policy and publishes the allowance per resource whenever it
 * changes. Subscribers (the bandwidth limiter now; the job pool's throttle) act on it: a tighter allowance slows
 * or pauses running work, never kills it, and a looser one lets it run again.
 */
export class SharingGovernor {
  private readonly listeners = new Set<AllowanceListener>();
  private readonly now: () => Date;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private sensed: SensorReadings = NO_READINGS;
  private fed: { readings: Fed; at: number } = { readings: {}, at: 0 };
  private decision: SharingDecision;
  private lastKey = '';
  private running = false;
  private failures = 0;

  constructor(private readonly options: GovernorOptions) {
    this.now = options.now ?? (() => new Date());
    this.decision = evaluateSharing(options.settings(), NO_READINGS, this.now());
    this.lastKey = JSON.stringify(this.decision);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The allowance now. */
  current(): SharingDecision {
    return this.decision;
  }

  /** The CPU peers' work may use now, in cores (fractional: share × cores), or null before the hardware is read. */
  allowedCores(): number | null {
    const cores = this.options.cores();
    return cores === null ? null : allowedCores(this.decision, cores);
  }

  /** Calls `listener` on every change of the allowance (not at once); returns the unsubscribe function. */
  subscribe(listener: AllowanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The desktop shell's readings (idle seconds from powerMonitor.getSystemIdleTime(), on-battery, full screen):
   * they win over the headless sensors'. Idle seconds age with the clock until the next feed; feeding null for a
   * field hands it back to the sensors.
   */
  feed(readings: FedReadings): void {
    const merged: Fed = { ...this.fed.readings };
    if (readings.idleSeconds === null) delete merged.idleSeconds;
    else if (readings.idleSeconds !== undefined) merged.idleSeconds = Math.max(0, readings.idleSeconds);
    if (readings.onBattery === null) delete merged.onBattery;
    else if (readings.onBattery !== undefined) merged.onBattery = readings.onBattery;
    if (readings.fullScreen === null) delete merged.fullScreen;
    else if (readings.fullScreen !== undefined) merged.fullScreen = readings.fullScreen;
    this.fed = { readings: merged, at: this.now().getTime() };
    this.reevaluate();
  }

  /** Evaluates again with the last readings (after a settings change): no need to wait for the next poll. */
  reevaluate(): SharingDecision {
    const now = this.now();
    const fed = this.fed.readings;
    const readings: SensorReadings = {
      ...this.sensed,
      ...fed,
      ...(fed.idleSeconds === undefined
        ? {}
        : { idleSeconds: fed.idleSeconds + Math.max(0, now.getTime() - this.fed.at) / 1000 }),
      unavailable: this.sensed.unavailable.filter(
        (code) =>
          !(code === 'idle-time' && fed.idleSeconds !== undefined) &&
          !(code === 'battery' && fed.onBattery !== undefined) &&
          !(code === 'full-screen' && fed.fullScreen !== undefined),
      ),
    };
    const settings = this.options.settings();
    const decision = evaluateSharing(settings, readings, now);
    if (settings.sharingPaused && settings.pausedUntil !== null && Date.parse(settings.pausedUntil) <= now.getTime()) {
      this.options.onSnoozeEnded?.();
    }
    const key = JSON.stringify(decision);
    this.decision = decision;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.options.log.info(
        `sharing allowance: cpu ${round(decision.resources.cpu.percent)} %` +
          (decision.reasons.length > 0 ? ` (${decision.reasons.join(', ')})` : ''),
      );
      for (const listener of this.listeners) {
        try {
          listener(decision);
        } catch (err) {
          this.options.log.warn(`sharing allowance listener: ${(err as Error).message}`);
        }
      }
    }
    return decision;
  }

  /** Reads the sensors once and evaluates; what the poll does every interval. */
  async poll(signal?: AbortSignal): Promise<SharingDecision> {
    const rules = this.options.settings().rules;
    const needs: SensorNeeds = {
      programs: rules.exclusivePrograms.length > 0,
      cpuTemperature: rules.temperature.cpuThresholdC !== null,
      gpuTemperature: rules.temperature.gpuThresholdC !== null,
      userCpu: rules.maxUserCpuPercent !== null,
    };
    this.sensed = await this.options.sensors.read(needs, signal);
    return this.reevaluate();
  }

  private async loop(): Promise<void> {
    const signal = this.abort?.signal;
    if (!this.running || !signal || signal.aborted) return;
    try {
      await this.poll(signal);
      this.failures = 0;
    } catch (err) {
      // A sensor that fails keeps the last readings; said once, not every second.
      if (this.failures++ === 0 && !signal.aborted) this.options.log.warn(`sensors: ${(err as Error).message}`);
    }
    if (!this.running || signal.aborted) return;
    this.timer = setTimeout(() => void this.loop(), this.options.intervalMs ?? 1000);
    this.timer.unref?.();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
