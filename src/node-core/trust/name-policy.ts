import { ErrorCode } from '../../shared/errors';
import { NameRefusedError } from './errors';

/**
 * How many names one NodeId may hold at a CA, and how fast it may register them (docs/trust.md, "Names"). Pure
 * policy: the CA passes in the counts and the clock.
 */
export const NAME_LIMITS = {
  /** Live (unexpired) names one NodeId may hold; renewing one it holds does not count again. */
  perNode: 5,
  /** Registrations (renewals included, refusals too) one NodeId may make per window. */
  registrationsPerWindow: 10,
  windowMs: 60 * 60_000,
} as const;

/** Refuses a new name to a node that already holds `held` live names (a renewal is always allowed). */
export function checkNameQuota(held: number, renewal: boolean): void {
  if (renewal || held < NAME_LIMITS.perNode) return;
  throw new NameRefusedError(
    ErrorCode.NameLimit,
    `this node already holds ${held} names, the most one node may hold (${NAME_LIMITS.perNode}); ` +
      'release one, or let one expire, to register another',
  );
}

/** A sliding window of registrations per NodeId (kept in memory: a CA restart forgets it, the quota stays). */
export class NameRateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly limit: number = NAME_LIMITS.registrationsPerWindow,
    private readonly windowMs: number = NAME_LIMITS.windowMs,
  ) {}

  /** Counts one registration by `nodeId` at `now`, or refuses it (NAME_RATE_LIMITED) if the window is full. */
  take(nodeId: string, now: number): void {
    const since = now - this.windowMs;
    const times = (this.recent.get(nodeId) ?? []).filter((t) => t > since);
    if (times.length >= this.limit) {
      const retryInS = Math.ceil(((times[0] ?? now) + this.windowMs - now) / 1000);
      this.recent.set(nodeId, times);
      throw new NameRefusedError(
        ErrorCode.NameRateLimited,
        `this node registered ${times.length} names in the last ${this.windowMs / 60_000} minutes, the most ` +
          `allowed (${this.limit}); try again in ${retryInS} s`,
      );
    }
    times.push(now);
    this.recent.set(nodeId, times);
    // Forget nodes whose window has passed, so the map stays as small as the set of recent registrants.
    if (this.recent.size > 1_000) {
      for (const [id, ts] of this.recent) if ((ts[ts.length - 1] ?? 0) <= since) this.recent.delete(id);
    }
  }
}
