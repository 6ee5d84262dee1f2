import type { ResourceKind } from './settings';
import type { SensorCode, SharingReason } from './sharing-policy';

/**
 * Why a resource shows as absent (stable codes; the UI and CLI turn them into words with ABSENT_LABELS): the
 * computer has no GPU (`no-gpu`, from the OS's list of graphics controllers), the OS does not tell its size
 * (`size-unknown`, e.g. a GPU without a reported VRAM size), no free disk space (`no-free-space`), the hardware was
 * not read yet (`not-detected`) or reading it failed (`detection-failed`).
 */
export const ABSENT_CODES = ['no-gpu', 'size-unknown', 'no-free-space', 'not-detected', 'detection-failed'] as const;
export type AbsentCode = (typeof ABSENT_CODES)[number];

export const ABSENT_LABELS: Readonly<Record<AbsentCode, string>> = {
  'no-gpu': 'no GPU found',
  'size-unknown': 'the OS does not report its size',
  'no-free-space': 'no free disk space',
  'not-detected': 'not detected yet',
  'detection-failed': 'could not be read',
};

/** One resource: what the user allows now (after the rules), what peers use now, and why the allowance is lower. */
export interface ResourceShareView {
  readonly kind: ResourceKind;
  /** cpu in cores; memory, storage and gpu (VRAM) in bytes; bandwidth in bits/s. */
  readonly unit: 'cores' | 'bytes' | 'bits/s';
  /** False where this computer has none of it (no GPU) or the OS does not tell its size; `absent` says why. */
  readonly present: boolean;
  /** Why it is absent, as a code (see ABSENT_CODES), and in the adapter's own words. */
  readonly absentCode?: AbsentCode;
  readonly absent?: string;
  /** The user's allocation, percent of the machine. */
  readonly configuredPercent: number;
  /** What the rules allow now, percent of the machine (fractional). */
  readonly allowedPercent: number;
  /** The same in `unit` (cpu: fractional cores, share × cores); null where the resource is absent. */
  readonly allowed: number | null;
  /** What peers use now, in `unit`; null where nothing measures it yet (see `usedSource`). */
  readonly used: number | null;
  /**
   * `measured`: from the job processes, or (bandwidth) what the bandwidth limiter let through to peers over the last
   * 2 s; `leased`: the sum of active leases (memory: the proxy's mappings, storage: quotas, GPU: VRAM); `none`: not
   * measured.
   */
  readonly usedSource: 'measured' | 'leased' | 'none';
  /** Held by active leases, in `unit` (cpu: whole slots, a concurrency bound, not the cap). */
  readonly leased: number;
  readonly reasons: readonly SharingReason[];
}

export interface SharingView {
  /** `off`: privacy level Private; `paused`: paused or snoozed; `limited`: a rule lowers some share; else `active`. */
  readonly state: 'off' | 'paused' | 'limited' | 'active';
  readonly reasons: readonly SharingReason[];
  /** The end of a snooze in effect; null when not snoozed (a pause until resumed has none). */
  readonly pausedUntil: string | null;
  readonly idle: boolean;
  /** Readings this OS does not give (e.g. temperature): the rules that need them cannot act. */
  readonly unavailable: readonly SensorCode[];
  /** The CPU peers' work may use now, in cores (share × logical cores), or null before the hardware is read. */
  readonly allowedCores: number | null;
  readonly resources: readonly ResourceShareView[];
  readonly evaluatedAt: string;
}

/** Words for the reason codes, for the Dashboard and `hypermesh status`. */
export const REASON_LABELS: Readonly<Record<SharingReason, string>> = {
  off: 'privacy level is Private',
  paused: 'paused',
  schedule: 'outside the schedule',
  'on-battery': 'on battery',
  'in-use': 'computer in use',
  'user-busy': 'your programs are busy',
  'program-running': 'an exclusive program is running',
  'full-screen': 'a full-screen app is in front',
  'too-hot': 'too hot',
};

/** Why a resource is absent, in words: the code's label (e.g. "no GPU found"), else the adapter's own words. */
export function absentText(r: Pick<ResourceShareView, 'absentCode' | 'absent'>): string {
  return r.absentCode ? ABSENT_LABELS[r.absentCode] : (r.absent ?? 'not available');
}

export const SENSOR_LABELS: Readonly<Record<SensorCode, string>> = {
  battery: 'battery state not available',
  'idle-time': 'idle time not available (the "when unknown" setting decides)',
  'user-cpu': 'CPU use not available',
  processes: 'the process list is not available',
  'full-screen': 'full-screen apps cannot be seen here',
  'cpu-temperature': 'CPU temperature not available',
  'gpu-temperature': 'GPU temperature not available',
};

/** A snooze request: for a number of seconds, until the start of tomorrow (local time), or until resumed. */
export type PauseRequest =
  | { readonly for: 'seconds'; readonly seconds: number }
  | { readonly for: 'tomorrow' }
  | { readonly for: 'until-resumed' };

export const PAUSE_SECONDS_RANGE = { min: 60, max: 30 * 24 * 3600 } as const;

export interface PauseState {
  readonly paused: boolean;
  /** When sharing comes back by itself; null for a pause until resumed (or when not paused). */
  readonly until: string | null;
}
