import type { PeerAddressBook, PeerAddress } from '../transport/index';
import type { Db } from './database';

/** The peer address book in SQLite: one row per NodeId, the address it was last reached at. */
export class PeerRepository implements PeerAddressBook {
  constructor(private readonly db: Db) {}

  remember(nodeId: string, address: PeerAddress, rttMs: number | null): void {
    this.db
      .prepare(
        `INSERT INTO peers (node_id, host, port, last_seen, rtt_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(node_id) DO UPDATE SET host = excluded.host, port = excluded.port,
           last_seen = excluded.last_seen, rtt_ms = excluded.rtt_ms`,
      )
      .run(nodeId, address.host, address.port, new Date().toISOString(), rttMs);
  }

  lookup(nodeId: string): PeerAddress | undefined {
    const row = this.db.prepare('SELECT host, port FROM peers WHERE node_id = ?').get(nodeId) as
      { host: string; port: number } | undefined;
    return row ? { host: row.host, port: row.port } : undefined;
  }
}
