import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/index';

/** Where a score starts, and how far one accepted or refused message moves it (docs/mesh.md). */
export const TRUST_START = 0.5;
export const TRUST_REWARD = 0.01;
export const TRUST_PENALTY = 0.15;
/** Below this the node stops talking to the peer. */
export const TRUST_FLOOR = 0.1;

export interface PeerBookEntry {
  readonly nodeId: string;
  readonly peerId: string | null;
  readonly host: string | null;
  readonly port: number | null;
  readonly lastSeen: string | null;
  readonly rttMs: number | null;
  readonly certificate: string | null;
  readonly trustScore: number;
  readonly rejected: number;
  readonly lastRejection: string | null;
}

interface Row {
  node_id: string;
  peer_id: string | null;
  host: string;
  port: number;
  last_seen: string;
  rtt_ms: number | null;
  certificate: string | null;
  trust_score: number;
  rejected: number;
  last_rejection: string | null;
}

/**
 * The mesh's peer book over the `peers` table (migration 6): the address STOQ last reached a node at, plus its
 * libp2p PeerId, certificate serial, measured RTT and trust score.
 */
export class PeerBook {
  /** Prepared once: the mesh touches the book for every connection, announcement and round trip. */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Records that the node was reached at `address` just now (inserting it if new). */
  seen(nodeId: string, fields: { host: string; port: number; peerId?: string; certificate?: string }): void {
    this.statement(
      `INSERT INTO peers (node_id, host, port, last_seen, peer_id, certificate) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(node_id) DO UPDATE SET host = excluded.host, port = excluded.port, last_seen = excluded.last_seen,
           peer_id = COALESCE(excluded.peer_id, peers.peer_id),
           certificate = COALESCE(excluded.certificate, peers.certificate)`,
    ).run(
      nodeId,
      fields.host,
      fields.port,
      new Date().toISOString(),
      fields.peerId ?? null,
      fields.certificate ?? null,
    );
  }

  /**
   * Records a node learned of from its signed announcement: inserted if new, its PeerId and certificate kept current;
   * the address and last-seen time of a node already reached directly are left as they are.
   */
  heardOf(nodeId: string, fields: { host: string; port: number; peerId: string; certificate: string }): void {
    this.statement(
      `INSERT INTO peers (node_id, host, port, last_seen, peer_id, certificate) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(node_id) DO UPDATE SET peer_id = excluded.peer_id, certificate = excluded.certificate`,
    ).run(nodeId, fields.host, fields.port, new Date().toISOString(), fields.peerId, fields.certificate);
  }

  setRtt(nodeId: string, rttMs: number): void {
    this.statement('UPDATE peers SET rtt_ms = ? WHERE node_id = ?').run(rttMs, nodeId);
  }

  /** Raises the score a little for a valid message; returns the new score (null for an unknown node). */
  reward(nodeId: string): number | null {
    this.statement('UPDATE peers SET trust_score = MIN(1.0, trust_score + ?) WHERE node_id = ?').run(
      TRUST_REWARD,
      nodeId,
    );
    return this.get(nodeId)?.trustScore ?? null;
  }

  /** Lowers the score for a refused message and records why; returns the new score (null for an unknown node). */
  penalize(nodeId: string, reason: string): number | null {
    this.statement(
      `UPDATE peers SET trust_score = MAX(0.0, trust_score - ?), rejected = rejected + 1, last_rejection = ?
         WHERE node_id = ?`,
    ).run(TRUST_PENALTY, reason.slice(0, 300), nodeId);
    return this.get(nodeId)?.trustScore ?? null;
  }

  get(nodeId: string): PeerBookEntry | undefined {
    const row = this.statement('SELECT * FROM peers WHERE node_id = ?').get(nodeId) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  byPeerId(peerId: string): PeerBookEntry | undefined {
    const row = this.statement('SELECT * FROM peers WHERE peer_id = ?').get(peerId) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** Most recently seen first. */
  list(limit = 500): PeerBookEntry[] {
    const rows = this.statement('SELECT * FROM peers ORDER BY last_seen DESC LIMIT ?').all(limit) as Row[];
    return rows.map(toEntry);
  }
}

function toEntry(row: Row): PeerBookEntry {
  return {
    nodeId: row.node_id,
    peerId: row.peer_id,
    host: row.host,
    port: row.port,
    lastSeen: row.last_seen,
    rttMs: row.rtt_ms,
    certificate: row.certificate,
    trustScore: row.trust_score,
    rejected: row.rejected,
    lastRejection: row.last_rejection,
  };
}
