import { describe, expect, it } from 'vitest';
import { TIERS, chooseTier, shouldRetier } from './tiers';

describe('tiers', () => {
  it('pick the highest tier the path reaches 60 % of', () => {
    expect(chooseTier({ rttMs: 20, throughputBitsPerSec: 40e6 })).toBe('100M');
    expect(chooseTier({ rttMs: 20, throughputBitsPerSec: 599e6 })).toBe('100M');
    expect(chooseTier({ rttMs: 2, throughputBitsPerSec: 600e6 })).toBe('1G');
    expect(chooseTier({ rttMs: 1, throughputBitsPerSec: 1.5e9 })).toBe('2.5G');
    expect(chooseTier({ rttMs: 1, throughputBitsPerSec: 1.5e9 }, '100M')).toBe('100M');
  });

  it('grow windows and chunks with the tier', () => {
    expect(TIERS['100M'].streamWindow).toBeLessThan(TIERS['1G'].streamWindow);
    expect(TIERS['1G'].chunkBytes).toBeLessThan(TIERS['2.5G'].chunkBytes);
  });

  it('re-evaluate only on a clear change', () => {
    const base = { rttMs: 10, throughputBitsPerSec: 500e6 };
    expect(shouldRetier(base, { rttMs: 11, throughputBitsPerSec: 560e6 })).toBe(false);
    expect(shouldRetier(base, { rttMs: 10, throughputBitsPerSec: 300e6 })).toBe(true);
    expect(shouldRetier(base, { rttMs: 25, throughputBitsPerSec: 500e6 })).toBe(true);
  });
});
