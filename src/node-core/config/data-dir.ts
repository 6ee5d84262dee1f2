import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataDirLockedError, DataDirUnwritableError } from '../errors';

/** Where the node keeps its state when no --data-dir is given: the platform's per-user data location. */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.HYPERMESH_DATA_DIR) return resolve(env.HYPERMESH_DATA_DIR);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'HyperMesh');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'HyperMesh');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'hypermesh');
}

/** Creates the data directory (private to the user) and proves it is writable before anything is stored. */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK | constants.R_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new DataDirUnwritableError(dir, err);
  }
}

export const LOCK_FILE = 'node.lock';

const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockOwner {
  readonly pid: number;
  /** The owner's start time in clock ticks since boot (Linux /proc/PID/stat), when it was recorded. */
  readonly startTicks: string | null;
}

function readLockOwner(file: string): LockOwner | null {
  try {
    const [pidText, startTicks] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const pid = Number.parseInt(pidText ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return { pid, startTicks: startTicks !== undefined && /^\d+$/.test(startTicks) ? startTicks : null };
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat (starttime); null off Linux or when unreadable. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function bootTimeMs(): number | null {
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return line?.[1] === undefined ? null : Number(line[1]) * 1000;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SEC = 100;

/**
 * Whether the process that wrote the lock still runs. A live pid is not enough: after a reboot (or pid reuse) the
 * same number belongs to an unrelated process. On Linux the owner's start time, written into the lock, must match;
 * a lock without one (older versions) is stale when the process with that pid started after the lock was written.
 */
function ownerAlive(owner: LockOwner, file: string): boolean {
  if (!isAlive(owner.pid)) return false;
  const ticks = processStartTicks(owner.pid);
  if (ticks === null) return true; // not Linux, or /proc hidden: the pid is all there is to go on
  if (owner.startTicks !== null) return owner.startTicks === ticks;
  const boot = bootTimeMs();
  if (boot === null) return true;
  const startedAt = boot + (Number(ticks) * 1000) / CLOCK_TICKS_PER_SEC;
  let writtenAt: number;
  try {
    writtenAt = statSync(file).mtimeMs;
  } catch {
    return true;
  }
  return startedAt <= writtenAt + 2000; // btime has 1 s resolution; give clock granularity room
}

/**
 * One node per data directory: a lock file holding the owner's pid (and on Linux its start time); a lock left by a
 * process that is gone, even if its pid now names another process, is taken over.
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly file: string,
  ) {}

  static acquire(dir: string): DataDirLock {
    const key = resolve(dir);
    const file = join(key, LOCK_FILE);
    if (heldHere.has(key)) throw new DataDirLockedError(key, process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const ticks = processStartTicks(process.pid);
        writeFileSync(file, `${process.pid}${ticks === null ? '' : ` ${ticks}`}\n`, { flag: 'wx', mode: 0o600 });
        heldHere.add(key);
        return new DataDirLock(key, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirUnwritableError(key, err);
        const owner = readLockOwner(file);
        if (owner !== null && owner.pid !== process.pid && ownerAlive(owner, file)) {
          throw new DataDirLockedError(key, owner.pid);
        }
        rmSync(file, { force: true }); // stale: its owner is gone
      }
    }
    throw new DataDirLockedError(key, readLockOwner(file)?.pid ?? null);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    if (readLockOwner(this.file)?.pid === process.pid) rmSync(this.file, { force: true });
  }
}
