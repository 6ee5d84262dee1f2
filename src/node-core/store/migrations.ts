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
  {
    version: 4,
    name: 'TrustChain: transparency log, issued certificates, names, client state',
    up(db) {
      // The CT log (entries, cached perfect-subtree hashes, signed heads) is used by nodes that run a CA; the
      // trust_state rows by every node (its pinned federation and the tree heads it has seen).
      db.exec(`
        CREATE TABLE ct_entries (
          idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
          leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
          data      BLOB NOT NULL,
          added_at  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE ct_subtrees (
          level INTEGER NOT NULL CHECK (level >= 1),
          idx   INTEGER NOT NULL CHECK (idx >= 0),
          hash  BLOB NOT NULL CHECK (length(hash) = 32),
          PRIMARY KEY (level, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE ct_heads (
          tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
          timestamp INTEGER NOT NULL,
          root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
          signature BLOB NOT NULL
        ) STRICT;
        CREATE TABLE trust_issued (
          serial            TEXT PRIMARY KEY,
          node_id           TEXT NOT NULL,
          not_before        INTEGER NOT NULL,
          not_after         INTEGER NOT NULL,
          leaf_index        INTEGER NOT NULL,
          der               BLOB NOT NULL,
          revoked_at        INTEGER,
          revocation_reason TEXT
        ) STRICT;
        CREATE INDEX trust_issued_by_node ON trust_issued (node_id);
        CREATE TABLE trust_names (
          name          TEXT PRIMARY KEY,
          node_id       TEXT NOT NULL,
          addresses     TEXT NOT NULL,
          registered_at INTEGER NOT NULL,
          expires_at    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE trust_state (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    name: 'registered assets',
    up(db) {
      // Each asset this node registered: the announced record (JSON) and its four-part consensus proof.
      db.exec(`
        CREATE TABLE assets (
          asset_id      TEXT PRIMARY KEY,
          kind          TEXT NOT NULL CHECK (kind IN ('cpu', 'gpu', 'memory', 'storage', 'bandwidth')),
          asset         TEXT NOT NULL,
          proof         BLOB NOT NULL,
          registered_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 6,
    name: 'mesh peer book and announcements',
    up(db) {
      // The peer book grows what the mesh learns of each node; announcements and leases on peers' assets persist.
      db.exec(`
        ALTER TABLE peers ADD COLUMN peer_id TEXT;
        ALTER TABLE peers ADD COLUMN certificate TEXT;
        ALTER TABLE peers ADD COLUMN trust_score REAL NOT NULL DEFAULT 0.5 CHECK (trust_score BETWEEN 0 AND 1);
        ALTER TABLE peers ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN last_rejection TEXT;
        CREATE TABLE mesh_announcements (
          node_id     TEXT PRIMARY KEY,
          seq         INTEGER NOT NULL,
          body        TEXT NOT NULL,
          expires_at  INTEGER NOT NULL,
          received_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE mesh_leases (
          lease_id   TEXT PRIMARY KEY,
          asset_id   TEXT NOT NULL,
          owner      TEXT NOT NULL,
          lease      TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 7,
    name: 'Caesar ledger and wallet',
    up(db) {
      // The main chain only (side branches are fetched again when they win); transactions of the main chain with
      // what each did; what this wallet sent (pending, rejected) and the receipts it signed or was given.
      db.exec(`
        CREATE TABLE ledger_blocks (
          height    INTEGER PRIMARY KEY,
          id        TEXT NOT NULL UNIQUE,
          slot      INTEGER NOT NULL,
          timestamp INTEGER NOT NULL,
          producer  TEXT NOT NULL,
          body      BLOB NOT NULL
        ) STRICT;
        CREATE TABLE ledger_txs (
          tx_id     TEXT PRIMARY KEY,
          height    INTEGER NOT NULL REFERENCES ledger_blocks (height) ON DELETE CASCADE,
          idx       INTEGER NOT NULL,
          kind      TEXT NOT NULL,
          sender    TEXT NOT NULL,
          recipient TEXT,
          amount    TEXT NOT NULL,
          time      INTEGER NOT NULL,
          body      BLOB NOT NULL
        ) STRICT;
        CREATE INDEX ledger_txs_sender ON ledger_txs (sender);
        CREATE INDEX ledger_txs_recipient ON ledger_txs (recipient);
        CREATE INDEX ledger_txs_height ON ledger_txs (height, idx);
        CREATE TABLE wallet_txs (
          tx_id      TEXT PRIMARY KEY,
          request_id TEXT UNIQUE,
          kind       TEXT NOT NULL,
          nonce      INTEGER NOT NULL,
          body       BLOB NOT NULL,
          status     TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
          reason     TEXT,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE ledger_receipts (
          lease_id   TEXT PRIMARY KEY,
          role       TEXT NOT NULL CHECK (role IN ('consumer', 'provider')),
          paid_until INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 8,
    name: 'memory proxy',
    up(db) {
      // The provider's translation table, a relay's forwards for anonymous consumers, and the consumer's pools (their shards and the ML-KEM ciphertext its data
      // key is recovered from).
      db.exec(`
        CREATE TABLE proxy_mappings (
          address       TEXT PRIMARY KEY,
          consumer      TEXT NOT NULL,
          anonymous     INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
          asset_id      TEXT NOT NULL,
          lease_id      TEXT NOT NULL,
          offset        INTEGER NOT NULL CHECK (offset >= 0),
          length        INTEGER NOT NULL CHECK (length > 0),
          permissions   TEXT NOT NULL CHECK (permissions IN ('r', 'rw')),
          created_at    INTEGER NOT NULL,
          expires_at    INTEGER NOT NULL,
          state         TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'freed')),
          bytes_read    INTEGER NOT NULL,
          bytes_written INTEGER NOT NULL,
          reads         INTEGER NOT NULL,
          writes        INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX proxy_mappings_lease ON proxy_mappings (lease_id);
        CREATE TABLE proxy_forwards (
          address          TEXT PRIMARY KEY,
          consumer         TEXT NOT NULL,
          provider         TEXT NOT NULL,
          provider_address TEXT NOT NULL,
          lease_id         TEXT NOT NULL,
          length           INTEGER NOT NULL,
          expires_at       INTEGER NOT NULL,
          state            TEXT NOT NULL CHECK (state IN ('active', 'freed'))
        ) STRICT;
        CREATE TABLE proxy_pools (
          address    TEXT PRIMARY KEY,
          pool       TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          state      TEXT NOT NULL CHECK (state IN ('active', 'freed'))
        ) STRICT;
      `);
    },
  },
  {
    version: 9,
    name: 'catalog vm',
    up(db) {
      // Jobs this node ran for peers and asked peers to run (their views as JSON); the CPU and memory leases it
      // holds at each provider for jobs; and usage (CPU-time, memory-time) owed on those leases, signed into
      // receipts by the ledger, which pays such leases by use rather than by time held.
      db.exec(`
        CREATE TABLE vm_jobs (
          job_id     TEXT NOT NULL,
          role       TEXT NOT NULL CHECK (role IN ('consumer', 'provider')),
          consumer   TEXT NOT NULL,
          view       TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (job_id, role, consumer)
        ) STRICT;
        CREATE INDEX vm_jobs_created ON vm_jobs (created_at);
        CREATE TABLE vm_leases (
          provider        TEXT PRIMARY KEY,
          cpu_asset_id    TEXT NOT NULL,
          cpu_lease_id    TEXT NOT NULL,
          memory_asset_id TEXT NOT NULL,
          memory_lease_id TEXT NOT NULL,
          memory_bytes    INTEGER NOT NULL,
          expires_at      INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE ledger_usage (
          id          INTEGER PRIMARY KEY,
          lease_id    TEXT NOT NULL,
          asset_id    TEXT NOT NULL,
          provider    TEXT NOT NULL,
          resource    TEXT NOT NULL,
          amount      TEXT NOT NULL,
          duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),
          created_at  INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 10,
    name: 'wallet request digests',
    up(db) {
      // What each idempotent wallet call asked for, so a requestId reused for a different request is refused
      // (IDEMPOTENCY_CONFLICT) instead of answered with the first request's transaction. Older rows keep NULL.
      db.exec(`ALTER TABLE wallet_txs ADD COLUMN request_digest TEXT;`);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
