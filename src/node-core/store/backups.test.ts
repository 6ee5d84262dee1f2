import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../testing/temp-dir';
import { BACKUPS_KEPT, listBackups, takeBackup } from './backups';

const tempDir = useTempDirs();

describe('rolling backups', () => {
  it('keeps the newest N, each a complete copy, and never reuses a name', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'hypermesh.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const made: string[] = [];
    for (let i = 0; i < BACKUPS_KEPT + 3; i++) {
      db.prepare('INSERT INTO t VALUES (?)').run(i);
      made.push(await takeBackup(db, dir, 'daily'));
    }
    db.close();
    expect(new Set(made).size).toBe(made.length);
    const kept = listBackups(dir);
    expect(kept).toHaveLength(BACKUPS_KEPT);
    if (process.platform !== 'win32') for (const b of kept) expect(statSync(b.file).mode & 0o077).toBe(0);
    expect(kept.map((b) => b.file)).toEqual(made.slice(-BACKUPS_KEPT).reverse());
    const newest = new Database(kept[0]?.file ?? '', { readonly: true });
    expect(newest.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: BACKUPS_KEPT + 3 });
    newest.close();
  });
});
