import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestDatabases } from '../testing/databases';
import { useTempDirs } from '../testing/temp-dir';
import { MappingUsage } from './usage';

const tempDir = useTempDirs();
const openDb = useTestDatabases();

function dbWithMappings(...addresses: string[]) {
  const db = openDb(join(tempDir(), 'usage.db'));
  const insert = db.prepare(
    `INSERT INTO proxy_mappings (address, consumer, anonymous, asset_id, lease_id, offset, length, permissions,
       created_at, expires_at, state, bytes_read, bytes_written, reads, writes)
     VALUES (?, 'consumer', 0, 'asset', 'lease', 0, 65536, 'rw', 0, 1, 'active', 0, 0, 0, 0)`,
  );
  for (const a of addresses) insert.run(a);
  const counters = (address: string) =>
    db.prepare('SELECT bytes_read, reads, bytes_written, writes FROM proxy_mappings WHERE address = ?').get(address);
  return { db, counters };
}

describe('the proxy mappings’ traffic counters', () => {
  it('add up accesses in memory and write them in one go at flush', () => {
    const { db, counters } = dbWithMappings('fd48:4d00::a', 'fd48:4d00::b');
    const usage = new MappingUsage(db, 3_600_000);
    usage.read('fd48:4d00::a', 4096);
    usage.read('fd48:4d00::a', 100);
    usage.written('fd48:4d00::a', 4124);
    usage.written('fd48:4d00::b', 7);
    expect(counters('fd48:4d00::a')).toEqual({ bytes_read: 0, reads: 0, bytes_written: 0, writes: 0 });
    usage.flush();
    expect(counters('fd48:4d00::a')).toEqual({ bytes_read: 4196, reads: 2, bytes_written: 4124, writes: 1 });
    expect(counters('fd48:4d00::b')).toEqual({ bytes_read: 0, reads: 0, bytes_written: 7, writes: 1 });
    usage.read('fd48:4d00::b', 1);
    usage.stop(); // a stopping node writes the rest
    expect(counters('fd48:4d00::b')).toEqual({ bytes_read: 1, reads: 1, bytes_written: 7, writes: 1 });
    usage.flush(); // nothing counted twice
    expect(counters('fd48:4d00::a')).toEqual({ bytes_read: 4196, reads: 2, bytes_written: 4124, writes: 1 });
  });

  it('write on their own a moment after an access', async () => {
    const { db, counters } = dbWithMappings('fd48:4d00::c');
    const usage = new MappingUsage(db, 20);
    usage.read('fd48:4d00::c', 4096);
    await expect.poll(() => counters('fd48:4d00::c'), { timeout: 120_000 }).toMatchObject({ reads: 1 });
  });
});
