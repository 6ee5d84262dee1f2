/**
 * Token buckets keyed by peer (NodeId): each key holds up to `capacity` tokens and gains one every `refillMs`.
 * Pure policy: the clock comes in, nothing is read or written outside the map. Used by the CA for trust.cosign,
 * trust.register and trust.release (docs/trust.md, "Limits").
 */
export interface BucketLimits {
  /** Requests one peer may make in a burst. */
  readonly capacity: number;
  /** One token comes back every `refillMs`. */
  readonly refillMs: number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/** How many keys are kept before full buckets (keys idle long enough to be refilled) are forgotten. */
const MAX_KEYS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limits: BucketLimits,
    private readonly now: () => number,
  ) {
    if (!Number.isSafeInteger(limits.capacity) || limits.capacity < 1) throw new RangeError('capacity must be ≥ 1');
    if (!(limits.refillMs > 0) || !Number.isFinite(limits.refillMs)) throw new RangeError('refillMs must be > 0');
  }

  /** Takes one token for `key`, or says how long until one is there. */
  take(key: string): TakeResult {
    const now = this.now();
    const { capacity, refillMs } = this.limits;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    // A clock that steps back refills nothing (and takes nothing away).
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(capacity, b.tokens + elapsed / refillMs);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) * refillMs) };
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_KEYS) this.forgetFull(now);
    return { ok: true };
  }

  private forgetFull(now: number): void {
    const { capacity, refillMs } = this.limits;
    for (const [key, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) / refillMs >= capacity) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
