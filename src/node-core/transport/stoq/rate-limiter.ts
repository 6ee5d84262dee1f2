/**
 * A token bucket: `take(n)` resolves when n bytes may go out under the cap. Enforces the user's bandwidth
 * allocation on outgoing bulk data; a null cap lets everything through at once.
 */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private bytesPerMs: number | null = null;
  private burst = 0;

  constructor(capBitsPerSec: number | null) {
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
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.bytesPerMs);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const waitMs = -this.tokens / this.bytesPerMs;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
