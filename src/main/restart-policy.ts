/** When the node's process dies unexpectedly: restart it, unless it is crashing in a loop. Pure. */
export interface RestartPolicy {
  /** This many crashes within `windowMs` and main stops restarting (and shows the log). */
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 3, windowMs: 60_000 };

export interface CrashDecision {
  readonly action: 'restart' | 'give-up';
  /** Crash times still inside the window, this one included: the history for the next decision. */
  readonly recent: readonly number[];
}

export function decideAfterCrash(previous: readonly number[], now: number, policy: RestartPolicy): CrashDecision {
  if (!Number.isInteger(policy.maxCrashes) || policy.maxCrashes < 1 || !(policy.windowMs > 0)) {
    throw new RangeError(`restart policy needs maxCrashes ≥ 1 and windowMs > 0, got ${JSON.stringify(policy)}`);
  }
  const recent = [...previous.filter((t) => now - t < policy.windowMs && t <= now), now];
  return { action: recent.length >= policy.maxCrashes ? 'give-up' : 'restart', recent };
}
