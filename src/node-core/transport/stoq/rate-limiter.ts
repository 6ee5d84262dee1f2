/** The time source a limiter reads and waits on: the real clock, or a test's own. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  // Unref'd: writers waiting for their turn must not keep a stopping process alive (at a low cap, many seconds).
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};

/** The meter's resolution: bytes are counted in buckets of this many ms. */
const BUCKET_MS = 100;
/** How far back the meter keeps buckets (the longest window it answers for). */
const METER_SPAN_MS = 10_000;

/** A waiter that wakes later than its slot by more than this (a busy event loop) moves every later slot back. */
const LATE_TOLERANCE_MS = 5;

/**
 * A token bucket and a meter: `take(n)` resolves when n bytes may go out under the cap (null: at once), and counts
 * them at the moment they are let through. Every byte the node writes to a peer stream passes here (the endpoint
 * paces each stream write), so the cap covers all peer traffic — requests, replies, bulk, the mesh's channels — and
 * `bitsPerSec()` is what peers' traffic uses now, the figure the sharing view shows. A null cap lets everything
 * through at once and still counts it.
 *
 * The bucket is kept as the time its debt is paid (`paidAt`, in a virtual time that lags the clock by `shift`).
 * When the event loop stalls, the writers whose slots passed meanwhile would all go at once; instead the first of
 * them to wake moves every later slot back by its lateness, so no window of traffic exceeds the cap because of a
 * stall (the time lost is not made up).
 */
export class RateLimiter {
  private paidAt: number;
  private shift = 0;
  private bytesPerMs: number | null = null;
  private burstMs = 0;
  /** Bytes let through per bucket (time / BUCKET_MS). */
  private readonly buckets = new Map<number, number>();
  private total = 0;

  constructor(
    capBitsPerSec: number | null,
    private readonly clock: LimiterClock = realClock,
  ) {
    this.paidAt = clock.now();
    this.setCap(capBitsPerSec);
  }

  get capBitsPerSec(): number | null {
    return this.bytesPerMs === null ? null : this.bytesPerMs * 8000;
  }

  /** All bytes let through since the limiter was made. */
  get bytesPassed(): number {
    return this.total;
  }

  setCap(capBitsPerSec: number | null): void {
    const vnow = this.clock.now() - this.shift;
    const before = this.bytesPerMs;
    if (capBitsPerSec === null || !Number.isFinite(capBitsPerSec) || capBitsPerSec <= 0) {
      this.bytesPerMs = null;
      return;
    }
    const rate = capBitsPerSec / 8000;
    // Up to 20 ms of traffic may leave in one burst (at least 16 KiB): a bigger burst would let a window of a
    // second or two exceed the cap by more than a few percent. A write larger than the burst goes into debt and
    // waits for it, so chunks of any size pass.
    const burstMs = Math.max(16 * 1024, rate * 20) / rate;
    // Debt still owed carries over at the new rate; an uncapped limiter starts with a full burst.
    this.paidAt =
      before === null ? vnow - burstMs : Math.max(vnow - burstMs, vnow + ((this.paidAt - vnow) * before) / rate);
    this.bytesPerMs = rate;
    this.burstMs = burstMs;
  }

  /** Waits until `bytes` may go out under the cap: a promise, or null when they may go at once. */
  take(bytes: number): Promise<void> | null {
    const rate = this.bytesPerMs;
    if (rate === null) {
      this.count(this.clock.now(), bytes);
      return null;
    }
    const vnow = this.clock.now() - this.shift;
    const slot = Math.max(this.paidAt, vnow - this.burstMs) + bytes / rate;
    this.paidAt = slot;
    if (slot <= vnow) {
      this.count(this.clock.now(), bytes);
      return null;
    }
    return this.waitFor(slot, bytes);
  }

  private async waitFor(slot: number, bytes: number): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const late = now - (slot + this.shift);
      if (late >= 0) {
        if (late > LATE_TOLERANCE_MS && this.bytesPerMs !== null) this.shift += late;
        this.count(now, bytes);
        return;
      }
      // Woken early, or a stall moved the slots back since: wait for the slot as it is now.
      await this.clock.sleep(-late);
    }
  }

  /** What went out over the last `windowMs` (0.1–10 s), in bits/s, to the meter's 100 ms resolution. */
  bitsPerSec(windowMs = 2000): number {
    const now = this.clock.now();
    const span = Math.min(METER_SPAN_MS, Math.max(BUCKET_MS, windowMs));
    const newest = Math.floor(now / BUCKET_MS);
    const oldest = Math.floor((now - span) / BUCKET_MS) + 1;
    let bytes = 0;
    for (const [bucket, n] of this.buckets) if (bucket >= oldest && bucket <= newest) bytes += n;
    return (bytes * 8000) / span;
  }

  private count(now: number, bytes: number): void {
    this.total += bytes;
    const bucket = Math.floor(now / BUCKET_MS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + bytes);
    const cutoff = bucket - METER_SPAN_MS / BUCKET_MS;
    if (this.buckets.size > METER_SPAN_MS / BUCKET_MS + 1) {
      for (const key of this.buckets.keys()) if (key < cutoff) this.buckets.delete(key);
    }
  }
}
