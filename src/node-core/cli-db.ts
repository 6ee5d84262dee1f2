import type { CliOptions } from './cli-args';
import { DataDirLock, prepareDataDir } from './config/data-dir';
import { StoreMissingError } from './errors';
import { listBackups, restoreBackup } from './store/backups';

interface Io {
  out(text: string): void;
}

/** `hypermesh db backups` and `hypermesh db restore`: they work on the files, with no node running. */
export function runDbCommand(options: CliOptions, dataDir: string, io: Io): void {
  if (options.command === 'db-backups') {
    const backups = listBackups(dataDir);
    if (options.json) {
      const rows = backups.map((b) => ({ ...b, takenAt: b.takenAt.toISOString() }));
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (backups.length === 0) {
      io.out(`no backups in ${dataDir}/backups yet\n`);
    } else {
      for (const b of backups) {
        io.out(`${b.takenAt.toISOString()}  ${b.reason.padEnd(13)}  ${String(b.bytes).padStart(10)} B  ${b.file}\n`);
      }
    }
    return;
  }
  const from = options.restoreFrom;
  let file: string;
  if (from === 'latest' || from === undefined) {
    const newest = listBackups(dataDir)[0];
    if (!newest) throw new StoreMissingError(`a backup in ${dataDir}/backups`, 'there is nothing to restore');
    file = newest.file;
  } else {
    file = from.file;
  }
  prepareDataDir(dataDir);
  // The lock proves no node uses the database while it is replaced.
  const lock = DataDirLock.acquire(dataDir);
  try {
    const result = restoreBackup(dataDir, file);
    io.out(`restored ${result.restored}\n`);
    if (result.movedAside) io.out(`the replaced database was moved to ${result.movedAside}\n`);
  } finally {
    lock.release();
  }
}
