import { DataDirLock, prepareDataDir } from '../config/index';
import { StoreMissingError } from '../errors';
import { listBackups, restoreBackup, type RestoreResult } from './backups';

/** Which backup to put back: the newest in DATA/backups, or a given file. */
export type RestoreSource = 'latest' | { readonly file: string };

/**
 * Puts a backup in place of the database with no node running: the one restore path for `hypermesh db restore` and
 * the desktop app's "Restore the latest backup". Holds the data folder's lock meanwhile (DATA_DIR_LOCKED while a
 * node runs there); the backup is checked first and the replaced database moved aside (restoreBackup).
 */
export function restoreDatabase(dataDir: string, from: RestoreSource): RestoreResult {
  let file: string;
  if (from === 'latest') {
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
    return restoreBackup(dataDir, file);
  } finally {
    lock.release();
  }
}
