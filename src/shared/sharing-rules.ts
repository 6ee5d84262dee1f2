import type { ResourceKind } from './settings';
import { IssueList, checkBoolean, checkInteger, checkOneOf, checkSection, describeValue } from './validate';

/**
 * The rules that make sharing follow the person (BOINC-style): a share while the computer is in use and one when
 * it is idle, battery, the user's own CPU load, exclusive programs, full-screen apps, a weekly schedule and
 * temperature. The pure policy that applies them is in sharing-policy.ts; docs/sharing-rules.md explains each.
 */

// Own list (same order as RESOURCE_KINDS): settings.ts imports this module, so it cannot import values back.
const KINDS = ['cpu', 'gpu', 'memory', 'storage', 'bandwidth'] as const satisfies readonly ResourceKind[];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const IDLE_WHEN_UNKNOWN = ['in-use', 'idle'] as const;
export type IdleWhenUnknown = (typeof IDLE_WHEN_UNKNOWN)[number];

export const RULE_RANGES = {
  idleAfterMinutes: { min: 1, max: 1440 },
  maxUserCpuPercent: { min: 1, max: 100 },
  temperatureC: { min: 40, max: 110 },
  programs: { max: 32, nameLength: 128 },
  windowsPerDay: 8,
} as const;

/** How far above a temperature threshold each further step down of the share starts, in °C. */
export const TEMPERATURE_STEP_C = 5;

export interface WeeklySchedule {
  /** Off: sharing at any hour. On: only inside the day's windows (a day with none shares nothing). */
  readonly enabled: boolean;
  /** Per weekday, windows `HH:MM-HH:MM` in local time, start before end (`24:00` ends at midnight). */
  readonly days: Readonly<Record<Weekday, readonly string[]>>;
}

export interface TemperatureRule {
  /** The CPU temperature (°C) from which the CPU share is lowered step by step; null: no rule. */
  readonly cpuThresholdC: number | null;
  /** The same for the GPU share. */
  readonly gpuThresholdC: number | null;
}

export interface SharingRules {
  /**
   * The share of each resource (percent of the machine) while the user is using the computer. The allocation is
   * the share when idle; the lower of the two applies while in use. 100 everywhere: no difference.
   */
  readonly inUseAllocation: Readonly<Record<ResourceKind, number>>;
  /** The computer counts as idle after this many minutes without input. */
  readonly idleAfterMinutes: number;
  /** What to assume where the OS tells no idle time (a headless Linux node without a desktop session). */
  readonly idleWhenUnknown: IdleWhenUnknown;
  /** No CPU or GPU sharing while the computer runs on battery. */
  readonly suspendOnBattery: boolean;
  /** No CPU or GPU sharing while the user's own (non-HyperMesh) CPU use is above this percent; null: no rule. */
  readonly maxUserCpuPercent: number | null;
  /** No CPU or GPU sharing while one of these programs runs (process names, case-insensitive). */
  readonly exclusivePrograms: readonly string[];
  /** No CPU or GPU sharing while a full-screen app is in front, where the OS lets the node see it. */
  readonly pauseOnFullScreen: boolean;
  readonly schedule: WeeklySchedule;
  readonly temperature: TemperatureRule;
}

export const DEFAULT_RULES: SharingRules = {
  inUseAllocation: { cpu: 100, gpu: 100, memory: 100, storage: 100, bandwidth: 100 },
  idleAfterMinutes: 3,
  idleWhenUnknown: 'in-use',
  suspendOnBattery: true,
  maxUserCpuPercent: null,
  exclusivePrograms: [],
  pauseOnFullScreen: false,
  schedule: { enabled: false, days: { sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] } },
  temperature: { cpuThresholdC: null, gpuThresholdC: null },
};

export const RULE_KEYS = [
  'inUseAllocation',
  'idleAfterMinutes',
  'idleWhenUnknown',
  'suspendOnBattery',
  'maxUserCpuPercent',
  'exclusivePrograms',
  'pauseOnFullScreen',
  'schedule',
  'temperature',
] as const satisfies readonly (keyof SharingRules)[];

/** A schedule window as minutes of the day [start, end), or null where `text` is not `HH:MM-HH:MM`. */
export function parseWindow(text: string): { start: number; end: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 24 * 60 || end <= start) return null;
  return { start, end };
}

function checkNullableInt(issues: IssueList, path: string, value: unknown, min: number, max: number): void {
  if (value === null) return;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  issues.add(path, `${path} must be an integer ${min}–${max} or null (no rule), got ${describeValue(value)}`);
}

function checkDay(issues: IssueList, path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    issues.add(path, `${path} must be a list of "HH:MM-HH:MM" windows, got ${describeValue(value)}`);
    return;
  }
  if (value.length > RULE_RANGES.windowsPerDay) {
    issues.add(path, `${path} has ${value.length} windows; at most ${RULE_RANGES.windowsPerDay} a day`);
    return;
  }
  const parsed: { start: number; end: number; text: string }[] = [];
  value.forEach((w: unknown, i) => {
    const window = typeof w === 'string' ? parseWindow(w) : null;
    if (window === null) {
      issues.add(
        `${path}.${i}`,
        `${path}.${i} must be "HH:MM-HH:MM" with the start before the end (e.g. "09:00-17:30"), got ${describeValue(w)}`,
      );
    } else parsed.push({ ...window, text: w as string });
  });
  parsed.sort((a, b) => a.start - b.start);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1];
    const cur = parsed[i];
    if (prev && cur && cur.start < prev.end) {
      issues.add(path, `${path}: the windows ${prev.text} and ${cur.text} overlap`);
    }
  }
}

function checkPrograms(issues: IssueList, path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    issues.add(path, `${path} must be a list of program names, got ${describeValue(value)}`);
    return;
  }
  if (value.length > RULE_RANGES.programs.max) {
    issues.add(path, `${path} lists ${value.length} programs; at most ${RULE_RANGES.programs.max}`);
  }
  value.forEach((name: unknown, i) => {
    const at = `${path}.${i}`;
    if (typeof name !== 'string' || name.trim().length === 0) {
      issues.add(at, `${at} must be a program name (e.g. "game.exe"), got an empty name`);
    } else if (
      name.length > RULE_RANGES.programs.nameLength ||
      [...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '/' || ch === '\\')
    ) {
      issues.add(
        at,
        `${at} must be a program name of at most ${RULE_RANGES.programs.nameLength} characters without slashes, got ${describeValue(name)}`,
      );
    }
  });
}

/** Checks the `rules` section (whole, or a patch of it), adding every problem to `issues`. */
export function checkRules(issues: IssueList, value: unknown, partial: boolean): void {
  const rules = checkSection(issues, 'rules', value, RULE_KEYS, partial);
  if (!rules) return;
  if ('inUseAllocation' in rules) {
    const alloc = checkSection(issues, 'rules.inUseAllocation', rules.inUseAllocation, KINDS, partial);
    if (alloc) {
      for (const kind of KINDS) {
        if (kind in alloc) checkInteger(issues, `rules.inUseAllocation.${kind}`, alloc[kind], 0, 100);
      }
    }
  }
  if ('idleAfterMinutes' in rules) {
    const r = RULE_RANGES.idleAfterMinutes;
    checkInteger(issues, 'rules.idleAfterMinutes', rules.idleAfterMinutes, r.min, r.max);
  }
  if ('idleWhenUnknown' in rules) checkOneOf(issues, 'rules.idleWhenUnknown', rules.idleWhenUnknown, IDLE_WHEN_UNKNOWN);
  if ('suspendOnBattery' in rules) checkBoolean(issues, 'rules.suspendOnBattery', rules.suspendOnBattery);
  if ('maxUserCpuPercent' in rules) {
    const r = RULE_RANGES.maxUserCpuPercent;
    checkNullableInt(issues, 'rules.maxUserCpuPercent', rules.maxUserCpuPercent, r.min, r.max);
  }
  if ('exclusivePrograms' in rules) checkPrograms(issues, 'rules.exclusivePrograms', rules.exclusivePrograms);
  if ('pauseOnFullScreen' in rules) checkBoolean(issues, 'rules.pauseOnFullScreen', rules.pauseOnFullScreen);
  if ('schedule' in rules) {
    const schedule = checkSection(issues, 'rules.schedule', rules.schedule, ['enabled', 'days'], partial);
    if (schedule) {
      if ('enabled' in schedule) checkBoolean(issues, 'rules.schedule.enabled', schedule.enabled);
      if ('days' in schedule) {
        const days = checkSection(issues, 'rules.schedule.days', schedule.days, WEEKDAYS, partial);
        if (days)
          for (const day of WEEKDAYS) if (day in days) checkDay(issues, `rules.schedule.days.${day}`, days[day]);
      }
    }
  }
  if ('temperature' in rules) {
    const t = checkSection(issues, 'rules.temperature', rules.temperature, ['cpuThresholdC', 'gpuThresholdC'], partial);
    if (t) {
      const r = RULE_RANGES.temperatureC;
      if ('cpuThresholdC' in t)
        checkNullableInt(issues, 'rules.temperature.cpuThresholdC', t.cpuThresholdC, r.min, r.max);
      if ('gpuThresholdC' in t)
        checkNullableInt(issues, 'rules.temperature.gpuThresholdC', t.gpuThresholdC, r.min, r.max);
    }
  }
}

/** Checks `pausedUntil`: an ISO time (the end of a snooze) or null. */
export function checkPausedUntil(issues: IssueList, value: unknown, path = 'pausedUntil'): void {
  if (value === null) return;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value))) return;
  issues.add(
    path,
    `${path} must be an ISO time such as "2026-12-07T08:00:00.000Z" or null, got ${describeValue(value)}`,
  );
}
