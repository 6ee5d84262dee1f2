import type { Db } from '../store/index';

export interface IssuedCertificate {
  readonly serial: string;
  readonly nodeId: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly leafIndex: number;
  readonly der: Uint8Array;
  readonly revokedAt: number | null;
  readonly revocationReason: string | null;
}

export interface NameRow {
  readonly name: string;
  readonly nodeId: string;
  readonly addresses: readonly string[];
  readonly registeredAt: number;
  readonly expiresAt: number;
}

interface IssuedRowDb {
  serial: string;
  node_id: string;
  not_before: number;
  not_after: number;
  leaf_index: number;
  der: Buffer;
  revoked_at: number | null;
  revocation_reason: string | null;
}

const fromRow = (r: IssuedRowDb): IssuedCertificate => ({
  serial: r.serial,
  nodeId: r.node_id,
  notBefore: r.not_before,
  notAfter: r.not_after,
  leafIndex: r.leaf_index,
  der: new Uint8Array(r.der),
  revokedAt: r.revoked_at,
  revocationReason: r.revocation_reason,
});

/** What a CA remembers: every certificate it issued (and whether it is revoked) and its name registry. */
export class CaRepository {
  constructor(private readonly db: Db) {}

  recordIssued(c: Omit<IssuedCertificate, 'revokedAt' | 'revocationReason'>): void {
    this.db
      .prepare(
        `INSERT INTO trust_issued (serial, node_id, not_before, not_after, leaf_index, der) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(c.serial, c.nodeId, c.notBefore, c.notAfter, c.leafIndex, Buffer.from(c.der));
  }

  issued(serial: string): IssuedCertificate | undefined {
    const row = this.db.prepare('SELECT * FROM trust_issued WHERE serial = ?').get(serial) as IssuedRowDb | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  issuedTo(nodeId: string): IssuedCertificate[] {
    return (
      this.db
        .prepare('SELECT * FROM trust_issued WHERE node_id = ? ORDER BY not_before DESC, leaf_index DESC')
        .all(nodeId) as IssuedRowDb[]
    ).map(fromRow);
  }

  /** Marks `serial` revoked; false if it was not issued here or is already revoked. */
  revoke(serial: string, reason: string, at: number): boolean {
    return (
      this.db
        .prepare(
          'UPDATE trust_issued SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at IS NULL',
        )
        .run(at, reason, serial).changes === 1
    );
  }

  /** Revoked serials of certificates that have not expired yet (expired ones are refused anyway). */
  revokedSerials(now: number): string[] {
    return (
      this.db
        .prepare('SELECT serial FROM trust_issued WHERE revoked_at IS NOT NULL AND not_after > ? ORDER BY serial')
        .all(now) as { serial: string }[]
    ).map((r) => r.serial);
  }

  /** NodeIds with any revoked certificate (their keys get no new one), sorted. */
  revokedNodeIds(): string[] {
    return (
      this.db
        .prepare('SELECT DISTINCT node_id FROM trust_issued WHERE revoked_at IS NOT NULL ORDER BY node_id')
        .all() as { node_id: string }[]
    ).map((r) => r.node_id);
  }

  issuedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM trust_issued').get() as { n: number }).n;
  }

  revocationCount(): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM trust_issued WHERE revoked_at IS NOT NULL').get() as { n: number }
    ).n;
  }

  name(name: string): NameRow | undefined {
    const row = this.db.prepare('SELECT * FROM trust_names WHERE name = ?').get(name) as
      { name: string; node_id: string; addresses: string; registered_at: number; expires_at: number } | undefined;
    if (!row) return undefined;
    return {
      name: row.name,
      nodeId: row.node_id,
      addresses: JSON.parse(row.addresses) as string[],
      registeredAt: row.registered_at,
      expiresAt: row.expires_at,
    };
  }

  putName(row: NameRow): void {
    this.db
      .prepare(
        `INSERT INTO trust_names (name, node_id, addresses, registered_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET node_id = excluded.node_id, addresses = excluded.addresses,
           registered_at = excluded.registered_at, expires_at = excluded.expires_at`,
      )
      .run(row.name, row.nodeId, JSON.stringify(row.addresses), row.registeredAt, row.expiresAt);
  }

  /** Names `nodeId` holds that have not expired at `now`. */
  liveNameCount(nodeId: string, now: number): number {
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM trust_names WHERE node_id = ? AND expires_at > ?')
        .get(nodeId, now) as { n: number }
    ).n;
  }

  /** Removes `name` if `nodeId` holds it; whether it did. */
  deleteName(name: string, nodeId: string): boolean {
    return this.db.prepare('DELETE FROM trust_names WHERE name = ? AND node_id = ?').run(name, nodeId).changes > 0;
  }

  names(): NameRow[] {
    return (this.db.prepare('SELECT name FROM trust_names ORDER BY name').all() as { name: string }[]).flatMap((r) => {
      const n = this.name(r.name);
      return n ? [n] : [];
    });
  }
}

/** Small JSON documents a node keeps about trust: its pinned federation, the heads it has seen, revocation lists. */
export class TrustStateRepository {
  constructor(private readonly db: Db) {}

  get(key: string): unknown {
    const row = this.db.prepare('SELECT value FROM trust_state WHERE key = ?').get(key) as
      { value: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined; // a damaged row is treated as absent: each value is re-fetched and re-verified
    }
  }

  set(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO trust_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM trust_state WHERE key = ?').run(key);
  }
}
