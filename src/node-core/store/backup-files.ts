// The backup files in DATA/backups: names, dates, the list. File system only (no SQLite), so the desktop app's main
// process can list them for its error window without loading the native module.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DB_FILE = 'hypermesh.db';
export const BACKUP_DIR = 'backups';
/** How many backups are kept; the oldest go first. */
export const BACKUPS_KEPT = 7;
export type BackupReason = 'daily' | 'pre-migration';

export interface BackupInfo {
  readonly file: string;
  readonly takenAt: Date;
  readonly reason: BackupReason;
  readonly bytes: number;
}

// hypermesh-20261206T230000123Z-daily.db: the time sorts as text and is parsed back without a separate index.
const NAME = /^hypermesh-(\d{8}T\d{9}Z)-(daily|pre-migration)\.db$/;

export function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

function parseStamp(text: string): Date {
  const [, y, mo, d, h, mi, s, ms] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z$/.exec(text) ?? [];
  return new Date(`${y ?? ''}-${mo ?? ''}-${d ?? ''}T${h ?? ''}:${mi ?? ''}:${s ?? ''}.${ms ?? ''}Z`);
}

/** The backups in DATA/backups, newest first. */
export function listBackups(dataDir: string): BackupInfo[] {
  const dir = join(dataDir, BACKUP_DIR);
  if (!existsSync(dir)) return [];
  const found: BackupInfo[] = [];
  for (const name of readdirSync(dir)) {
    const m = NAME.exec(name);
    if (!m?.[1] || !m[2]) continue;
    const file = join(dir, name);
    found.push({ file, takenAt: parseStamp(m[1]), reason: m[2] as BackupReason, bytes: statSync(file).size });
  }
  return found.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}
