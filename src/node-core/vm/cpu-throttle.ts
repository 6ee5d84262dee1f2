// The pure policy file, not governor's index: the index also loads the system sensors (systeminformation), and a
// process that loads them never saw its job child start in cpu-throttle.process.test.ts.
// eslint-disable-next-line no-restricted-imports
import { jobConcurrency } from '../governor/throttle';
import type { Logger } from '../logging/index';
import { sweepOrphanedJobs } from './orphans';
import { processCpuPreciseMs } from './proc';
import { createSandbox, type Sandbox } from './sandbox';

/**
 * Holds the job processes to the CPU allowance (issue #19, item 1): a fraction of a core is CPU time, not a slot.
 *
 * Every period (100 ms) the throttle gives the running job processes a CPU budget of allowance × period, lets
 * each run its part of it (SIGCONT), and stops it (SIGSTOP) once that time has passed. What they really used is
 * read from /proc (to the nanosecond: schedstat), and the difference carries into the next period — an overrun (a
 * late timer on a busy machine, a process that ran between two readings) is paid back, so every 2-second window
 * stays within the allowance. A job that starts while its period's budget is spent waits, stopped, for the next.
 *
 * Jobs are never killed for the allowance: a rule that tightens slows them down, a snooze (allowance 0) stops them
 * where they are, and a rule that loosens lets them go on. The job's wall-clock limit does not run while it is
 * stopped (sandbox.ts). Each job's CPU time is still measured and limited per job by the sandbox.
 *
 * Also the CPU meter of the allowed-vs-used view: cores used by job processes over the last 2 seconds.
 */

export interface CpuThrottleOptions {
  /** The CPU peers' work may use now, in cores (fractional); null: not known yet, no limit applied. */
  readonly allowedCores: () => number | null;
  /** Sets how many jobs may run at once (the sandbox's bound): whole processes for the allowance. */
  readonly setConcurrency?: (jobs: number) => void;
  /** CPU time of a process in ms (the real one reads /proc); null when it has no answer. */
  readonly cpuMs?: (pid: number) => number | null;
  /**
   * The node process's own CPU time in ms (default: process.cpuUsage()): while jobs run, all of it counts as work
   * for peers (supervising the jobs, their proofs, serving leases) — the node's other work is counted too, so peers
   * get a little less, never more. Null: not counted (a test of the jobs' arithmetic alone).
   */
  readonly selfCpuMs?: (() => number) | null;
  /** The period of the duty cycle, ms (default 100). */
  readonly periodMs?: number;
  /** A monotonic clock in ms (tests may inject one). */
  readonly now?: () => number;
}

/** A job process as the throttle sees it (a JobChild of the pool; a test double in tests). */
export interface ThrottledProcess {
  readonly pid: number;
  readonly paused: boolean;
  pause(): boolean;
  resume(): boolean;
}

export interface CpuThrottle {
  /** A job process was spawned: from now on its CPU counts and it runs only within the allowance. */
  started(process: ThrottledProcess): void;
  /** It is about to be killed: its last CPU is read, then it is forgotten. */
  ended(process: ThrottledProcess): void;
  /** Re-reads the allowance at once (the governor's subscribe callback); the loop does so every period too. */
  allowanceChanged(): void;
  /** Cores the job processes used over the last 2 seconds (0 when none ran); the Dashboard's "used". */
  coresInUse(): number | null;
  /** Lets every job process run again and stops the loop. */
  stop(): void;
}

const WINDOW_MS = 2_000;
/** Unused budget carried into the next period, at most this many periods' worth (a burst must not break a window). */
const MAX_CREDIT_PERIODS = 0.25;
/** Overrun carried as debt, at most this many periods' worth (more is a measurement hiccup, not real use). */
const MAX_DEBT_PERIODS = 10;
/**
 * The share of the allowance the throttle aims at. Stops land a little late and /proc is read between them, so use
 * swings a few percent around the aim from period to period; aiming 3 % low keeps every 2-second window within 5 %.
 */
const TARGET = 0.97;

interface Tracked {
  readonly job: ThrottledProcess;
  /** CPU time at the last reading, ms. */
  lastCpu: number | null;
  /** Stopped by the throttle (and so to be let go by it). */
  held: boolean;
  /** CPU it used in the current period, and the run time it was given in it (ms). */
  used: number;
  given: number;
  /**
   * Wants CPU: it used at least half of what it was given last time it was given any. A warm child waiting for a job
   * does not, so it takes no share from the jobs; it is left to run (it uses nothing), and counts again once it does.
   */
  busy: boolean;
}

export function createCpuThrottle(options: CpuThrottleOptions): CpuThrottle {
  const periodMs = options.periodMs ?? 100;
  if (!(periodMs >= 10)) throw new RangeError(`periodMs must be at least 10, got ${periodMs}`);
  const cpuMs = options.cpuMs ?? processCpuPreciseMs;
  const selfCpuMs =
    options.selfCpuMs === undefined
      ? () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        }
      : options.selfCpuMs;
  let selfLast: number | null = null;
  const now = options.now ?? (() => performance.now());
  const tracked = new Map<number, Tracked>();
  /** CPU used by job processes per period: [end time, ms], for the 2-second meter. */
  const history: { at: number; ms: number }[] = [];
  let usedThisPeriod = 0;
  let carry = 0;
  let budget = Number.POSITIVE_INFINITY;
  let lastTick = Number.NEGATIVE_INFINITY;
  let loop: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let concurrency = -1;

  const allowed = (): number | null => {
    const cores = options.allowedCores();
    return cores === null || !Number.isFinite(cores) ? null : Math.max(0, cores);
  };

  /** Adds what each process used since its last reading to this period's account. */
  const measure = (t: Tracked): void => {
    const cpu = cpuMs(t.job.pid);
    if (cpu === null) return;
    if (t.lastCpu !== null && cpu > t.lastCpu) {
      usedThisPeriod += cpu - t.lastCpu;
      t.used += cpu - t.lastCpu;
    }
    t.lastCpu = cpu;
  };

  const hold = (t: Tracked): void => {
    if (!t.held && t.job.pause()) t.held = true;
  };
  const release = (t: Tracked): void => {
    if (t.held) {
      t.job.resume();
      t.held = false;
    }
  };

  const applyConcurrency = (cores: number | null): void => {
    if (!options.setConcurrency || cores === null) return;
    const jobs = Math.max(1, jobConcurrency(cores));
    if (jobs === concurrency) return;
    concurrency = jobs;
    options.setConcurrency(jobs);
  };

  /** One period: settle the last one's account, then run the processes for their share of this one. */
  const tick = (): void => {
    clearTimeout(stopTimer);
    for (const t of tracked.values()) measure(t);
    if (selfCpuMs) {
      const self = selfCpuMs();
      if (selfLast !== null && self > selfLast) usedThisPeriod += self - selfLast;
      selfLast = self;
    }
    const t0 = now();
    history.push({ at: t0, ms: usedThisPeriod });
    while ((history[0]?.at ?? t0) < t0 - WINDOW_MS) history.shift();
    const cores = allowed();
    applyConcurrency(cores);
    if (cores === null) {
      carry = 0;
    } else if (Number.isFinite(budget)) {
      // What the last period was owed minus what it used: paid back (debt) or, a little, kept (credit).
      const owed = budget;
      carry = Math.min(cores * periodMs * MAX_CREDIT_PERIODS, owed - usedThisPeriod);
      carry = Math.max(carry, -cores * periodMs * MAX_DEBT_PERIODS);
    }
    usedThisPeriod = 0;
    const all = [...tracked.values()];
    // A re-plan moments after the last one (the allowance changed) has seen too little to judge who is busy.
    const judged = t0 - lastTick >= periodMs / 2;
    lastTick = t0;
    for (const t of all) {
      if (judged && t.given >= 1) t.busy = t.used >= t.given / 2;
      if (judged) t.used = 0;
    }
    const busy = all.filter((t) => t.busy).length;
    if (cores === null || (cores >= all.length && carry >= 0)) {
      // Each process uses one core at most: even if all of them ran, nothing would need holding back (unless there
      // is debt to pay: the node's own work counts too).
      budget = cores === null ? Number.POSITIVE_INFINITY : cores * periodMs;
      for (const t of all) {
        release(t);
        t.given = periodMs;
      }
    } else {
      // Aim a little low only where processes are really held back (more busy ones than the allowance covers).
      budget = cores * periodMs * (cores >= Math.max(1, busy) ? 1 : TARGET) + carry;
      const runMs = cores <= 0 ? 0 : Math.min(periodMs, Math.max(0, budget) / Math.max(1, busy));
      if (runMs <= 0) {
        // Nothing to give (a snooze, or debt to pay): every process waits, idle ones too.
        for (const t of all) {
          hold(t);
          t.given = 0;
        }
      } else {
        // The budget is shared by the busy ones; idle ones run too (they use nothing) but stop with the others,
        // so one that gets its job mid-period runs no longer than they do (and what it used is paid back).
        for (const t of all) {
          release(t);
          t.given = runMs;
        }
        if (runMs < periodMs) {
          stopTimer = setTimeout(() => {
            for (const t of tracked.values()) hold(t);
          }, runMs);
        }
      }
    }
    if (tracked.size === 0) stopLoop();
  };

  const startLoop = (): void => {
    if (loop) return;
    budget = Number.POSITIVE_INFINITY;
    usedThisPeriod = 0;
    carry = 0;
    selfLast = selfCpuMs ? selfCpuMs() : null; // the node's CPU counts from the first job on
    loop = setInterval(tick, periodMs);
    tick();
  };
  const stopLoop = (): void => {
    clearInterval(loop);
    clearTimeout(stopTimer);
    loop = undefined;
  };

  return {
    started(job) {
      // A new process boots: it wants CPU from the start.
      const t: Tracked = { job, lastCpu: cpuMs(job.pid), held: false, used: 0, given: 0, busy: true };
      tracked.set(job.pid, t);
      if (!loop) return startLoop();
      // Joining a period in progress whose budget was planned for the others: wait, stopped, for the next one.
      const cores = allowed();
      let busy = 0;
      for (const other of tracked.values()) if (other.busy) busy++;
      if (cores !== null && cores < busy) hold(t);
    },
    ended(job) {
      const t = tracked.get(job.pid);
      if (!t) return;
      measure(t);
      tracked.delete(job.pid);
    },
    allowanceChanged() {
      if (loop) tick();
      else applyConcurrency(allowed());
    },
    coresInUse() {
      const since = now() - WINDOW_MS;
      let ms = usedThisPeriod;
      for (const h of history) if (h.at > since) ms += h.ms;
      return ms / WINDOW_MS;
    },
    stop() {
      stopLoop();
      for (const t of tracked.values()) release(t);
      tracked.clear();
    },
  };
}

/** The node's job executor: the sandbox at the lowest priority, held to the CPU allowance by a throttle. */
export function createThrottledSandbox(options: {
  readonly log: Logger;
  readonly allowedCores: () => number | null;
  /** The node's data folder: job processes an earlier node of it left behind are killed first (orphans.ts). */
  readonly owner?: string;
}): {
  readonly sandbox: Sandbox;
  readonly throttle: CpuThrottle;
} {
  const swept = options.owner === undefined ? [] : sweepOrphanedJobs(options.owner);
  if (swept.length > 0) {
    options.log.warn(`killed ${swept.length} job process(es) left behind by the last run (pids ${swept.join(', ')})`);
  }
  const sandbox = createSandbox({
    log: options.log,
    idleScheduling: true,
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
  });
  const throttle = createCpuThrottle({
    allowedCores: options.allowedCores,
    setConcurrency: (jobs) => sandbox.setMaxConcurrent(jobs),
  });
  sandbox.observe(throttle);
  return { sandbox, throttle };
}
