import { accessSync, constants, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What Linux's /proc says about a job process, read by the parent (the job cannot lie about it): CPU time and
 * resident set. Elsewhere each returns null and the callers fall back (wall time, the child's own report).
 */

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node supports

/** User + system CPU time of every thread of process `pid`, in ms (10 ms ticks); null when /proc has no answer. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14 and 15 of stat(5); after the command name, 'state' is index 0, so utime is 11, stime 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}

/**
 * CPU time of every thread of process `pid` in ms, to the nanosecond: the sum of /proc/<pid>/task/<tid>/schedstat
 * (time on CPU). /proc/<pid>/stat counts 10 ms ticks, too coarse to hold a share of a core to 5 % over 2 s. Falls
 * back to the ticks where schedstat is missing; null when /proc has no answer.
 */
export function processCpuPreciseMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended between the listing and the read: its time is gone with it (a few µs at most).
      }
    }
    return Number.isFinite(ns) ? ns / 1e6 : processCpuMs(pid);
  } catch {
    return processCpuMs(pid);
  }
}

/**
 * How long the main thread of process `pid` has been runnable but waiting for a CPU, in ms (field 2 of
 * /proc/<pid>/schedstat); null when /proc has no answer. A nice-19 SCHED_IDLE job child waits here whenever the
 * user's own programs keep the cores busy: that time is the machine's, not the child's.
 */
export function processRunQueueWaitMs(pid: number): number | null {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/** The resident set (VmRSS) of process `pid` in bytes; null when /proc has no answer. */
export function processRssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The absolute path of an executable on PATH (the child gets no PATH of its own), or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  if (process.platform === 'win32') return null;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
