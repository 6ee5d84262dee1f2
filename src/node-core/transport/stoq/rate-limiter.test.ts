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
    const limiter = new RateLimiter(8e6, clock); // 1 MB/s, a 20 kB burst
    let sent = 0;
    while (sent < 20_000 + 2 * 1024 * 1024) {
      await limiter.take(Math.min(64 * 1024, 20_000 + 2 * 1024 * 1024 - sent));
      sent += 64 * 1024;
    }
    expect(clock.slept).toBeCloseTo((2 * 1024 * 1024) / 1000, 6);
    expect(limiter.bytesPassed).toBe(20_000 + 2 * 1024 * 1024);
  });

  it('meters what it lets through: bits/s over the last window, capped or not', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(8e6, clock); // 1 MB/s
    for (let i = 0; i < 100; i++) await limiter.take(50_000); // 5 MB: about 5 s of (manual) time
    expect(limiter.bitsPerSec(2000)).toBeGreaterThan(8e6 * 0.9);
    expect(limiter.bitsPerSec(2000)).toBeLessThanOrEqual(8e6 * 1.05);
    limiter.setCap(null);
    await clock.sleep(20_000); // quiet: nothing in the window any more
    expect(limiter.bitsPerSec(2000)).toBe(0);
    await limiter.take(250_000);
    await clock.sleep(1000);
    // 250 kB in a 2 s window: 1 Mbit/s, counted though nothing capped it.
    expect(limiter.bitsPerSec(2000)).toBeCloseTo(1e6, -4);
  });

  it('a lower cap set mid-stream applies to the next bytes, and no cap stops the waits', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(8e6, clock);
    await limiter.take(20_000); // the burst
    limiter.setCap(4e6); // 500 kB/s
    await limiter.take(500_000);
    expect(clock.slept).toBeCloseTo(1000, 6);
    limiter.setCap(null);
    await limiter.take(10 * 1024 * 1024);
    expect(clock.slept).toBeCloseTo(1000, 6);
  });
});

describe('RateLimiter on the real clock', () => {
  it('a stalled event loop does not turn into a burst: the writers it held back are spread out again', async () => {
    const limiter = new RateLimiter(8e6); // 1 MB/s
    const releases: { at: number; bytes: number }[] = [];
    const t0 = performance.now();
    const writers = Array.from({ length: 20 }, async () => {
      await limiter.take(50_000);
      releases.push({ at: performance.now() - t0, bytes: 50_000 });
    });
    // The event loop stalls for 300 ms while the writers wait (a busy machine, a long synchronous task).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busyUntil = performance.now() + 300;
    while (performance.now() < busyUntil) {
      // busy
    }
    await Promise.all(writers);
    // No 300 ms window holds more than the cap allows plus the burst (20 kB) and one writer's bytes; without the
    // correction the six writers the stall held back go at once, on top of the ones that follow.
    const windowMs = 300;
    for (const start of releases) {
      const inWindow = releases
        .filter((r) => r.at > start.at && r.at <= start.at + windowMs)
        .reduce((sum, r) => sum + r.bytes, 0);
      expect(inWindow).toBeLessThanOrEqual(1000 * windowMs + 20_000 + 50_000);
    }
    expect(limiter.bytesPassed).toBe(1_000_000);
  });
});
