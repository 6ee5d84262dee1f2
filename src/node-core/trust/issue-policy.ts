/**
 * When a CA issues a node certificate again to a NodeId (docs/trust.md, "Limits"). Pure policy: the CA passes in
 * what it issued to that NodeId, the clock and whether each certificate still holds.
 */
export interface IssueLimits {
  /** The last part of a certificate's life in which it may be renewed (clients renew at 1/3 left; 0.4 allows skew). */
  readonly renewalFraction: number;
  /** Certificates one NodeId may get per window (renewals, re-issues after a federation change). */
  readonly perWindow: number;
  readonly windowMs: number;
}

const DAY_MS = 86_400_000;

/** Limits for certificates valid `validityMs`: renewal at two thirds of the life, plus room for a few re-issues. */
export function defaultIssueLimits(validityMs: number): IssueLimits {
  return {
    renewalFraction: 0.4,
    perWindow: Math.ceil(DAY_MS / (validityMs / 2)) + 4,
    windowMs: DAY_MS,
  };
}

export interface IssuedRecord {
  readonly notBefore: number;
  readonly notAfter: number;
  readonly revokedAt: number | null;
}

export type IssueDecision<T extends IssuedRecord> =
  | { readonly kind: 'issue' }
  /** The NodeId holds `current`, valid and not due for renewal for `retryAfterMs` more. */
  | { readonly kind: 'already-certified'; readonly current: T; readonly retryAfterMs: number }
  /** The NodeId had `perWindow` certificates in the window; the oldest of them leaves it in `retryAfterMs`. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number };

/**
 * Whether to issue to a NodeId that was issued `history` (any order). A certificate that is unrevoked, unexpired and
 * still `holds` (under the current federation and intermediate) stops a new one until its renewal window opens.
 */
export function decideIssuance<T extends IssuedRecord>(
  history: readonly T[],
  now: number,
  limits: IssueLimits,
  holds: (c: T) => boolean,
): IssueDecision<T> {
  const live = history.filter((c) => c.revokedAt === null && c.notAfter > now).sort((a, b) => b.notAfter - a.notAfter);
  for (const c of live) {
    const renewalOpensAt = c.notAfter - limits.renewalFraction * (c.notAfter - c.notBefore);
    if (now >= renewalOpensAt) break; // the newest live one is due: renewal is allowed
    if (holds(c)) return { kind: 'already-certified', current: c, retryAfterMs: Math.ceil(renewalOpensAt - now) };
  }
  const since = now - limits.windowMs;
  const recent = history.filter((c) => c.notBefore > since).map((c) => c.notBefore);
  if (recent.length >= limits.perWindow) {
    recent.sort((a, b) => a - b);
    // The window frees one slot when the (length - perWindow + 1)-th oldest leaves it.
    const leaving = recent[recent.length - limits.perWindow] ?? now;
    return { kind: 'rate-limited', retryAfterMs: Math.max(1, Math.ceil(leaving + limits.windowMs - now)) };
  }
  return { kind: 'issue' };
}
