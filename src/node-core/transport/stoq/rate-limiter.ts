/** The time source a limiter reads and waits on: the real clock, or a test's own. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket: `take(n)` resolves when n bytes may go out under the cap. Enforces the user's bandwidth
 * allocation on outgoing bulk data; a null cap lets everything through at once.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private bytesPerMs: number | null = null;
  private burst = 0;

  constructor(
    capBitsPerSec: number | null,
    private readonly clock: LimiterClock = realClock,
  ) {
    this.last = clock.now();
    this.setCap(capBitsPerSec);
    this.tokens = this.burst;
  }

  get capBitsPerSec(): number | null {
    return this.bytesPerMs === null ? null : this.bytesPerMs * 8000;
  }

  setCap(capBitsPerSec: number | null): void {
    if (capBitsPerSec === null || !Number.isFinite(capBitsPerSec) || capBitsPerSec <= 0) {
      this.bytesPerMs = null;
      return;
    }
    this.bytesPerMs = capBitsPerSec / 8000;
    // Up to 50 ms of traffic may leave in one burst, and at least one full chunk.
    this.burst = Math.max(256 * 1024, this.bytesPerMs * 50);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  async take(bytes: number): Promise<void> {
    if (this.bytesPerMs === null) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.bytesPerMs);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    await this.clock.sleep(-this.tokens / this.bytesPerMs);
  }
}
