import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, decideAfterCrash } from './restart-policy';

describe('decideAfterCrash', () => {
  const policy = DEFAULT_RESTART_POLICY; // 3 in 60 s

  it('restarts after the first and second crash, gives up on the third within the window', () => {
    const first = decideAfterCrash([], 1_000, policy);
    expect(first).toEqual({ action: 'restart', recent: [1_000] });
    const second = decideAfterCrash(first.recent, 20_000, policy);
    expect(second.action).toBe('restart');
    const third = decideAfterCrash(second.recent, 59_000, policy);
    expect(third).toEqual({ action: 'give-up', recent: [1_000, 20_000, 59_000] });
  });

  it('forgets crashes older than the window', () => {
    const d = decideAfterCrash([0, 30_000], 61_000, policy);
    expect(d).toEqual({ action: 'restart', recent: [30_000, 61_000] });
    expect(decideAfterCrash([0, 1, 2, 3], 60_004, policy).action).toBe('restart');
  });

  it('gives up at once with a limit of one, and rejects a policy that makes no sense', () => {
    expect(decideAfterCrash([], 5, { maxCrashes: 1, windowMs: 10 }).action).toBe('give-up');
    expect(() => decideAfterCrash([], 5, { maxCrashes: 0, windowMs: 10 })).toThrow(RangeError);
    expect(() => decideAfterCrash([], 5, { maxCrashes: 2, windowMs: 0 })).toThrow(RangeError);
  });
});
