/**
 * The reward formula lives in src/shared/rewards.ts, so the UI's earnings preview runs the very arithmetic the
 * ledger pays with; the ledger takes it from there (one source, pinned by rewards.test.ts).
 */
export {
  BASE_RATE_UNITS_PER_HOUR,
  PRIVACY_MULTIPLIER_BP,
  RESOURCE_WEIGHT_BP,
  REWARD_UNIT,
  rewardUnits,
  type RewardInput,
} from '../../shared/rewards';
