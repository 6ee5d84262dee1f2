import { UNITS_PER_CAESAR } from './amount';
import type { PrivacyLevel, ResourceKind } from './settings';

/**
 * The Caesar reward formula (docs/ledger.md), in one place:
 *
 *   payout = resource-time × resource weight × privacy multiplier × base rate
 *
 * resource-time is the amount shared times how long, in reward units × hours: CPU cores, GiB of memory, storage or
 * GPU memory, 100 Mbit/s of bandwidth. The base rate is 1 Caesar per reward-unit-hour. All arithmetic is on bigint
 * base units, rounded down once at the end.
 */

/** Weights in basis points (10,000 = 1.0). The design's: cpu 2.0, memory 1.5, storage 1.2, bandwidth 1.0. */
export const RESOURCE_WEIGHT_BP: Readonly<Record<ResourceKind, bigint>> = {
  cpu: 20_000n,
  // Not in the design's table: GPU time pays as CPU time until it is.
  gpu: 20_000n,
  memory: 15_000n,
  storage: 12_000n,
  bandwidth: 10_000n,
};

/** Privacy multipliers in basis points: the more public the sharing, the more it earns. Private earns nothing. */
export const PRIVACY_MULTIPLIER_BP: Readonly<Record<PrivacyLevel, bigint>> = {
  Private: 0n,
  PrivateNetwork: 2_500n,
  P2P: 5_000n,
  PublicNetwork: 7_500n,
  FullPublic: 10_000n,
};

/** How many of the adapter's units make one reward unit. */
export const REWARD_UNIT: Readonly<Record<ResourceKind, bigint>> = {
  cpu: 1n, // slots (cores)
  gpu: 2n ** 30n, // bytes of GPU memory → GiB
  memory: 2n ** 30n, // bytes → GiB
  storage: 2n ** 30n, // bytes → GiB
  bandwidth: 100_000_000n, // bits/s → 100 Mbit/s
};

/** Caesar base units per reward-unit-hour at weight 1.0 and multiplier 1.0. */
export const BASE_RATE_UNITS_PER_HOUR = UNITS_PER_CAESAR;

const BP = 10_000n;
const MS_PER_HOUR = 3_600_000n;

export interface RewardInput {
  readonly kind: ResourceKind;
  /** In the adapter's unit: slots, bytes or bits/s. Non-negative integer. */
  readonly amount: bigint;
  /** How long it was used, ms. Non-negative integer. */
  readonly durationMs: bigint;
  readonly privacyLevel: PrivacyLevel;
}

/** The payout in Caesar base units for one usage receipt, rounded down. */
export function rewardUnits(input: RewardInput): bigint {
  if (input.amount < 0n || input.durationMs < 0n) throw new RangeError('amount and duration must not be negative');
  const numerator =
    input.amount *
    input.durationMs *
    RESOURCE_WEIGHT_BP[input.kind] *
    PRIVACY_MULTIPLIER_BP[input.privacyLevel] *
    BASE_RATE_UNITS_PER_HOUR;
  return numerator / (REWARD_UNIT[input.kind] * MS_PER_HOUR * BP * BP);
}
