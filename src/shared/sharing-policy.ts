import { RESOURCE_KINDS, type ResourceKind, type Settings } from './settings';
import { TEMPERATURE_STEP_C, WEEKDAYS, parseWindow } from './sharing-rules';

/**
 * The pure sharing policy: (settings, sensor readings, now) → what each resource may be used for peers right now,
 * and why it is lower than the user's allocation. No I/O: the governor (node-core/governor) reads the sensors and
 * the clock and calls it. Reason codes are stable; the UI and CLI turn them into words.
 */

export const SHARING_REASONS = [
  /** Privacy level Private: nothing is shared. */
  'off',
  /** The user paused sharing (until resumed, or snoozed until a time). */
  'paused',
  /** Outside the weekly schedule's windows. */
  'schedule',
  'on-battery',
  /** The user is using the computer: the in-use share applies. */
  'in-use',
  /** The user's own CPU use is above their limit. */
  'user-busy',
  /** One of the user's exclusive programs is running. */
  'program-running',
  /** A full-screen app is in front. */
  'full-screen',
  /** CPU or GPU above the user's temperature threshold: the share is lowered step by step. */
  'too-hot',
] as const;
export type SharingReason = (typeof SHARING_REASONS)[number];

/** Readings the OS could not give here (the UI says e.g. "temperature not available"). */
export const SENSOR_CODES = [
  'battery',
  'idle-time',
  'user-cpu',
  'processes',
  'full-screen',
  'cpu-temperature',
  'gpu-temperature',
] as const;
export type SensorCode = (typeof SENSOR_CODES)[number];

/** What the sensors read. null: not read or not available (then `unavailable` lists it when the OS cannot tell). */
export interface SensorReadings {
  readonly onBattery: boolean | null;
  /** Seconds since the user's last input. */
  readonly idleSeconds: number | null;
  /** The user's own CPU use, percent of all cores, with the node's own processes left out. */
  readonly userCpuPercent: number | null;
  /** Names of running processes (only read while the user lists exclusive programs). */
  readonly runningPrograms: readonly string[] | null;
  readonly fullScreen: boolean | null;
  readonly cpuTemperatureC: number | null;
  readonly gpuTemperatureC: number | null;
  readonly unavailable: readonly SensorCode[];
}

export const NO_READINGS: SensorReadings = Object.freeze({
  onBattery: null,
  idleSeconds: null,
  userCpuPercent: null,
  runningPrograms: null,
  fullScreen: null,
  cpuTemperatureC: null,
  gpuTemperatureC: null,
  unavailable: [],
});

export interface ResourceAllowance {
  /** The user's allocation, percent of the machine (0 when the privacy level is Private). */
  readonly configuredPercent: number;
  /** What may be used for peers now, percent of the machine; fractional (temperature steps). */
  readonly percent: number;
  /** Why `percent` is below `configuredPercent`; empty when it is not. */
  readonly reasons: readonly SharingReason[];
}

export interface SharingDecision {
  readonly resources: Readonly<Record<ResourceKind, ResourceAllowance>>;
  /** Every reason that lowers some resource, in SHARING_REASONS order. */
  readonly reasons: readonly SharingReason[];
  /** Whether the computer counts as idle (null where the OS does not tell and no fallback decided). */
  readonly idle: boolean;
  /** The end of a snooze in effect, or null. */
  readonly pausedUntil: string | null;
  readonly unavailable: readonly SensorCode[];
}

/** Resources that do work for peers on this computer's processors: what the person-facing rules suspend. */
const COMPUTE: readonly ResourceKind[] = ['cpu', 'gpu'];

/** Whether a timed or open-ended pause is in effect at `now`. */
export function isPausedAt(settings: Settings, now: Date): boolean {
  if (!settings.sharingPaused) return false;
  if (settings.pausedUntil === null) return true;
  return Date.parse(settings.pausedUntil) > now.getTime();
}

/** Whether `now` (local time) falls inside one of the day's schedule windows. */
export function inSchedule(settings: Settings, now: Date): boolean {
  const schedule = settings.rules.schedule;
  if (!schedule.enabled) return true;
  const day = WEEKDAYS[now.getDay()];
  const minute = now.getHours() * 60 + now.getMinutes();
  const windows = day === undefined ? [] : schedule.days[day];
  return windows.some((text) => {
    const w = parseWindow(text);
    return w !== null && minute >= w.start && minute < w.end;
  });
}

/**
 * The factor (0–1) a temperature leaves of a share: 1 below the threshold, then 0.75 at it, 0.5 at +5 °C, 0.25 at
 * +10 °C and 0 from +15 °C (step TEMPERATURE_STEP_C).
 */
export function temperatureFactor(celsius: number | null, thresholdC: number | null): number {
  if (celsius === null || thresholdC === null || celsius < thresholdC) return 1;
  const steps = 1 + Math.floor((celsius - thresholdC) / TEMPERATURE_STEP_C);
  return Math.max(0, 1 - steps * 0.25);
}

function programMatches(listed: string, running: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/\.(exe|app)$/, '');
  return norm(listed) === norm(running);
}

/** The running program among the user's exclusive ones, if any. */
export function exclusiveProgramRunning(settings: Settings, running: readonly string[] | null): string | null {
  if (running === null) return null;
  for (const listed of settings.rules.exclusivePrograms) {
    if (running.some((r) => programMatches(listed, r))) return listed;
  }
  return null;
}

export function evaluateSharing(settings: Settings, readings: SensorReadings, now: Date): SharingDecision {
  const rules = settings.rules;
  const percent = {} as Record<ResourceKind, number>;
  const configured = {} as Record<ResourceKind, number>;
  const reasons = {} as Record<ResourceKind, Set<SharingReason>>;
  const off = settings.privacyLevel === 'Private';
  for (const kind of RESOURCE_KINDS) {
    configured[kind] = off ? 0 : settings.allocation[kind];
    percent[kind] = configured[kind];
    reasons[kind] = new Set();
  }
  // Lowers `kinds` to at most `to` percent (or by `factor`) and records why, where it changes anything.
  const limit = (kinds: readonly ResourceKind[], reason: SharingReason, to: (current: number) => number) => {
    for (const kind of kinds) {
      const next = Math.max(0, Math.min(percent[kind], to(percent[kind])));
      if (next < percent[kind]) {
        percent[kind] = next;
        reasons[kind].add(reason);
      }
    }
  };
  const paused = isPausedAt(settings, now);
  if (paused) limit(RESOURCE_KINDS, 'paused', () => 0);
  if (!inSchedule(settings, now)) limit(RESOURCE_KINDS, 'schedule', () => 0);

  const idle =
    readings.idleSeconds !== null
      ? readings.idleSeconds >= rules.idleAfterMinutes * 60
      : rules.idleWhenUnknown === 'idle';
  if (!idle) {
    for (const kind of RESOURCE_KINDS) limit([kind], 'in-use', () => rules.inUseAllocation[kind]);
  }
  if (rules.suspendOnBattery && readings.onBattery === true) limit(COMPUTE, 'on-battery', () => 0);
  if (
    rules.maxUserCpuPercent !== null &&
    readings.userCpuPercent !== null &&
    readings.userCpuPercent > rules.maxUserCpuPercent
  ) {
    limit(COMPUTE, 'user-busy', () => 0);
  }
  if (exclusiveProgramRunning(settings, readings.runningPrograms) !== null) {
    limit(COMPUTE, 'program-running', () => 0);
  }
  if (rules.pauseOnFullScreen && readings.fullScreen === true) limit(COMPUTE, 'full-screen', () => 0);
  const cpuHeat = temperatureFactor(readings.cpuTemperatureC, rules.temperature.cpuThresholdC);
  const gpuHeat = temperatureFactor(readings.gpuTemperatureC, rules.temperature.gpuThresholdC);
  limit(['cpu'], 'too-hot', (p) => p * cpuHeat);
  limit(['gpu'], 'too-hot', (p) => p * gpuHeat);

  const all = new Set<SharingReason>();
  const resources = {} as Record<ResourceKind, ResourceAllowance>;
  for (const kind of RESOURCE_KINDS) {
    const why = SHARING_REASONS.filter((r) => reasons[kind].has(r));
    for (const r of why) all.add(r);
    resources[kind] = { configuredPercent: configured[kind], percent: percent[kind], reasons: why };
  }
  if (off) all.add('off');
  return {
    resources,
    reasons: SHARING_REASONS.filter((r) => all.has(r)),
    idle,
    pausedUntil: paused ? settings.pausedUntil : null,
    unavailable: [...readings.unavailable],
  };
}

/** The CPU the peers' work may use now, in cores (fractional): share × logical cores. Never a whole-core floor. */
export function allowedCores(decision: SharingDecision, logicalCores: number): number {
  return (decision.resources.cpu.percent / 100) * Math.max(0, logicalCores);
}

/** The start of the next local day after `now` ("until tomorrow"). */
export function startOfTomorrow(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 0, 0);
}
