import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SchemaTooNewError, StoreCorruptError } from '../errors';
import { useTempDirs } from '../testing/temp-dir';
import { closeDatabase, openDatabase, schemaVersion } from './database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';

const tempDir = useTempDirs();

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name)
    .filter((n) => !n.startsWith('sqlite_'));
}

describe('openDatabase', () => {
  it('creates a WAL database at the latest schema, private to the user', () => {
    const file = join(tempDir(), 'node.db');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tables(db)).toEqual([
      'assets',
      'ct_entries',
      'ct_heads',
      'ct_subtrees',
      'ledger_blocks',
      'ledger_receipts',
      'ledger_txs',
      'ledger_usage',
      'mesh_announcements',
      'mesh_leases',
      'meta',
      'peers',
      'proxy_forwards',
      'proxy_mappings',
      'proxy_pools',
      'quarantine',
      'settings',
      'trust_issued',
      'trust_names',
      'trust_state',
      'vm_jobs',
      'vm_leases',
      'wallet_txs',
    ]);
    closeDatabase(db);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    closeDatabase(db); // twice is fine
  });

  it('migrations are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('migration 1: an empty file gets meta and settings', () => {
    const db = openDatabase(join(tempDir(), 'a.db'), { targetVersion: 1 });
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['meta', 'settings']);
    closeDatabase(db);
  });

  it('migration 2: from schema 1, adds quarantine and keeps the stored settings', () => {
    const file = join(tempDir(), 'b.db');
    const v1 = openDatabase(file, { targetVersion: 1 });
    v1.prepare("INSERT INTO settings (id, document, updated_at) VALUES (1, '{\"x\":1}', 'then')").run();
    v1.prepare("INSERT INTO meta (key, value) VALUES ('created_at', 'then')").run();
    closeDatabase(v1);
    const v2 = openDatabase(file, { targetVersion: 2 });
    expect(schemaVersion(v2)).toBe(2);
    expect(tables(v2)).toContain('quarantine');
    expect(v2.prepare('SELECT document FROM settings').get()).toEqual({ document: '{"x":1}' });
    expect(v2.prepare('SELECT value FROM meta').get()).toEqual({ value: 'then' });
    closeDatabase(v2);
  });

  it('migration 3: from schema 2, adds the peer address book and keeps everything else', () => {
    const file = join(tempDir(), 'd.db');
    const v2 = openDatabase(file, { targetVersion: 2 });
    v2.prepare("INSERT INTO settings (id, document, updated_at) VALUES (1, '{}', 'then')").run();
    v2.prepare("INSERT INTO quarantine (source, content, reason, moved_at) VALUES ('s', 'c', 'r', 't')").run();
    closeDatabase(v2);
    const v3 = openDatabase(file, { targetVersion: 3 });
    expect(schemaVersion(v3)).toBe(3);
    expect(tables(v3)).toContain('peers');
    expect(v3.prepare('SELECT count(*) AS n FROM quarantine').get()).toEqual({ n: 1 });
    expect(() => v3.prepare("INSERT INTO peers VALUES ('x', '::1', 70000, 't', NULL)").run()).toThrow(/CHECK/);
    closeDatabase(v3);
  });

  it('migration 4: from schema 3, adds the TrustChain tables and keeps the peer book', () => {
    const file = join(tempDir(), 'd.db');
    const v3 = openDatabase(file, { targetVersion: 3 });
    v3.prepare("INSERT INTO peers VALUES ('n', '::1', 9292, 't', NULL)").run();
    closeDatabase(v3);
    const v4 = openDatabase(file, { targetVersion: 4 });
    expect(schemaVersion(v4)).toBe(4);
    expect(tables(v4)).toEqual(
      expect.arrayContaining(['ct_entries', 'ct_subtrees', 'ct_heads', 'trust_issued', 'trust_names', 'trust_state']),
    );
    expect(v4.prepare('SELECT count(*) AS n FROM peers').get()).toEqual({ n: 1 });
    expect(() => v4.prepare("INSERT INTO ct_entries VALUES (0, x'00', x'', 0)").run()).toThrow(/CHECK/);
    closeDatabase(v4);
  });

  it('migration 5: from schema 4, adds registered assets and keeps the TrustChain tables', () => {
    const file = join(tempDir(), 'd.db');
    const v4 = openDatabase(file, { targetVersion: 4 });
    v4.prepare("INSERT INTO trust_state VALUES ('k', '1')").run();
    closeDatabase(v4);
    const v5 = openDatabase(file, { targetVersion: 5 });
    expect(schemaVersion(v5)).toBe(5);
    expect(tables(v5)).toContain('assets');
    expect(v5.prepare('SELECT count(*) AS n FROM trust_state').get()).toEqual({ n: 1 });
    expect(() => v5.prepare("INSERT INTO assets VALUES ('a', 'fpga', '{}', x'', 't')").run()).toThrow(/CHECK/);
    closeDatabase(v5);
  });

  it('migration 10: from schema 9, keeps wallet transactions and adds their request digests', () => {
    const file = join(tempDir(), 'w.db');
    const v9 = openDatabase(file, { targetVersion: 9 });
    v9.prepare(
      `INSERT INTO wallet_txs (tx_id, request_id, kind, nonce, body, status, reason, created_at)
       VALUES ('t', 'r', 'transfer', 1, x'00', 'pending', NULL, 0)`,
    ).run();
    closeDatabase(v9);
    const v10 = openDatabase(file, { targetVersion: 10 });
    expect(schemaVersion(v10)).toBe(10);
    expect(v10.prepare('SELECT request_id, request_digest FROM wallet_txs').all()).toEqual([
      { request_id: 'r', request_digest: null },
    ]);
    closeDatabase(v10);
  });

  it('a failing migration is rolled back whole', () => {
    const file = join(tempDir(), 'c.db');
    const broken = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'breaks halfway',
        up(db: Database.Database) {
          db.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => openDatabase(file, { migrations: broken })).toThrow('boom');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half');
    closeDatabase(db);
  });

  it('refuses a database from a newer program and leaves it untouched', () => {
    const file = join(tempDir(), 'new.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    expect(() => openDatabase(file)).toThrow(/newer than this program supports/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not a database and leaves it untouched', () => {
    const file = join(tempDir(), 'junk.db');
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    expect(() => openDatabase(file)).toThrow(StoreCorruptError);
    expect(readFileSync(file, 'utf8')).toBe('this is not sqlite '.repeat(100));
  });
});
