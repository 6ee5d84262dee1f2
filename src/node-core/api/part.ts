/**
 * What the node (the wiring) gives each subsystem's part of the NodeApi: a check that the node runs, and the
 * subsystem if it was started (most need the peer transport). Each part says itself, with its own error code, what
 * a call means while its subsystem is off.
 */
export interface ApiPartContext<T> {
  /** Throws NODE_STOPPED unless the node runs. */
  readonly ensureRunning: () => void;
  readonly get: () => T | undefined;
}

/** The subsystem, for a call that needs it: NODE_STOPPED if the node does not run, `unavailable()` if it is off. */
export function requirePart<T>(ctx: ApiPartContext<T>, unavailable: () => Error): T {
  ctx.ensureRunning();
  const part = ctx.get();
  if (part === undefined) throw unavailable();
  return part;
}
