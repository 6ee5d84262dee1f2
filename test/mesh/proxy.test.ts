import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteAssetView } from '../../src/shared/mesh';
import type { UsedPoolView } from '../../src/shared/proxy';
import type { MemoryAdapter } from '../../src/node-core/assets/memory-adapter';
import { LogBook } from '../../src/node-core/logging/log-book';
import { createNode, type HyperMeshNode } from '../../src/node-core/node';
import { fixedHardware } from '../../src/node-core/testing/fixed-hardware';
import { MeshProcess, until } from './cluster';

/**
 * The memory proxy across processes on ::1: a CA and a consumer B as `hypermesh` processes, provider A in this
 * process (so the test can look into the memory it serves), then three more providers as processes for a sharded pool.
 */
const MIB = 2 ** 20;
let ca: MeshProcess;
let b: MeshProcess;
let a: HyperMeshNode;
const providers: MeshProcess[] = [];
let caAddress = '';
const dir = mkdtempSync(join(tmpdir(), 'hypermesh-proxy-a-'));

async function joinCa(p: MeshProcess): Promise<void> {
  await p.call('updateSettings', { trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
  await until(
    `${p.name} to be certified`,
    async () => (await p.call<{ state: string }>('getTrustStatus')).state === 'certified',
  );
}

// Bandwidth too: the bandwidth share caps all of a node's traffic to peers (docs/sharing-rules.md), and these tests
// move tens of MiB.
const shareMemory = (p: MeshProcess) =>
  p.call('updateSettings', {
    privacyLevel: 'FullPublic',
    allocationType: 'Public',
    allocation: { memory: 2, bandwidth: 100 },
  });

/** Writes `data` into B's pool through B's API, 1 MiB a call, and flushes it to the providers. */
async function writeAll(address: string, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += MIB) {
    await b.call('writeRemoteMemory', address, off, data.subarray(off, off + MIB).toString('base64'));
  }
  await b.call('flushRemoteMemory', address);
}

async function readAll(address: string, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let off = 0; off < length; off += MIB) {
    const { data } = await b.call<{ data: string }>('readRemoteMemory', address, off, Math.min(MIB, length - off));
    chunks.push(Buffer.from(data, 'base64'));
  }
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  ca = new MeshProcess('proxy-ca', 0, ['trust', 'serve', '--name', 'Proxy Test CA']);
  await ca.start();
  caAddress = ca.stoqAddress;
  b = new MeshProcess('proxy-b', 0);
  await b.start();
  await joinCa(b);
  await b.call('updateSettings', { allocation: { bandwidth: 100 } }); // B's own uploads are capped by its share too
  a = createNode(
    { dataDir: dir, listen: { host: '::1', port: 0 } },
    { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }) },
  );
  await a.start();
  await a.api.updateSettings({ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
  await until('A to be certified', async () => {
    await a.trust!.refresh().catch(() => undefined);
    return a.trust!.chain() !== null;
  });
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await Promise.all([ca, b, ...providers].map((p) => p?.stop()));
  for (const p of [ca, b, ...providers]) p?.removeData();
  rmSync(dir, { recursive: true, force: true });
});

describe('remote memory across processes', () => {
  it('B allocates 64 MiB at A, writes a random pattern, reads it back identical; A holds no plaintext of it', async () => {
    await a.assets!.ready;
    await a.api.updateSettings({
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      allocation: { memory: 2, bandwidth: 100 },
    });
    await until('B to find A\u2019s memory', async () =>
      (await b.call<RemoteAssetView[]>('searchAssets', { kind: 'memory' })).find((x) => x.owner === a.identity.nodeId),
    );
    const pool = await b.call<UsedPoolView>('allocateRemoteMemory', { bytes: 64 * MIB, durationMs: 600_000 });
    expect(pool.shards.map((s) => s.provider)).toEqual([a.identity.nodeId]);
    const pattern = randomBytes(64 * MIB);
    await writeAll(pool.address, pattern);
    const back = await readAll(pool.address, pattern.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(pattern).digest('hex'));

    // What A stores: ciphertext only. No 32-byte run of the pattern appears anywhere in A's memory pool.
    const memory = a.assets!.adapter('memory') as MemoryAdapter;
    const segments = memory.poolSegments().map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
    for (let i = 0; i < 24; i++) {
      const at = Math.floor(Math.random() * (pattern.length - 32));
      expect(segments.some((s) => s.includes(pattern.subarray(at, at + 32)))).toBe(false);
    }
    const mapping = a.proxy!.provider.views().find((m) => m.address === pool.address);
    expect(mapping).toMatchObject({
      consumer: (await b.call<{ nodeId: string }>('getStatus')).nodeId,
      state: 'active',
    });
    expect(mapping!.bytesWritten).toBeGreaterThanOrEqual(64 * MIB);
    await b.call('freeRemoteMemory', pool.address);
    await a.api.updateSettings({ privacyLevel: 'Private' });
    // 128 MiB through the bandwidth cap plus a scan of A's pool: 240 s was not enough once at load 20 (rule 3).
  }, 900_000);

  it('a pool sharded over three providers, two copies of each page, stays readable after one is killed', async () => {
    for (const name of ['p1', 'p2', 'p3']) providers.push(new MeshProcess(`proxy-${name}`, 0));
    await Promise.all(providers.map((p) => p.start()));
    for (const p of providers) await joinCa(p);
    await Promise.all(providers.map(shareMemory));
    const ids = await Promise.all(providers.map(async (p) => (await p.call<{ nodeId: string }>('getStatus')).nodeId));
    await until('B to find the three providers\u2019 memory', async () => {
      const found = await b.call<RemoteAssetView[]>('searchAssets', { kind: 'memory' });
      return ids.every((id) => found.some((x) => x.owner === id)) || undefined;
    });
    const pool = await b.call<UsedPoolView>('allocateRemoteMemory', {
      bytes: 8 * MIB,
      durationMs: 600_000,
      providers: 3,
      replicas: 2,
    });
    expect(pool.replicas).toBe(2);
    expect(new Set(pool.shards.map((s) => s.provider)).size).toBe(3);
    expect(pool.providers.every((p) => p.reason.length > 0)).toBe(true);
    const data = randomBytes(8 * MIB);
    await writeAll(pool.address, data);

    // Kill one of the chosen providers (a process), then read everything back: the other copy of each page serves.
    const victim = providers[ids.indexOf(pool.shards[1]!.provider)]!;
    await victim.kill();
    const reread = await b.call<{ data: string }>('readRemoteMemory', pool.address, 0, 16);
    expect(Buffer.from(reread.data, 'base64').equals(data.subarray(0, 16))).toBe(true);
    // A restart empties B's page cache, so every page now comes from a provider; the pool and its key come back from
    // B's store (the key recovered with B's ML-KEM secret key).
    await b.stop();
    await b.start();
    const back = await readAll(pool.address, data.length);
    expect(back.equals(data)).toBe(true);
    const view = (await b.call<{ used: UsedPoolView[] }>('getProxyStatus')).used.find(
      (p) => p.address === pool.address,
    );
    expect(view?.shards.find((s) => s.provider === pool.shards[1]!.provider)?.reachable).toBe(false);
  }, 300_000);
});
