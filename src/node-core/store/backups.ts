import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreCorruptError, StoreMissingError } from '../errors';
import type { Logger } from '../logging/index';
import { BACKUP_DIR, BACKUPS_KEPT, DB_FILE, listBackups, stamp, type BackupReason } from './backup-files';
import { LATEST_SCHEMA_VERSION, openDatabase, type Db } from './database';
import { sqliteNativeBinding } from './native-sqlite';

export { BACKUP_DIR, BACKUPS_KEPT, DB_FILE, listBackups, type BackupInfo, type BackupReason } from './backup-files';

/** A running node backs its database up once a day (and before each migration). */
export const BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000;

function openRaw(file: string, readonly: boolean): Db {
  const nativeBinding = sqliteNativeBinding();
  return new Database(file, {
    readonly,
    fileMustExist: true,
    ...(nativeBinding === undefined ? {} : { nativeBinding }),
  });
}

/** Copies the open database with SQLite's online backup API (consistent while the node writes) and prunes old ones. */
export async function takeBackup(db: Db, dataDir: string, reason: BackupReason, keep = BACKUPS_KEPT): Promise<string> {
  const dir = join(dataDir, BACKUP_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let at = new Date();
  // Two backups in the same millisecond (tests, a migration right after a daily one) must not share a name.
  while (listBackups(dataDir).some((b) => b.takenAt.getTime() === at.getTime())) at = new Date(at.getTime() + 1);
  const file = join(dir, `hypermesh-${stamp(at)}-${reason}.db`);
  const tmp = `${file}.tmp`;
  await db.backup(tmp);
  if (process.platform !== 'win32') chmodSync(tmp, 0o600); // private, like the database it copies
  renameSync(tmp, file); // a crash mid-backup leaves a .tmp, never a truncated backup under a backup's name
  for (const old of listBackups(dataDir).slice(keep)) rmSync(old.file, { force: true });
  return file;
}

/** Backs the database file up without the node (before a migration); closes it again. */
export async function backupFile(dbFile: string, dataDir: string, reason: BackupReason): Promise<string> {
  const db = openRaw(dbFile, true);
  try {
    return await takeBackup(db, dataDir, reason);
  } finally {
    db.close();
  }
}

function wayOut(dataDir: string): string {
  const newest = listBackups(dataDir)[0];
  return newest
    ? `restore the newest backup (${newest.takenAt.toISOString()}) with "hypermesh db restore --latest" ` +
        '("hypermesh db backups" lists them), or move the file away to start with empty settings and history'
    : 'there is no backup in DATA/backups; move the file away to start with empty settings and history';
}

/** Reads the schema version and runs PRAGMA quick_check; throws STORE_CORRUPT with what was wrong. */
function checkFile(file: string): number {
  let db: Db;
  try {
    db = openRaw(file, true);
  } catch (err) {
    throw new StoreCorruptError(`cannot open: ${(err as Error).message}`, err);
  }
  try {
    const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
    if (rows.length !== 1 || rows[0]?.quick_check !== 'ok') {
      // SQLite's report spans lines; one line with the first problems is enough to say what broke.
      const problems = rows.map((r) => r.quick_check.replace(/\*\*\* in database main \*\*\*/g, ''));
      const text = problems.join(' ').replace(/\s+/g, ' ').trim();
      throw new StoreCorruptError(text.length > 200 ? `${text.slice(0, 200)}…` : text);
    }
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    if (err instanceof StoreCorruptError) throw err;
    throw new StoreCorruptError((err as Error).message, err);
  } finally {
    db.close();
  }
}

/**
 * Checks the database before the node opens it: damaged, empty or missing where a database was, it refuses to start
 * (STORE_CORRUPT / STORE_MISSING, with how to restore) rather than silently starting empty. Returns the schema
 * version found, 0 for a new database.
 */
export function checkStoreAtStart(dataDir: string): number {
  const file = join(dataDir, DB_FILE);
  const hadOne = listBackups(dataDir).length > 0;
  if (!existsSync(file)) {
    if (hadOne) throw new StoreMissingError(`the database ${file}`, wayOut(dataDir));
    return 0;
  }
  // Zero bytes and no backup yet: a first start killed before its first write, so nothing can be lost.
  if (statSync(file).size === 0) {
    if (hadOne) throw new StoreCorruptError(`the database ${file} is empty (0 bytes); ${wayOut(dataDir)}`);
    return 0;
  }
  try {
    return checkFile(file);
  } catch (err) {
    const why = (err as Error).message;
    throw new StoreCorruptError(`the database ${file} is damaged (${why}); it was left untouched — ${wayOut(dataDir)}`);
  }
}

export interface RestoreResult {
  readonly restored: string;
  /** Where the replaced database was moved, if there was one. */
  readonly movedAside: string | undefined;
}

/**
 * Puts a backup in place of the database: the backup is checked first, the current file (and its WAL) is moved
 * aside, never deleted. The caller holds the data directory's lock, so no node runs meanwhile.
 */
export function restoreBackup(dataDir: string, from: string): RestoreResult {
  const source = resolve(from);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new StoreMissingError(`the backup ${source}`, 'give a backup file ("hypermesh db backups" lists them)');
  }
  let version: number;
  try {
    version = checkFile(source);
  } catch (err) {
    throw new StoreCorruptError(`the backup ${source} is not a readable database (${(err as Error).message})`, err);
  }
  if (version < 1) throw new StoreCorruptError(`the backup ${source} holds no HyperMesh database (schema version 0)`);
  const file = join(dataDir, DB_FILE);
  const aside = `${file}.replaced-${stamp(new Date())}`;
  const movedAside = existsSync(file) ? aside : undefined;
  if (movedAside) renameSync(file, movedAside);
  for (const side of ['-wal', '-shm']) {
    // A WAL left beside the replaced file belongs to it; applied to the backup it would damage it.
    if (existsSync(file + side)) renameSync(file + side, aside + side);
  }
  const tmp = `${file}.restore-tmp`;
  copyFileSync(source, tmp);
  if (process.platform !== 'win32') chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return { restored: source, movedAside };
}

/**
 * Opens the node's database the safe way: checked first (checkStoreAtStart), backed up before a migration, then
 * opened and migrated.
 */
export async function openCheckedDatabase(dataDir: string): Promise<Db> {
  const found = checkStoreAtStart(dataDir);
  const file = join(dataDir, DB_FILE);
  if (found > 0 && found < LATEST_SCHEMA_VERSION) await backupFile(file, dataDir, 'pre-migration');
  return openDatabase(file);
}

const BACKUP_CHECK_MS = 60 * 60 * 1000;

/** The running node's daily backup: taken when the newest is a day old, checked at start and every hour. */
export class DailyBackups {
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  /** Takes the backup if one is due (awaited, so a start ends with a fresh copy) and schedules the checks. */
  async start(): Promise<void> {
    await this.backupIfDue();
    this.timer = setInterval(() => void this.backupIfDue(), BACKUP_CHECK_MS);
    this.timer.unref();
  }

  /** Stops the checks and waits for a backup under way, so the database is not closed under it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pending;
  }

  private backupIfDue(): Promise<void> {
    if (!this.db.open) return Promise.resolve();
    if (this.pending) return this.pending;
    const newest = listBackups(this.dataDir)[0];
    if (newest && Date.now() - newest.takenAt.getTime() < BACKUP_INTERVAL_MS) return Promise.resolve();
    this.pending = takeBackup(this.db, this.dataDir, 'daily')
      .then((file) => this.log.info(`database backed up to ${file}`))
      .catch((err: unknown) => this.log.warn(`database backup failed: ${(err as Error).message}`))
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}
