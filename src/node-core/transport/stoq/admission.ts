import { isIP } from 'node:net';

/**
 * Who may start a QUIC handshake with this node: pure policy (no I/O), fed the state of the handshake table and a
 * clock. The endpoint asks it about every Initial that would open a new connection.
 *
 * - A handshake costs the node real work (TLS keys, a signature, retransmissions) and a table slot; a Retry costs an
 *   HMAC and one small datagram, and keeps nothing. So under pressure (many handshakes from unproven addresses, or
 *   a high rate of new Initials), an Initial without a token gets a Retry: an honest client (quiche) comes back with
 *   the token at once, a spoofed-source flood never does.
 * - A token proves the client receives at its address, but one real address can still flood: handshakes per source
 *   (IPv4 address, IPv6 /64) are held to a token bucket, in a bounded table.
 */
export interface AdmissionLimits {
  /** Handshakes in flight from unvalidated addresses at which new tokenless Initials get a Retry. */
  readonly retryThreshold: number;
  /** Tokenless Initials per second above which they get a Retry whatever the table holds. */
  readonly initialRatePerSec: number;
  /** Handshakes in flight at once, validated or not: more are dropped. */
  readonly maxHandshakes: number;
  /** Handshakes one source may start per second, steady... */
  readonly perSourceRatePerSec: number;
  /** ...and at once (a node dialled by many local peers at start-up). */
  readonly perSourceBurst: number;
  /** Sources remembered; the least recently seen is forgotten first. */
  readonly maxSources: number;
  /** Retries sent per second in all, so a flood cannot turn the node into a busy reflector (a Retry is smaller). */
  readonly retryRatePerSec: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  retryThreshold: 16,
  initialRatePerSec: 50,
  maxHandshakes: 256,
  perSourceRatePerSec: 64,
  perSourceBurst: 256,
  maxSources: 4096,
  retryRatePerSec: 4000,
};

export type InitialToken = 'none' | 'valid' | 'invalid';

export type DropReason = 'invalid-token' | 'handshake-table-full' | 'source-rate' | 'retry-rate';

export type AdmissionDecision =
  | { readonly action: 'accept' }
  | { readonly action: 'retry' }
  | { readonly action: 'drop'; readonly reason: DropReason };

export interface HandshakeTable {
  /** Handshakes (connections not yet verified) in flight whose client address was not validated by a token. */
  readonly unvalidated: number;
  /** All handshakes in flight. */
  readonly total: number;
}

/** A token bucket on an injected millisecond clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.ratePerSec) / 1000);
    this.last = Math.max(this.last, now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One token bucket per source, in a table of at most `maxSources`; the least recently seen source goes first. */
export class SourceBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly maxSources: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  take(source: string, now: number): boolean {
    const key = sourceKey(source);
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: Map order is the recency order
    } else {
      bucket = new TokenBucket(this.ratePerSec, this.burst, now);
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, bucket);
    return bucket.take(now);
  }
}

/** What one source is: an IPv4 address, or an IPv6 /64 (one host holds a whole /64); IPv4-mapped counts as IPv4. */
export function sourceKey(host: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return mapped[1] as string;
  if (isIP(host) !== 6) return host;
  const bare = host.split('%')[0] as string; // zone id
  const [left = '', right] = bare.split('::') as [string, string | undefined];
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups =
    right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export interface AdmissionCounters {
  accepted: number;
  retried: number;
  dropped: Record<DropReason, number>;
}

export class InitialAdmission {
  readonly limits: AdmissionLimits;
  readonly counters: AdmissionCounters = {
    accepted: 0,
    retried: 0,
    dropped: { 'invalid-token': 0, 'handshake-table-full': 0, 'source-rate': 0, 'retry-rate': 0 },
  };
  private readonly sources: SourceBuckets;
  private readonly initialRate: TokenBucket;
  private readonly retryRate: TokenBucket;

  constructor(
    limits: Partial<AdmissionLimits> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limits = { ...DEFAULT_ADMISSION_LIMITS, ...limits };
    const l = this.limits;
    for (const [k, v] of Object.entries(l)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`admission limit ${k} must be a number ≥ 0, got ${v}`);
    }
    const t = now();
    this.sources = new SourceBuckets(l.perSourceRatePerSec, l.perSourceBurst, Math.max(1, l.maxSources));
    this.initialRate = new TokenBucket(l.initialRatePerSec, l.initialRatePerSec, t);
    this.retryRate = new TokenBucket(l.retryRatePerSec, l.retryRatePerSec, t);
  }

  /** Sources currently remembered (bounded by maxSources). */
  get sourceCount(): number {
    return this.sources.size;
  }

  /** What to do with an Initial from `source` that would open a new connection. */
  decide(source: string, token: InitialToken, table: HandshakeTable): AdmissionDecision {
    const decision = this.decideInner(source, token, table);
    if (decision.action === 'accept') this.counters.accepted++;
    else if (decision.action === 'retry') this.counters.retried++;
    else this.counters.dropped[decision.reason]++;
    return decision;
  }

  private decideInner(source: string, token: InitialToken, table: HandshakeTable): AdmissionDecision {
    const now = this.now();
    if (token === 'invalid') return { action: 'drop', reason: 'invalid-token' };
    if (token === 'none') {
      // Every tokenless Initial counts toward the rate, pressure or not, so the rate is measured, not sampled.
      const calm = this.initialRate.take(now);
      if (!calm || table.unvalidated >= this.limits.retryThreshold) {
        return this.retryRate.take(now) ? { action: 'retry' } : { action: 'drop', reason: 'retry-rate' };
      }
    }
    if (table.total >= this.limits.maxHandshakes) return { action: 'drop', reason: 'handshake-table-full' };
    if (!this.sources.take(source, now)) return { action: 'drop', reason: 'source-rate' };
    return { action: 'accept' };
  }
}
