/**
 * How the job pool keeps peers' work within the fractional CPU allowance (issue #19, item 1), as a pure plan the
 * pool applies with SIGSTOP/SIGCONT (suspend/resume on Windows) each period. Each job process uses at most one
 * core, so `runnable` processes that each run `runFraction` of every period use runnable × runFraction cores.
 */
export interface DutyCycle {
  /** Job processes that may be started at once (whole processes; a concurrency bound, not the cap). */
  readonly concurrency: number;
  /** Share of each period every running job process may run, 0–1 (1: never stopped). */
  readonly runFraction: number;
  /** Within a period of `periodMs`: how long each process runs, then how long it is stopped. */
  readonly runMs: number;
  readonly stopMs: number;
}

/** Job processes to keep at once for an allowance: whole processes, at least one while anything is allowed. */
export function jobConcurrency(allowedCores: number): number {
  return allowedCores > 0 ? Math.ceil(allowedCores - 1e-9) : 0;
}

/**
 * The duty cycle for `runnable` CPU-bound job processes under `allowedCores` (from SharingGovernor.allowedCores()).
 * A short period keeps each 2-second window close to the allowance; 100 ms by default.
 */
export function dutyCycle(allowedCores: number, runnable: number, periodMs = 100): DutyCycle {
  if (!(periodMs > 0)) throw new RangeError(`periodMs must be positive, got ${periodMs}`);
  const allowed = Number.isFinite(allowedCores) ? Math.max(0, allowedCores) : 0;
  const concurrency = jobConcurrency(allowed);
  const active = Math.min(Math.max(0, Math.floor(runnable)), concurrency);
  const runFraction = active === 0 ? (allowed > 0 ? 1 : 0) : Math.min(1, allowed / active);
  const runMs = Math.round(runFraction * periodMs);
  return { concurrency, runFraction, runMs, stopMs: periodMs - runMs };
}
