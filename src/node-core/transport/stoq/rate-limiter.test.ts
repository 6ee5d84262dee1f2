import { describe, expect, it } from 'vitest';
import { RateLimiter, type LimiterClock } from './rate-limiter';

/** A clock that only moves when the limiter sleeps, so the test counts the waits the cap imposes, not seconds. */
function manualClock(): LimiterClock & { slept: number } {
  let t = 0;
  const clock = {
    slept: 0,
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      clock.slept += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('RateLimiter', () => {
  it('lets everything through without a cap, never waiting', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(null, clock);
    for (let i = 0; i < 1000; i++) await limiter.take(1 << 20);
    expect(clock.slept).toBe(0);
    expect(limiter.capBitsPerSec).toBeNull();
  });

  it('holds a sender to the cap (8 Mbit/s: 2 MiB beyond the burst means 2.1 s of waiting)', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(8e6, clock); // 1 MB/s, 256 KiB burst
    let sent = 0;
    while (sent < 256 * 1024 + 2 * 1024 * 1024) {
      await limiter.take(64 * 1024);
      sent += 64 * 1024;
    }
    expect(clock.slept).toBeCloseTo((2 * 1024 * 1024) / 1000, 6);
  });

  it('a lower cap set mid-stream applies to the next bytes, and no cap stops the waits', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(8e6, clock);
    await limiter.take(256 * 1024); // the burst
    limiter.setCap(4e6); // 500 kB/s
    await limiter.take(500_000);
    expect(clock.slept).toBeCloseTo(1000, 6);
    limiter.setCap(null);
    await limiter.take(10 * 1024 * 1024);
    expect(clock.slept).toBeCloseTo(1000, 6);
  });
});
