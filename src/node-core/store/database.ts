import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SchemaTooNewError, StoreCorruptError } from '../errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';
import { currentRuntime, explainLoadFailure, sqliteNativeBinding } from './native-sqlite';

export type Db = Database.Database;

export interface OpenStoreOptions {
  readonly migrations?: readonly Migration[];
  /** Stop after this schema version (tests of a single migration). */
  readonly targetVersion?: number;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Opens (or creates) the node's SQLite database in WAL mode and brings its schema up to date, one transaction per
 * migration. A database written by a newer program is refused and left untouched.
 */
export function openDatabase(file: string, options: OpenStoreOptions = {}): Db {
  const migrations = options.migrations ?? MIGRATIONS;
  const target = options.targetVersion ?? migrations.length;
  let db: Db;
  // Under Electron the binary is the cached Electron build; a missing or foreign build throws what to run.
  const nativeBinding = sqliteNativeBinding();
  try {
    db = new Database(file, nativeBinding === undefined ? {} : { nativeBinding });
    if (process.platform !== 'win32' && file !== ':memory:') chmodSync(file, 0o600); // settings and, later, wallet data are private
  } catch (err) {
    const native = explainLoadFailure(currentRuntime(), (err as { code?: unknown }).code);
    if (native) throw native;
    throw new StoreCorruptError(`cannot open the database ${file}: ${(err as Error).message}`, err);
  }
  try {
    const found = schemaVersion(db);
    if (found > migrations.length) throw new SchemaTooNewError(found, migrations.length);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    for (const migration of migrations) {
      if (migration.version <= found || migration.version > target) continue;
      db.transaction(() => {
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SchemaTooNewError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) {
      throw new StoreCorruptError(`${file} is not a readable HyperMesh database (${code}); it was left untouched`, err);
    }
    throw err;
  }
}

/** Flushes the WAL into the main file and closes; safe to call twice. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

export { LATEST_SCHEMA_VERSION };
