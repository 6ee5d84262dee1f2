import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HyperMeshError } from '../../shared/errors';
import { formatHostPort } from '../../shared/network';
import type { MemoryAdapter } from '../assets/memory-adapter';
import { LogBook } from '../logging/log-book';
import { createNode, type HyperMeshNode } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { sharePublicly } from '../testing/share';
import { useTempDirs } from '../testing/temp-dir';
import { until } from '../testing/until';
import { RpcError } from '../transport/stoq/rpc';
import { ProxyMethod, encodeWrite } from './provider';

/**
 * The memory proxy over real STOQ in one process: a CA, a provider sharing memory, its consumer, and an outsider.
 * The consumer allocates remote memory, writes and reads through its encrypted page cache; the provider's pool
 * holds only ciphertext; every access outside a mapping's rights is refused by name.
 */
const tempDir = useTempDirs();
const running: HyperMeshNode[] = [];
let ca: HyperMeshNode;
let provider: HyperMeshNode;
let consumer: HyperMeshNode;
let outsider: HyperMeshNode;

async function start(authority = false): Promise<HyperMeshNode> {
  const node = createNode(
    {
      dataDir: tempDir(),
      listen: { host: '::1', port: 0 },
      timing: { mesh: { intervalMs: 500 } },
      ...(authority ? { authority: { name: 'Proxy CA' } } : {}),
    },
    { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }) },
  );
  running.push(node);
  await node.start();
  return node;
}

const failureOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'none';
  } catch (err) {
    // Refusals carry their reason as data: over the wire (RpcError.remote) and from the API (HyperMeshError.reason).
    if (err instanceof RpcError) return err.remote?.reason ?? err.message;
    if (err instanceof HyperMeshError) return err.reason ?? err.message;
    return (err as Error).message;
  }
};

const link = (from: HyperMeshNode, to: HyperMeshNode) => from.transport!.dialNode(to.identity.nodeId);
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

beforeAll(async () => {
  ca = await start(true);
  const caAddress = formatHostPort(ca.transport!.address);
  provider = await start();
  consumer = await start();
  outsider = await start();
  for (const n of [provider, consumer, outsider]) {
    await n.api.updateSettings({ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
    await until('certificate', async () => {
      await n.trust!.refresh().catch(() => undefined);
      return n.trust!.chain() ?? undefined;
    });
  }
  // The cap covers all traffic: no bandwidth share would mean 1 Mbit/s.
  await sharePublicly(provider, { memory: 2, bandwidth: 100 });
  await until('the consumer to find the provider\u2019s memory', async () =>
    (await consumer.api.searchAssets({ kind: 'memory' })).find((a) => a.owner === provider.identity.nodeId),
  );
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
}, 180_000);

describe('the memory proxy', () => {
  it('8 MiB written at a peer reads back identical; the provider holds no plaintext of it; the choice is explained', async () => {
    const pool = await consumer.api.allocateRemoteMemory({ bytes: 8 * 2 ** 20, durationMs: 120_000 });
    expect(pool.address).toMatch(/^fd48:4d00:/);
    expect(pool.shards).toEqual([expect.objectContaining({ provider: provider.identity.nodeId, reachable: true })]);
    expect(pool.providers[0]).toMatchObject({ nodeId: provider.identity.nodeId, certified: true });
    expect(pool.providers[0]!.reason).toMatch(/stake .* trust .* → /);

    const pattern = randomBytes(8 * 2 ** 20);
    for (let off = 0; off < pattern.length; off += 2 ** 20) {
      await consumer.api.writeRemoteMemory(pool.address, off, pattern.subarray(off, off + 2 ** 20).toString('base64'));
    }
    expect((await consumer.api.flushRemoteMemory(pool.address)).pages).toBe(2048);
    // Read back past the cache: every page comes from the provider and is decrypted here.
    await consumer.proxy!.pool(pool.address).dropCache();
    const chunks: Buffer[] = [];
    for (let off = 0; off < pattern.length; off += 2 ** 20) {
      chunks.push(Buffer.from((await consumer.api.readRemoteMemory(pool.address, off, 2 ** 20)).data, 'base64'));
    }
    expect(Buffer.concat(chunks).equals(pattern)).toBe(true);
    // An unaligned read across pages through the API.
    const mid = await consumer.api.readRemoteMemory(pool.address, 4000, 10_000);
    expect(Buffer.from(mid.data, 'base64').equals(pattern.subarray(4000, 14_000))).toBe(true);

    // The provider's memory holds ciphertext where the lease is, and none of the plaintext.
    const memory = provider.assets!.adapter('memory') as MemoryAdapter;
    const segments = memory.poolSegments().map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
    for (let i = 0; i < 40; i++) {
      const at = Math.floor(Math.random() * (pattern.length - 32));
      const sample = pattern.subarray(at, at + 32);
      expect(segments.some((s) => s.includes(sample))).toBe(false);
    }
    expect(segments.some((s) => s.subarray(0, 16 * 2 ** 20).some((b) => b !== 0))).toBe(true);
    const provided = (await provider.api.getProxyStatus()).provided.find((m) => m.address === pool.address);
    expect(provided).toMatchObject({ consumer: consumer.identity.nodeId, state: 'active', permissions: 'rw' });
    expect(provided!.bytesWritten).toBeGreaterThanOrEqual(pattern.length);
    expect(provided!.bytesRead).toBeGreaterThanOrEqual(pattern.length);
  });

  it('refuses out-of-bounds, someone else\u2019s, wrong-permission, unknown, freed and expired accesses by name', async () => {
    // Long enough that no refusal below can turn into EXPIRED on a slow machine; expiry has a lease of its own.
    const pool = await consumer.api.allocateRemoteMemory({ bytes: 64 * 1024, durationMs: 120_000 });
    const shard = pool.shards[0]!;
    const own = await link(consumer, provider);
    const other = await link(outsider, provider);
    const read = (l: typeof own, address: string, offset: number, length: number) =>
      l.request(ProxyMethod.Read, json({ address, offset, length }));
    // Through the API and on the wire.
    expect(await failureOf(consumer.api.readRemoteMemory(pool.address, 64 * 1024 - 10, 11))).toBe('OUT_OF_BOUNDS');
    expect(await failureOf(read(own, shard.address, 70 * 1024, 16))).toBe('OUT_OF_BOUNDS');
    expect(await failureOf(read(other, shard.address, 0, 16))).toBe('NOT_YOURS');
    expect(await failureOf(read(own, 'fd48:4d00:0:0:0:0:0:1', 0, 16))).toBe('UNKNOWN_ADDRESS');
    expect(await failureOf(consumer.api.readRemoteMemory('fd48:4d00:0:0:0:0:0:1', 0, 16))).toBe('UNKNOWN_ADDRESS');
    // A read-only window of the same lease refuses writes.
    const ro = JSON.parse(
      Buffer.from(
        await own.request(
          ProxyMethod.Map,
          json({ leaseId: shard.leaseId, offset: 0, length: 4096, permissions: 'r', shard: 0 }),
        ),
      ).toString(),
    ) as { address: string };
    expect(await failureOf(own.request(ProxyMethod.Write, encodeWrite(ro.address, 0, new Uint8Array(8))))).toBe(
      'PERMISSION',
    );
    expect(await failureOf(read(own, ro.address, 0, 4096))).toBe('none');
    // Revoked by the provider's user.
    await provider.api.revokeMapping(ro.address);
    expect(await failureOf(read(own, ro.address, 0, 16))).toBe('REVOKED');
    // Expired with its lease: waited for, not slept on.
    const brief = await consumer.api.allocateRemoteMemory({ bytes: 64 * 1024, durationMs: 10_000 });
    await until('the brief lease to expire at the provider', async () =>
      (await failureOf(read(own, brief.shards[0]!.address, 0, 16))) === 'EXPIRED' ? true : undefined,
    );
    await until('the consumer to see its pool expired', async () =>
      (await failureOf(consumer.api.readRemoteMemory(brief.address, 0, 16))) === 'EXPIRED' ? true : undefined,
    );

    // Freed: the address stays refused, and the lease is given back.
    const second = await consumer.api.allocateRemoteMemory({ bytes: 64 * 1024, durationMs: 60_000 });
    const leases = () => (provider.assets!.adapter('memory') as MemoryAdapter).usage().leases.map((l) => l.id);
    expect(leases()).toContain(second.shards[0]!.leaseId);
    await consumer.api.freeRemoteMemory(second.address);
    expect(await failureOf(read(own, second.shards[0]!.address, 0, 16))).toBe('FREED');
    expect(await failureOf(consumer.api.readRemoteMemory(second.address, 0, 16))).toBe('UNKNOWN_ADDRESS');
    expect(leases()).not.toContain(second.shards[0]!.leaseId);
  }, 180_000);

  it('property: random reads and writes on the wire never touch bytes outside their mapping', async () => {
    const pool = await consumer.api.allocateRemoteMemory({ bytes: 64 * 1024, durationMs: 120_000 });
    const { leaseId } = pool.shards[0]!;
    const own = await link(consumer, provider);
    const memory = provider.assets!.adapter('memory') as MemoryAdapter;
    // A window in the middle of the lease; the bytes around it are a sentinel written through the adapter.
    const lease = memory.usage().leases.find((l) => l.id === leaseId)!;
    const sentinel = randomBytes(lease.amount);
    memory.write(leaseId, 0, sentinel);
    const window = { offset: 8192, length: 16_384 };
    const mapped = JSON.parse(
      Buffer.from(
        await own.request(ProxyMethod.Map, json({ leaseId, ...window, permissions: 'rw', shard: 1 })),
      ).toString(),
    ) as { address: string };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -5, max: 20_000 }),
        fc.integer({ min: 0, max: 8_000 }),
        fc.boolean(),
        async (offset, length, write) => {
          const inside = offset >= 0 && offset + length <= window.length;
          const call = write
            ? own.request(ProxyMethod.Write, encodeWrite(mapped.address, offset, new Uint8Array(length).fill(0xab)))
            : own.request(ProxyMethod.Read, json({ address: mapped.address, offset, length }));
          const got = await failureOf(call);
          expect(got).toBe(inside ? 'none' : 'OUT_OF_BOUNDS');
        },
      ),
      { numRuns: 100 },
    );
    const after = Buffer.from(memory.read(leaseId, 0, lease.amount));
    expect(after.subarray(0, window.offset).equals(sentinel.subarray(0, window.offset))).toBe(true);
    const end = window.offset + window.length;
    expect(after.subarray(end).equals(sentinel.subarray(end))).toBe(true);
  }, 180_000);

  it('an anonymous consumer goes through a peer that serves as a proxy, and never learns the provider', async () => {
    await outsider.api.updateSettings({ proxy: { serveAsProxy: true } });
    await until('the proxy to find the provider\u2019s memory', async () =>
      (await outsider.api.searchAssets({ kind: 'memory' })).find((a) => a.owner === provider.identity.nodeId),
    );
    await until(
      'the consumer to know the proxy',
      async () =>
        (await consumer.api.getMeshStatus()).peers.some((p) => p.nodeId === outsider.identity.nodeId) || undefined,
    );
    const before = new Set((await provider.api.getProxyStatus()).provided.map((m) => m.address));
    const pool = await consumer.api.allocateRemoteMemory({ bytes: 64 * 1024, durationMs: 60_000, anonymous: true });
    expect(pool.shards.map((s) => s.provider)).toEqual([outsider.identity.nodeId]);
    expect(JSON.stringify(pool)).not.toContain(provider.identity.nodeId);
    expect(JSON.stringify(pool)).not.toContain(String(provider.transport!.address.port));
    const data = randomBytes(64 * 1024);
    await consumer.api.writeRemoteMemory(pool.address, 0, data.toString('base64'));
    await consumer.proxy!.pool(pool.address).dropCache();
    const back = await consumer.api.readRemoteMemory(pool.address, 0, data.length);
    expect(Buffer.from(back.data, 'base64').equals(data)).toBe(true);
    // The provider serves the proxy, not the consumer, and shows no consumer for it.
    const made = (await provider.api.getProxyStatus()).provided.filter((m) => !before.has(m.address));
    expect(made).toEqual([expect.objectContaining({ consumer: null, state: 'active' })]);
    expect(made[0]!.bytesWritten).toBeGreaterThanOrEqual(data.length);
    expect(provider.proxy!.provider.views().length).toBeGreaterThan(0);
    // Nobody else may use the proxy's address.
    const other = await link(ca, outsider);
    const refused = await failureOf(
      other.request(ProxyMethod.Read, json({ address: pool.address, offset: 0, length: 16 })),
    );
    expect(refused).toBe('NOT_YOURS');
    await consumer.api.freeRemoteMemory(pool.address);
  }, 180_000);
});
