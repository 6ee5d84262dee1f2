import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Becomes the database's `user_version` once applied; numbered 1, 2, 3, … without gaps. */
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

/** Append only: a released migration never changes, a new one gets the next number. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'meta and settings',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE settings (
          id         INTEGER PRIMARY KEY CHECK (id = 1),
          document   TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'quarantine for unreadable records',
    up(db) {
      // Records the node cannot read are moved here instead of being overwritten or dropped.
      db.exec(`
        CREATE TABLE quarantine (
          id       INTEGER PRIMARY KEY AUTOINCREMENT,
          source   TEXT NOT NULL,
          content  TEXT NOT NULL,
          reason   TEXT NOT NULL,
          moved_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'peer address book',
    up(db) {
      // Where each known node was last reached, so it can be dialled by NodeId.
      db.exec(`
        CREATE TABLE peers (
          node_id    TEXT PRIMARY KEY,
          host       TEXT NOT NULL,
          port       INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
          last_seen  TEXT NOT NULL,
          rtt_ms     REAL
        ) STRICT;
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
