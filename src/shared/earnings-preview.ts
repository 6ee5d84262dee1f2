import type { BenchmarkCapacity } from './benchmark';
import { rewardUnits } from './rewards';
import { PRIVACY_LEVELS, RESOURCE_KINDS, type PrivacyLevel, type ResourceKind } from './settings';

/**
 * The earnings preview (docs/onboarding.md): what the shares would earn per hour, day and 30 days if peers used all
 * of what is shared, all the time, by the reward formula the ledger pays with (shared/rewards.ts). An estimate: real
 * earnings follow real use, which may be none.
 */

export const PREVIEW_PERIODS = { hour: 3_600_000n, day: 86_400_000n, days30: 30n * 86_400_000n } as const;
export type PreviewPeriod = keyof typeof PREVIEW_PERIODS;

/** Caesar base units per period. */
export type PeriodAmounts = Readonly<Record<PreviewPeriod, bigint>>;

export interface ResourcePreview {
  readonly kind: ResourceKind;
  /** The shared amount in the formula's unit of the adapter: cores, bytes or bits/s (0 when unknown). */
  readonly amount: bigint;
  /** False when this machine's capacity of it is unknown (no GPU memory size, no link speed reported). */
  readonly known: boolean;
  readonly earnings: PeriodAmounts;
}

export interface LevelPreview {
  readonly level: PrivacyLevel;
  readonly resources: readonly ResourcePreview[];
  readonly total: PeriodAmounts;
}

/** The machine's capacity of one resource in the adapter's unit, or null when unknown. */
function capacityOf(capacity: BenchmarkCapacity, kind: ResourceKind): number | null {
  switch (kind) {
    case 'cpu':
      return capacity.cpuCores;
    case 'memory':
      return capacity.memoryBytes;
    case 'storage':
      return capacity.storageBytes;
    case 'gpu':
      return capacity.gpuMemoryBytes;
    case 'bandwidth':
      return capacity.bandwidthBitsPerSec;
  }
}

/**
 * The shared part of a capacity as the adapters count it: percent (0–100) of it, rounded down to a whole unit (a
 * core, a byte); a CPU share above 0 is at least one core (assets/cpu-adapter.ts).
 */
export function sharedAmount(kind: ResourceKind, capacity: number, percent: number): bigint {
  const amount = Math.floor((capacity * percent) / 100);
  return BigInt(kind === 'cpu' && percent > 0 ? Math.max(1, amount) : amount);
}

function periodAmounts(per: (durationMs: bigint) => bigint): PeriodAmounts {
  return { hour: per(PREVIEW_PERIODS.hour), day: per(PREVIEW_PERIODS.day), days30: per(PREVIEW_PERIODS.days30) };
}

/** The preview at one privacy level: per resource and in total, each period rounded down once as the ledger does. */
export function previewLevel(
  capacity: BenchmarkCapacity,
  allocation: Readonly<Record<ResourceKind, number>>,
  level: PrivacyLevel,
): LevelPreview {
  const resources = RESOURCE_KINDS.map((kind): ResourcePreview => {
    const total = capacityOf(capacity, kind);
    const amount = total === null ? 0n : sharedAmount(kind, total, allocation[kind]);
    const earnings = periodAmounts((durationMs) => rewardUnits({ kind, amount, durationMs, privacyLevel: level }));
    return { kind, amount, known: total !== null, earnings };
  });
  const sum = (period: PreviewPeriod) => resources.reduce((acc, r) => acc + r.earnings[period], 0n);
  return { level, resources, total: { hour: sum('hour'), day: sum('day'), days30: sum('days30') } };
}

/** One row per privacy level, Private (which earns nothing) first. */
export function earningsPreview(
  capacity: BenchmarkCapacity,
  allocation: Readonly<Record<ResourceKind, number>>,
): readonly LevelPreview[] {
  return PRIVACY_LEVELS.map((level) => previewLevel(capacity, allocation, level));
}
