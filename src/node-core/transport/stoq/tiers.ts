/**
 * Adaptive tiers: what a measured path can carry decides flow-control windows, stream limits and chunk sizes.
 * Pure policy, no I/O: the transport measures, this module decides.
 */
export const TIER_NAMES = ['100M', '1G', '2.5G'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierProfile {
  readonly name: TierName;
  readonly label: string;
  /** Nominal link rate the tier is tuned for, bits per second. */
  readonly nominalBitsPerSec: number;
  readonly streamWindow: number;
  readonly connectionWindow: number;
  readonly maxStreams: number;
  /** Bytes read from or written to a stream at a time. */
  readonly chunkBytes: number;
}

const MIB = 1024 * 1024;

/**
 * Windows follow the bandwidth-delay product at the tier's rate for ~50 ms of RTT, rounded up, so one stream can
 * fill the link on a typical home or office path; the connection window holds several busy streams.
 */
export const TIERS: Readonly<Record<TierName, TierProfile>> = {
  '100M': {
    name: '100M',
    label: '~100 Mbit/s',
    nominalBitsPerSec: 100e6,
    streamWindow: 1 * MIB,
    connectionWindow: 4 * MIB,
    maxStreams: 256,
    chunkBytes: 16 * 1024,
  },
  '1G': {
    name: '1G',
    label: '~1 Gbit/s',
    nominalBitsPerSec: 1e9,
    streamWindow: 8 * MIB,
    connectionWindow: 32 * MIB,
    maxStreams: 1024,
    chunkBytes: 64 * 1024,
  },
  '2.5G': {
    name: '2.5G',
    label: '~2.5 Gbit/s and above',
    nominalBitsPerSec: 2.5e9,
    streamWindow: 16 * MIB,
    connectionWindow: 64 * MIB,
    maxStreams: 2048,
    chunkBytes: 256 * 1024,
  },
};

export interface PathMeasurement {
  readonly rttMs: number;
  /** Achieved on a short probe transfer. */
  readonly throughputBitsPerSec: number;
}

/** The highest tier whose rate the path reached at least 60 % of; never below the lowest tier. */
export function chooseTier(measured: PathMeasurement, pinned: TierName | null = null): TierName {
  if (pinned) return pinned;
  const rate = measured.throughputBitsPerSec;
  if (rate >= TIERS['2.5G'].nominalBitsPerSec * 0.6) return '2.5G';
  if (rate >= TIERS['1G'].nominalBitsPerSec * 0.6) return '1G';
  return '100M';
}

/** Re-evaluate only on a clear change (±30 %), so a noisy path does not flap between tiers. */
export function shouldRetier(previous: PathMeasurement, current: PathMeasurement): boolean {
  const ratio = current.throughputBitsPerSec / Math.max(1, previous.throughputBitsPerSec);
  const rttRatio = current.rttMs / Math.max(0.001, previous.rttMs);
  return ratio < 0.7 || ratio > 1.3 || rttRatio > 1.5 || rttRatio < 0.5;
}
