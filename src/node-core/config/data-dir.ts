import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function readLockPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** One node per data directory: a lock file holding the owner's pid; a lock left by a dead process is taken over. */
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
        writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        heldHere.add(key);
        return new DataDirLock(key, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirUnwritableError(key, err);
        const pid = readLockPid(file);
        if (pid !== null && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(key, pid);
        rmSync(file, { force: true }); // stale: its owner is gone
      }
    }
    throw new DataDirLockedError(key, readLockPid(file));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    if (readLockPid(this.file) === process.pid) rmSync(this.file, { force: true });
  }
}
