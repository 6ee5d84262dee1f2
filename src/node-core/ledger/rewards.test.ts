import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../shared/amount';
import { PRIVACY_MULTIPLIER_BP, RESOURCE_WEIGHT_BP, rewardUnits } from './rewards';

const HOUR = 3_600_000n;
const GiB = 2n ** 30n;

describe('the reward formula', () => {
  it('pins the design’s weights and multipliers', () => {
    expect(RESOURCE_WEIGHT_BP).toMatchObject({ cpu: 20_000n, memory: 15_000n, storage: 12_000n, bandwidth: 10_000n });
    expect(PRIVACY_MULTIPLIER_BP).toEqual({
      Private: 0n,
      PrivateNetwork: 2_500n,
      P2P: 5_000n,
      PublicNetwork: 7_500n,
      FullPublic: 10_000n,
    });
  });

  it.each([
    // kind, amount, duration, privacy → Caesar
    ['cpu', 1n, HOUR, 'FullPublic', '2'],
    ['cpu', 4n, HOUR / 2n, 'P2P', '2'],
    ['memory', 8n * GiB, HOUR, 'PublicNetwork', '9'],
    ['storage', 100n * GiB, 24n * HOUR, 'PrivateNetwork', '720'],
    ['bandwidth', 1_000_000_000n, HOUR, 'FullPublic', '10'],
    ['memory', 64n * 2n ** 20n, 60_000n, 'FullPublic', '0.0015625'],
    ['cpu', 16n, 1000n * HOUR, 'Private', '0'],
  ] as const)('%s × %s for %s ms at %s earns %s', (kind, amount, durationMs, privacyLevel, caesar) => {
    expect(formatAmount(rewardUnits({ kind, amount, durationMs, privacyLevel }))).toBe(caesar);
  });

  it('rounds down to the base unit and refuses negative inputs', () => {
    expect(rewardUnits({ kind: 'memory', amount: 1n, durationMs: 1n, privacyLevel: 'FullPublic' })).toBe(0n);
    expect(() => rewardUnits({ kind: 'cpu', amount: -1n, durationMs: HOUR, privacyLevel: 'FullPublic' })).toThrow(
      RangeError,
    );
  });
});
