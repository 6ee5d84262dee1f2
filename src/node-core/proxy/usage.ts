import type { Db } from '../store/index';

interface Pending {
  bytesRead: number;
  reads: number;
  bytesWritten: number;
  writes: number;
}

/**
 * The proxy's per-mapping traffic counters (`proxy_mappings`' bytes_read, reads, bytes_written, writes), added up in
 * memory and written in one transaction at most every `flushMs`. An UPDATE per 4 KiB access was a SQLite commit each,
 * more than the network round trip it served. Whoever reads the counters calls flush() first; stop() writes the rest.
 */
export class MappingUsage {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private readonly update;

  constructor(
    private readonly db: Db,
    private readonly flushMs = 1000,
  ) {
    this.update = db.prepare(
      `UPDATE proxy_mappings SET bytes_read = bytes_read + ?, reads = reads + ?,
         bytes_written = bytes_written + ?, writes = writes + ? WHERE address = ?`,
    );
  }

  read(address: string, bytes: number): void {
    const p = this.entry(address);
    p.bytesRead += bytes;
    p.reads++;
  }

  written(address: string, bytes: number): void {
    const p = this.entry(address);
    p.bytesWritten += bytes;
    p.writes++;
  }

  /** Writes what was counted since the last flush. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || !this.db.open) return;
    const rows = [...this.pending];
    this.pending.clear();
    this.db.transaction(() => {
      for (const [address, p] of rows) this.update.run(p.bytesRead, p.reads, p.bytesWritten, p.writes, address);
    })();
  }

  stop(): void {
    this.flush();
  }

  private entry(address: string): Pending {
    let p = this.pending.get(address);
    if (!p) {
      p = { bytesRead: 0, reads: 0, bytesWritten: 0, writes: 0 };
      this.pending.set(address, p);
    }
    // A timer per batch, not per access; unref'd so it never holds a stopping process open.
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
    return p;
  }
}
