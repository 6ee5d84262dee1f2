import { describe, expect, it } from 'vitest';
import { REDIAL_DEFAULTS, RedialBackoff } from './redial';

describe('RedialBackoff', () => {
  it('lets a peer be dialled until a dial fails, then waits, doubling up to the longest wait', () => {
    const backoff = new RedialBackoff({ firstMs: 5_000, maxMs: 40_000, jitter: 0 });
    expect(backoff.mayDial('p', 0)).toBe(true);
    expect(backoff.failed('p', 1_000)).toBe(6_000);
    expect(backoff.mayDial('p', 5_999)).toBe(false);
    expect(backoff.mayDial('p', 6_000)).toBe(true);
    expect([2, 3, 4, 5, 6].map((n) => backoff.baseWaitMs(n))).toEqual([10_000, 20_000, 40_000, 40_000, 40_000]);
    expect(backoff.failed('p', 6_000)).toBe(16_000);
    expect(backoff.mayDial('other', 6_000)).toBe(true);
  });

  it('starts over after a success', () => {
    const backoff = new RedialBackoff({ firstMs: 5_000, maxMs: 40_000, jitter: 0 });
    backoff.failed('p', 0);
    backoff.failed('p', 5_000);
    backoff.succeeded('p');
    expect(backoff.mayDial('p', 5_000)).toBe(true);
    expect(backoff.failed('p', 5_000)).toBe(10_000);
  });

  it('jitters each wait within its bounds, so two nodes that crossed dials do not cross again in step', () => {
    const low = new RedialBackoff(REDIAL_DEFAULTS, () => 0);
    const high = new RedialBackoff(REDIAL_DEFAULTS, () => 0.999_999);
    expect(low.failed('p', 0)).toBe(2_500);
    expect(high.failed('p', 0)).toBe(7_500);
    const draws = new Set<number>();
    const real = new RedialBackoff();
    for (let i = 0; i < 50; i++) draws.add(real.failed(`p${i}`, 0));
    expect(draws.size).toBeGreaterThan(40);
    for (const until of draws) expect(until).toBeGreaterThanOrEqual(2_500);
  });

  it('release lets the peer be dialled now but keeps counting its failures', () => {
    const backoff = new RedialBackoff({ firstMs: 5_000, maxMs: 40_000, jitter: 0 });
    backoff.failed('p', 0);
    backoff.release('p');
    expect(backoff.mayDial('p', 0)).toBe(true);
    expect(backoff.failed('p', 0)).toBe(10_000);
  });
});
