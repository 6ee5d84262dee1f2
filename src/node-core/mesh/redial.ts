/**
 * When the maintenance may dial a peer again after failed dials: soon after the first failure, then less and less
 * often, each wait jittered. The jitter matters: two nodes that dial each other at the same moment both lose (each
 * side keeps the connection it accepted and drops the one it opened as a duplicate of the same address), and with
 * equal waits they would cross again every time. Pure policy: the caller passes the clock and the dice.
 */
export interface RedialPolicy {
  /** The wait after the first failure, before jitter. */
  readonly firstMs: number;
  /** The longest wait, before jitter. */
  readonly maxMs: number;
  /** Each wait is scaled by a factor drawn from [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

export const REDIAL_DEFAULTS: RedialPolicy = { firstMs: 5_000, maxMs: 300_000, jitter: 0.5 };

interface Failures {
  readonly count: number;
  readonly until: number;
}

export class RedialBackoff {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly policy: RedialPolicy = REDIAL_DEFAULTS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait after `count` failures in a row, before jitter: doubling from firstMs up to maxMs. */
  baseWaitMs(count: number): number {
    return Math.min(this.policy.maxMs, this.policy.firstMs * 2 ** Math.max(0, count - 1));
  }

  /** Records a failed dial at `now`; returns when the peer may be dialled again. */
  failed(key: string, now: number): number {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const scale = 1 - this.policy.jitter + 2 * this.policy.jitter * this.random();
    const until = now + Math.round(this.baseWaitMs(count) * scale);
    this.failures.set(key, { count, until });
    return until;
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  mayDial(key: string, now: number): boolean {
    return (this.failures.get(key)?.until ?? 0) <= now;
  }

  /** Lets the peer be dialled at once again, keeping its count (a new way to reach it appeared, such as a relay). */
  release(key: string): void {
    const failures = this.failures.get(key);
    if (failures) this.failures.set(key, { count: failures.count, until: 0 });
  }
}
