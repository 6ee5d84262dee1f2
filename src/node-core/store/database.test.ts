import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SchemaTooNewError, StoreCorruptError } from '../errors';
import { useTempDirs } from '../testing/temp-dir';
import { closeDatabase, openDatabase, schemaVersion } from './database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';

const tempDir = useTempDirs();

/**
 * Opens a new database at schema `from`, lets `seed` write its rows, then reopens it one version up (running the
 * migration under test) and returns it.
 */
function migratedFrom(from: number, seed: (db: Database.Database) => void): Database.Database {
  const file = join(tempDir(), `v${from}.db`);
  const before = openDatabase(file, { targetVersion: from });
  seed(before);
  closeDatabase(before);
  const after = openDatabase(file, { targetVersion: from + 1 });
  expect(schemaVersion(after)).toBe(from + 1);
  return after;
}

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
    const v2 = migratedFrom(1, (v1) => {
      v1.prepare("INSERT INTO settings (id, document, updated_at) VALUES (1, '{\"x\":1}', 'then')").run();
      v1.prepare("INSERT INTO meta (key, value) VALUES ('created_at', 'then')").run();
    });
    expect(tables(v2)).toContain('quarantine');
    expect(v2.prepare('SELECT document FROM settings').get()).toEqual({ document: '{"x":1}' });
    expect(v2.prepare('SELECT value FROM meta').get()).toEqual({ value: 'then' });
    closeDatabase(v2);
  });

  // Migrations 3 to 5 each add tables and must keep the rows before them.
  it.each([
    {
      title: 'migration 3: from schema 2, adds the peer address book and keeps everything else',
      from: 2,
      seed: [
        "INSERT INTO settings (id, document, updated_at) VALUES (1, '{}', 'then')",
        "INSERT INTO quarantine (source, content, reason, moved_at) VALUES ('s', 'c', 'r', 't')",
      ],
      added: ['peers'],
      kept: 'quarantine',
      refused: "INSERT INTO peers VALUES ('x', '::1', 70000, 't', NULL)",
    },
    {
      title: 'migration 4: from schema 3, adds the TrustChain tables and keeps the peer book',
      from: 3,
      seed: ["INSERT INTO peers VALUES ('n', '::1', 9292, 't', NULL)"],
      added: ['ct_entries', 'ct_subtrees', 'ct_heads', 'trust_issued', 'trust_names', 'trust_state'],
      kept: 'peers',
      refused: "INSERT INTO ct_entries VALUES (0, x'00', x'', 0)",
    },
    {
      title: 'migration 5: from schema 4, adds registered assets and keeps the TrustChain tables',
      from: 4,
      seed: ["INSERT INTO trust_state VALUES ('k', '1')"],
      added: ['assets'],
      kept: 'trust_state',
      refused: "INSERT INTO assets VALUES ('a', 'fpga', '{}', x'', 't')",
    },
  ])('$title', ({ from, seed, added, kept, refused }) => {
    const db = migratedFrom(from, (before) => {
      for (const sql of seed) before.prepare(sql).run();
    });
    expect(tables(db)).toEqual(expect.arrayContaining(added));
    expect(db.prepare(`SELECT count(*) AS n FROM ${kept}`).get()).toEqual({ n: 1 });
    // The new tables check their rows.
    expect(() => db.prepare(refused).run()).toThrow(/CHECK/);
    closeDatabase(db);
  });

  it('migration 10: from schema 9, keeps wallet transactions and adds their request digests', () => {
    const v10 = migratedFrom(9, (v9) => {
      v9.prepare(
        `INSERT INTO wallet_txs (tx_id, request_id, kind, nonce, body, status, reason, created_at)
         VALUES ('t', 'r', 'transfer', 1, x'00', 'pending', NULL, 0)`,
      ).run();
    });
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
