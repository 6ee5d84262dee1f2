import { readdirSync, readFileSync } from 'node:fs';

/**
 * Job processes left behind by a node that died (kill -9, an OOM kill, a power cut of the app): the CPU throttle
 * may have stopped them with SIGSTOP, and a stopped process never notices that its parent is gone, so it would hold
 * its memory for good. Each job process carries its node's data folder in this variable; one node at a time holds a
 * data folder (its lock), so at start any process still marked with it belongs to a node that is gone.
 */
export const JOB_OWNER_VARIABLE = 'HYPERMESH_JOB_OWNER';

/** The pids of the processes marked as jobs of `owner` (Linux /proc; none elsewhere). */
export function findJobProcesses(owner: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const marker = `${JOB_OWNER_VARIABLE}=${owner}`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // The environment the process started with: NUL-separated NAME=value entries.
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or another user's process
    }
  }
  return found;
}

/** Kills the job processes left behind by an earlier node of `owner` (SIGKILL ends stopped ones too); their pids. */
export function sweepOrphanedJobs(owner: string): number[] {
  const killed: number[] = [];
  for (const pid of findJobProcesses(owner)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}
