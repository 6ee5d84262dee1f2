import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('lets everything through without a cap', async () => {
    const limiter = new RateLimiter(null);
    const t = performance.now();
    for (let i = 0; i < 1000; i++) await limiter.take(1 << 20);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(limiter.capBitsPerSec).toBeNull();
  });

  it('holds a sender to the cap (8 Mbit/s: 2 MiB beyond the burst takes about 2 s)', async () => {
    const limiter = new RateLimiter(8e6); // 1 MB/s, 256 KiB burst
    const start = performance.now();
    let sent = 0;
    while (sent < 256 * 1024 + 2 * 1024 * 1024) {
      await limiter.take(64 * 1024);
      sent += 64 * 1024;
    }
    const seconds = (performance.now() - start) / 1000;
    // Lower bound only: a cap must never be exceeded; a slow machine may take longer.
    expect(seconds).toBeGreaterThan(1.9);
  });
});
