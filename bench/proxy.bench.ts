/**
 * The memory proxy between two real nodes in this one process (plus the TrustChain CA they need), over STOQ on ::1:
 * a provider sharing memory and a consumer holding a 4 MiB pool there (one shard, one copy: page i at slot i).
 * Measured side by side, interleaved op by op (the order rotates each round, so load changes on this shared machine
 * hit every contender alike):
 * (0) briefly, with the mesh on: how busy the shared main thread is, and 4 KiB reads through the proxy and raw
 *     STOQ RPC; then the mesh is switched off on all three nodes (the pool needs only STOQ) for everything below.
 * (1) 4 KiB pages, latency p50/p99:
 *     - proxy (the client as an application sees it, through the pool object): a read of one page with the cache
 *       emptied before it (dropCache, untimed), so every timed read is a proxy.read round trip plus AES-GCM open;
 *       a write of one whole page followed by flush() (seal + proxy.write round trip), also from an empty cache;
 *       and, for reference, a read the cache answers;
 *     - wire: proxy.read / proxy.write of one 4,124-byte stored page straight on the STOQ link (the proxy protocol
 *       and the provider's checks, SQLite and memory adapter, without the client's crypto and cache); and the
 *       provider's side of those calls alone, in-process (ProxyProvider.read / write: no STOQ);
 *     - raw STOQ RPC: bench.get returning 4 KiB and bench.put taking 4 KiB, registered on the provider's router;
 *     - local memory: a 4 KiB copy out of / into a Uint8Array, and the same with the pool's AES-256-GCM open / seal
 *       (openPage / sealPage) done locally.
 * (2) 1 MiB blocks (256 pages), throughput (MiB of page data per second, median):
 *     - proxy: write 1 MiB + flush from an empty cache; read 1 MiB after dropCache (the pool moves 238 + 18 stored
 *       pages in two sequential calls, 1,055,744 bytes on the wire);
 *     - wire: the same two proxy.read / proxy.write calls without the client;
 *     - raw STOQ RPC: 960 KiB + 64 KiB in two sequential bench.get / bench.put calls (the frame limit);
 *     - local memory: a 1 MiB copy (out into a new array / in), and 256 pages opened / sealed locally.
 * Every proxy read is checked against what was written (outside the clock).
 *
 * Knobs (environment): HM_BENCH_PROXY_SAMPLES (4 KiB rounds, 2000), HM_BENCH_PROXY_BLOCKS (1 MiB rounds, 30).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatHostPort } from '../src/shared/network';
import { LogBook } from '../src/node-core/logging/log-book';
import { createNode, type HyperMeshNode } from '../src/node-core/node';
import { parseProxyAddress } from '../src/node-core/proxy/address';
import { PAGE, STORED_PAGE, openPage, sealPage } from '../src/node-core/proxy/pool';
import { ProxyMethod, encodeWrite } from '../src/node-core/proxy/provider';
import { PROXY_IO_MAX_BYTES } from '../src/node-core/proxy/table';
import { certify } from '../src/node-core/testing/certify';
import { fixedHardware } from '../src/node-core/testing/fixed-hardware';
import { until } from '../src/node-core/testing/until';
import type { PeerLink } from '../src/node-core/transport/stoq/transport';
import { Report, median, percentile, sized } from './report';

const SAMPLES = Number(process.env.HM_BENCH_PROXY_SAMPLES ?? sized(2000, 40));
const BLOCK_SAMPLES = Number(process.env.HM_BENCH_PROXY_BLOCKS ?? sized(30, 3));
const WARMUP = Math.max(sized(20, 4), Math.floor(SAMPLES / 10));
const BLOCK_WARMUP = sized(3, 1);
const MESH_ON_SAMPLES = sized(100, 10);
const MIB = 1024 * 1024;
const POOL_BYTES = 4 * MIB;
/** Pages per proxy call, as the pool splits its runs (what fits one STOQ frame). */
const RUN_PAGES = Math.floor(PROXY_IO_MAX_BYTES / STORED_PAGE);
/** Regions of the pool (in pages): 4 KiB proxy ops, 4 KiB wire ops, 1 MiB proxy blocks, 1 MiB wire blocks. */
const REGION_PAGES = MIB / PAGE;
const PROXY_4K = 0;
const WIRE_4K = REGION_PAGES;
const PROXY_1M = 2 * REGION_PAGES;
const WIRE_1M = 3 * REGION_PAGES;

if (!Number.isSafeInteger(SAMPLES) || SAMPLES < 10) throw new Error('HM_BENCH_PROXY_SAMPLES must be at least 10');
if (!Number.isSafeInteger(BLOCK_SAMPLES) || BLOCK_SAMPLES < 3) throw new Error('HM_BENCH_PROXY_BLOCKS must be ≥ 3');

const started = performance.now();
const loadAtStart = loadavg()[0] ?? NaN;
const report = new Report('proxy');
const root = mkdtempSync(join(tmpdir(), 'hm-bench-proxy-'));
const clock = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const section = (title: string): void => console.log(`-- ${title} (${clock()})`);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

// ---------- two nodes and their CA, as proxy.test.ts sets them up ----------

section('start: a CA, a provider sharing memory, a consumer; certify both; the consumer finds the memory');
const nodes: HyperMeshNode[] = [];
let dirCount = 0;
async function startNode(authority = false): Promise<HyperMeshNode> {
  const node = createNode(
    {
      dataDir: join(root, `n${dirCount++}`),
      listen: { host: '::1', port: 0 },
      timing: { mesh: { intervalMs: 1000 } },
      ...(authority ? { authority: { name: 'Bench CA' } } : {}),
    },
    { hardware: fixedHardware(), logBook: new LogBook() },
  );
  nodes.push(node);
  await node.start();
  return node;
}

const ca = await startNode(true);
const caAddress = formatHostPort(ca.transport!.address);
const provider = await startNode();
const consumer = await startNode();
for (const n of [provider, consumer]) {
  await certify(n, caAddress, undefined, 60_000);
}
await provider.assets!.ready;
// The bandwidth cap covers all traffic to peers: without a bandwidth share the provider would serve at 1 Mbit/s.
await provider.api.updateSettings({
  privacyLevel: 'FullPublic',
  allocationType: 'Public',
  allocation: { memory: 2, bandwidth: 100 },
});
await provider.assets!.settled();
await until(
  'the consumer to find the provider\u2019s memory',
  async () => (await consumer.api.searchAssets({ kind: 'memory' })).find((a) => a.owner === provider.identity.nodeId),
  90_000,
);
const view = await consumer.api.allocateRemoteMemory({ bytes: POOL_BYTES, durationMs: 3_600_000 });
const pool = consumer.proxy!.pool(view.address);
const shard = pool.record.shards[0];
check(pool.record.providers === 1 && pool.record.replicas === 1 && shard !== undefined, 'one shard, one copy');
check(shard.provider === provider.identity.nodeId, 'the pool is at the provider');
const shardAddress = shard.address;
const link: PeerLink = await consumer.transport!.dialNode(provider.identity.nodeId);
console.log(`  pool ${view.address}: ${POOL_BYTES / MIB} MiB at ${provider.identity.nodeId.slice(0, 8)} (${clock()})`);

// The raw STOQ RPC baseline, on the provider's router, over the same link: bench.get answers `length` bytes from a
// buffer (no copy); bench.put copies its body (after a 4-byte offset) into one.
const served = randomBytes(MIB);
const taken = Buffer.alloc(MIB);
provider.transport!.router.rpc('bench.get', (body) => {
  const { offset, length } = JSON.parse(Buffer.from(body).toString('utf8')) as { offset: number; length: number };
  return served.subarray(offset, offset + length);
});
provider.transport!.router.rpc('bench.put', (body) => {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  taken.set(view.subarray(4), view.readUInt32BE(0));
  return new Uint8Array(0);
});
const putBody = (offset: number, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(offset);
  return Buffer.concat([head, data]);
};

// ---------- contents: the pool written through the client, a plaintext mirror kept here ----------

section('fill: 4 MiB written through the pool and flushed; the stored pages of the wire regions fetched');
const mirror = randomBytes(POOL_BYTES);
for (let off = 0; off < POOL_BYTES; off += MIB) await pool.write(off, mirror.subarray(off, off + MIB));
check((await pool.flush()) === POOL_BYTES / PAGE, 'every page written back');
await pool.dropCache();
check(Buffer.from(await pool.read(0, POOL_BYTES)).equals(mirror), 'the pool reads back what was written');
await pool.dropCache();

const readSlots = (slot: number, count: number): Promise<Uint8Array> =>
  link.request(
    ProxyMethod.Read,
    json({ address: shardAddress, offset: slot * STORED_PAGE, length: count * STORED_PAGE }),
    { timeoutMs: 15_000 },
  );
const writeSlots = (slot: number, stored: Uint8Array): Promise<Uint8Array> =>
  link.request(ProxyMethod.Write, encodeWrite(shardAddress, slot * STORED_PAGE, stored), { timeoutMs: 15_000 });
/** The stored (sealed) pages of the wire regions, written back as they are by the wire writes (they stay valid). */
const wireStored = new Map<number, Uint8Array>();
for (const first of [WIRE_4K, WIRE_1M]) {
  for (let slot = first; slot < first + REGION_PAGES; slot += RUN_PAGES) {
    const count = Math.min(RUN_PAGES, first + REGION_PAGES - slot);
    const stored = await readSlots(slot, count);
    for (let i = 0; i < count; i++) {
      wireStored.set(slot + i, stored.slice(i * STORED_PAGE, (i + 1) * STORED_PAGE));
    }
  }
}
const storedPage = (slot: number): Uint8Array => wireStored.get(slot) as Uint8Array;
const storedRun = (slot: number, count: number): Buffer =>
  Buffer.concat(Array.from({ length: count }, (_, i) => storedPage(slot + i)));
/** How the pool splits a 1 MiB block: runs of at most RUN_PAGES pages. */
const blockRuns: { first: number; count: number }[] = [];
for (let p = 0; p < REGION_PAGES; p += RUN_PAGES)
  blockRuns.push({ first: p, count: Math.min(RUN_PAGES, REGION_PAGES - p) });
const storedRuns = blockRuns.map((r) => ({ slot: WIRE_1M + r.first, data: storedRun(WIRE_1M + r.first, r.count) }));
/** Raw RPC 1 MiB: the largest calls the frame allows (960 KiB + 64 KiB). */
const rpcRuns: { offset: number; length: number }[] = [];
for (let off = 0; off < MIB; off += PROXY_IO_MAX_BYTES)
  rpcRuns.push({ offset: off, length: Math.min(PROXY_IO_MAX_BYTES, MIB - off) });

// Local baselines: plain memory, and the pool's own sealing with a key and pool id like the pool's.
const localMemory = randomBytes(POOL_BYTES);
const localKey = randomBytes(32);
const poolId = parseProxyAddress(view.address).fingerprint;
const localStored = Buffer.alloc(REGION_PAGES * STORED_PAGE);
for (let p = 0; p < REGION_PAGES; p++) {
  localStored.set(sealPage(localKey, poolId, p, localMemory.subarray(p * PAGE, (p + 1) * PAGE)), p * STORED_PAGE);
}
const localStoredPage = (p: number): Buffer => localStored.subarray(p * STORED_PAGE, (p + 1) * STORED_PAGE);

// ---------- the interleaved runner ----------

interface Op {
  readonly name: string;
  /** Untimed, before each timed run (empties the cache, say). */
  readonly prepare?: (i: number) => Promise<void> | void;
  /** Timed; a promise it returns is awaited inside the clock. */
  readonly run: (i: number) => unknown;
  /** Untimed, after each run: checks what the run did. */
  readonly verify?: (i: number, result: unknown) => void;
}

async function interleave(ops: readonly Op[], warmup: number, samples: number): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(ops.map((o) => [o.name, []]));
  const total = warmup + samples;
  for (let i = 0; i < total; i++) {
    for (let j = 0; j < ops.length; j++) {
      const op = ops[(i + j) % ops.length] as Op;
      await op.prepare?.(i);
      const t = performance.now();
      let result = op.run(i);
      if (result instanceof Promise) result = await result;
      const ms = performance.now() - t;
      op.verify?.(i, result);
      if (i >= warmup) times.get(op.name)?.push(ms);
    }
    if ((i + 1) % Math.max(1, Math.floor(total / 5)) === 0) console.log(`  round ${i + 1}/${total} (${clock()})`);
  }
  return times;
}

const dropCache = (): Promise<void> => pool.dropCache();
/** The provider's side of proxy.read / proxy.write, called in-process (no STOQ): checks, SQLite, memory adapter. */
const providerSide = provider.proxy!.provider;
const consumerId = consumer.identity.nodeId;
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

// ---------- (0) with the mesh on, then off ----------

/**
 * With the mesh (libp2p over STOQ) on, these three nodes keep the one main thread they share busy, and every call
 * waits for its turn: measured here briefly, then the mesh is switched off on all three (the pool and the link need
 * only STOQ; the leases and mappings stay), so that what follows measures the proxy and not that background work.
 */
section('mesh on: the main thread\u2019s load, and 4 KiB reads through the proxy and raw STOQ RPC');
const busy = async (ms: number): Promise<number> => {
  const before = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, ms));
  return performance.eventLoopUtilization(before).utilization;
};
const meshOnBusy = report.figure('mesh_on_idle_main_thread_busy', await busy(2000), 'ratio');
const meshOn = await interleave(
  [
    {
      name: 'read:proxy',
      prepare: dropCache,
      run: (i) => pool.read((PROXY_4K + (i % REGION_PAGES)) * PAGE, PAGE),
    },
    {
      name: 'read:stoq_rpc',
      run: (i) => link.request('bench.get', json({ offset: (i % REGION_PAGES) * PAGE, length: PAGE })),
    },
  ],
  10,
  MESH_ON_SAMPLES,
);
const meshOnP50 = (name: string): number => median(meshOn.get(name) ?? []);
report.figure('mesh_on_read4k_p50_proxy_us', meshOnP50('read:proxy') * 1000, 'µs');
report.figure('mesh_on_read4k_p50_stoq_rpc_us', meshOnP50('read:stoq_rpc') * 1000, 'µs');
for (const n of nodes) await n.api.updateSettings({ mesh: { enabled: false } });
await new Promise((r) => setTimeout(r, 1000));
const meshOffBusy = report.figure('mesh_off_idle_main_thread_busy', await busy(2000), 'ratio');

// ---------- (1) 4 KiB pages ----------

/** The page each round works on: spread over the region so no two rounds in a row use one page. */
const pageOf = (i: number): number => (i * 37) % REGION_PAGES;
const fresh = Array.from({ length: 16 }, () => randomBytes(PAGE));
const freshOf = (i: number): Buffer => fresh[i % fresh.length] as Buffer;
const ops4k: Op[] = [
  {
    name: 'read:proxy',
    prepare: dropCache,
    run: (i) => pool.read((PROXY_4K + pageOf(i)) * PAGE, PAGE),
    verify: (i, r) => {
      const at = (PROXY_4K + pageOf(i)) * PAGE;
      check(same(r as Uint8Array, mirror.subarray(at, at + PAGE)), 'a proxy read returns what was written');
    },
  },
  {
    name: 'read:proxy_cached',
    prepare: async (i) => {
      await pool.read((PROXY_4K + pageOf(i)) * PAGE, PAGE);
    },
    run: (i) => pool.read((PROXY_4K + pageOf(i)) * PAGE, PAGE),
  },
  {
    name: 'write:proxy',
    prepare: dropCache,
    run: async (i) => {
      await pool.write((PROXY_4K + pageOf(i)) * PAGE, freshOf(i));
      return pool.flush();
    },
    verify: (i, r) => {
      check(r === 1, 'a 4 KiB write + flush writes back one page');
      mirror.set(freshOf(i), (PROXY_4K + pageOf(i)) * PAGE);
    },
  },
  {
    name: 'read:wire',
    run: (i) => readSlots(WIRE_4K + pageOf(i), 1),
    verify: (i, r) => check(same(r as Uint8Array, storedPage(WIRE_4K + pageOf(i))), 'proxy.read gives the page'),
  },
  { name: 'write:wire', run: (i) => writeSlots(WIRE_4K + pageOf(i), storedPage(WIRE_4K + pageOf(i))) },
  {
    name: 'read:provider_direct',
    run: (i) => providerSide.read(consumerId, shardAddress, (WIRE_4K + pageOf(i)) * STORED_PAGE, STORED_PAGE),
  },
  {
    name: 'write:provider_direct',
    run: (i) =>
      providerSide.write(
        consumerId,
        shardAddress,
        (WIRE_4K + pageOf(i)) * STORED_PAGE,
        storedPage(WIRE_4K + pageOf(i)),
      ),
  },
  {
    name: 'read:stoq_rpc',
    run: (i) => link.request('bench.get', json({ offset: pageOf(i) * PAGE, length: PAGE }), { timeoutMs: 15_000 }),
    verify: (_, r) => check((r as Uint8Array).length === PAGE, 'bench.get gives 4 KiB'),
  },
  {
    name: 'write:stoq_rpc',
    run: (i) => link.request('bench.put', putBody(pageOf(i) * PAGE, freshOf(i)), { timeoutMs: 15_000 }),
  },
  {
    // A copy into a new array, as pool.read returns one (Buffer#slice would only make a view).
    name: 'read:local',
    run: (i) => {
      const out = new Uint8Array(PAGE);
      out.set(localMemory.subarray(pageOf(i) * PAGE, (pageOf(i) + 1) * PAGE));
      return out;
    },
  },
  { name: 'write:local', run: (i) => localMemory.set(freshOf(i), pageOf(i) * PAGE) },
  {
    name: 'read:local_sealed',
    run: (i) => {
      const out = new Uint8Array(PAGE);
      out.set(openPage(localKey, poolId, pageOf(i), localStoredPage(pageOf(i))));
      return out;
    },
  },
  {
    name: 'write:local_sealed',
    run: (i) => {
      const p = pageOf(i);
      localMemory.set(freshOf(i), p * PAGE);
      localStored.set(sealPage(localKey, poolId, p, localMemory.subarray(p * PAGE, (p + 1) * PAGE)), p * STORED_PAGE);
    },
  },
];
section(`4 KiB pages: ${WARMUP} warm-up + ${SAMPLES} interleaved rounds of ${ops4k.length} ops`);
const t4k = await interleave(ops4k, WARMUP, SAMPLES);
await pool.dropCache();
check(same(await pool.read(PROXY_4K * PAGE, MIB), mirror.subarray(PROXY_4K * PAGE, PROXY_4K * PAGE + MIB)), 'pool');
check(same(await readSlots(WIRE_4K, RUN_PAGES), storedRun(WIRE_4K, RUN_PAGES)), 'the wire region is unchanged');

const lat: Record<string, { p50: number; p99: number }> = {};
for (const [name, xs] of t4k) {
  const [op, who] = name.split(':') as [string, string];
  const s = sorted(xs);
  const l = { p50: percentile(s, 50), p99: percentile(s, 99) };
  lat[name] = l;
  report.figure(`${op}4k_p50_${who}_us`, l.p50 * 1000, 'µs');
  report.figure(`${op}4k_p99_${who}_us`, l.p99 * 1000, 'µs');
}

// ---------- (2) 1 MiB blocks ----------

const blocks = Array.from({ length: 4 }, () => randomBytes(MIB));
const blockOf = (i: number): Buffer => blocks[i % blocks.length] as Buffer;
const ops1m: Op[] = [
  {
    name: 'read:proxy',
    prepare: dropCache,
    run: () => pool.read(PROXY_1M * PAGE, MIB),
    verify: (_, r) =>
      check(same(r as Uint8Array, mirror.subarray(PROXY_1M * PAGE, PROXY_1M * PAGE + MIB)), 'a 1 MiB proxy read'),
  },
  {
    name: 'write:proxy',
    prepare: dropCache,
    run: async (i) => {
      await pool.write(PROXY_1M * PAGE, blockOf(i));
      return pool.flush();
    },
    verify: (i, r) => {
      check(r === REGION_PAGES, 'a 1 MiB write + flush writes back 256 pages');
      mirror.set(blockOf(i), PROXY_1M * PAGE);
    },
  },
  {
    name: 'read:wire',
    run: async () => {
      const parts: Uint8Array[] = [];
      for (const r of storedRuns) parts.push(await readSlots(r.slot, r.data.length / STORED_PAGE));
      return parts;
    },
    verify: (_, r) => {
      const parts = r as Uint8Array[];
      check(
        parts.every((p, k) => same(p, storedRuns[k]?.data ?? Buffer.alloc(0))),
        'the wire reads the stored pages',
      );
    },
  },
  {
    name: 'write:wire',
    run: async () => {
      for (const r of storedRuns) await writeSlots(r.slot, r.data);
    },
  },
  {
    name: 'read:stoq_rpc',
    run: async () => {
      let n = 0;
      for (const r of rpcRuns) n += (await link.request('bench.get', json(r), { timeoutMs: 15_000 })).length;
      return n;
    },
    verify: (_, n) => check(n === MIB, 'bench.get moves 1 MiB'),
  },
  {
    name: 'write:stoq_rpc',
    run: async (i) => {
      const block = blockOf(i);
      for (const r of rpcRuns) {
        await link.request('bench.put', putBody(r.offset, block.subarray(r.offset, r.offset + r.length)), {
          timeoutMs: 15_000,
        });
      }
    },
  },
  {
    name: 'read:local',
    run: () => {
      const out = new Uint8Array(MIB);
      out.set(localMemory.subarray(0, MIB));
      return out;
    },
  },
  {
    name: 'write:local',
    run: (i) => localMemory.set(blockOf(i), 0),
  },
  {
    name: 'read:local_sealed',
    run: () => {
      const out = new Uint8Array(MIB);
      for (let p = 0; p < REGION_PAGES; p++) out.set(openPage(localKey, poolId, p, localStoredPage(p)), p * PAGE);
      return out;
    },
  },
  {
    name: 'write:local_sealed',
    run: (i) => {
      const block = blockOf(i);
      for (let p = 0; p < REGION_PAGES; p++) {
        localStored.set(sealPage(localKey, poolId, p, block.subarray(p * PAGE, (p + 1) * PAGE)), p * STORED_PAGE);
      }
    },
  },
];
section(`1 MiB blocks: ${BLOCK_WARMUP} warm-up + ${BLOCK_SAMPLES} interleaved rounds of ${ops1m.length} ops`);
const t1m = await interleave(ops1m, BLOCK_WARMUP, BLOCK_SAMPLES);
check(same(await readSlots(WIRE_1M, RUN_PAGES), storedRun(WIRE_1M, RUN_PAGES)), 'the wire region is unchanged');
const tput: Record<string, number> = {};
for (const [name, xs] of t1m) {
  const [op, who] = name.split(':') as [string, string];
  tput[name] = report.figure(`${op}1m_throughput_${who}`, 1000 / median(xs), 'MiB/s');
  report.figure(`${op}1m_p50_${who}_ms`, median(xs), 'ms');
}

// A slow path seen in openPage: a page never written (all zeros) is recognised by a per-byte callback.
{
  const zeros = new Uint8Array(STORED_PAGE);
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    openPage(localKey, poolId, 0, zeros);
    if (i >= 200) times.push(performance.now() - t);
  }
  report.figure('open_page_unwritten_p50_us', median(times) * 1000, 'µs');
}

// ---------- ratios ----------

const p50 = (name: string): number => lat[name]?.p50 ?? NaN;
const p99 = (name: string): number => lat[name]?.p99 ?? NaN;
const mibs = (name: string): number => tput[name] ?? NaN;
for (const op of ['read', 'write'] as const) {
  report.ratio(`${op}4k_p50_proxy_vs_stoq_rpc`, p50(`${op}:proxy`) / p50(`${op}:stoq_rpc`));
  report.ratio(`${op}4k_p99_proxy_vs_stoq_rpc`, p99(`${op}:proxy`) / p99(`${op}:stoq_rpc`));
  report.ratio(`${op}4k_p50_wire_vs_stoq_rpc`, p50(`${op}:wire`) / p50(`${op}:stoq_rpc`));
  report.ratio(`${op}4k_p99_wire_vs_stoq_rpc`, p99(`${op}:wire`) / p99(`${op}:stoq_rpc`));
  report.ratio(`${op}4k_p50_proxy_vs_wire`, p50(`${op}:proxy`) / p50(`${op}:wire`));
  report.ratio(`${op}4k_p50_proxy_vs_local`, p50(`${op}:proxy`) / p50(`${op}:local`));
  report.ratio(`${op}4k_p50_proxy_vs_local_sealed`, p50(`${op}:proxy`) / p50(`${op}:local_sealed`));
  report.ratio(`${op}1m_throughput_proxy_vs_stoq_rpc`, mibs(`${op}:proxy`) / mibs(`${op}:stoq_rpc`));
  report.ratio(`${op}1m_throughput_wire_vs_stoq_rpc`, mibs(`${op}:wire`) / mibs(`${op}:stoq_rpc`));
  report.ratio(`${op}1m_throughput_proxy_vs_wire`, mibs(`${op}:proxy`) / mibs(`${op}:wire`));
  report.ratio(`${op}1m_throughput_proxy_vs_local`, mibs(`${op}:proxy`) / mibs(`${op}:local`));
  report.ratio(`${op}1m_throughput_proxy_vs_local_sealed`, mibs(`${op}:proxy`) / mibs(`${op}:local_sealed`));
}
report.ratio('read4k_p50_proxy_cached_vs_local', p50('read:proxy_cached') / p50('read:local'));
report.ratio('read4k_p50_provider_direct_vs_wire', p50('read:provider_direct') / p50('read:wire'));
report.ratio('write4k_p50_provider_direct_vs_wire', p50('write:provider_direct') / p50('write:wire'));

report.note(
  `the mesh is switched off on all three nodes before the figures without a mesh_on_ prefix: with it on, the main ` +
    `thread was ${(meshOnBusy * 100).toFixed(0)} % busy while the nodes idled (${(meshOffBusy * 100).toFixed(0)} % ` +
    `with it off) and a 4 KiB raw STOQ RPC took ${meshOnP50('read:stoq_rpc').toFixed(1)} ms (p50 of ${MESH_ON_SAMPLES})`,
);
report.note(
  'one process, two nodes (and their CA) over STOQ on ::1; ops interleaved, order rotating per round; ' +
    `latency ratios: lower is better, throughput ratios: higher is better; load average at the start ` +
    `${loadAtStart.toFixed(2)} on ${cpus().length} CPUs (a shared machine: absolute figures drift, ratios hold)`,
);
report.note(
  'read4k *_proxy: pool.read of one 4 KiB page with the cache emptied (dropCache, untimed) before each, i.e. one ' +
    'proxy.read round trip of a 4,124-byte stored page + AES-GCM open; write4k *_proxy: pool.write of a whole page ' +
    '+ flush() from an empty cache (seal + one proxy.write); *_proxy_cached: a read the page cache answers (of ' +
    'a page its untimed prepare step just loaded, so hot in the CPU caches, unlike the page *_local reads)',
);
report.note(
  '*_wire: proxy.read / proxy.write of 4,124-byte stored pages straight on the link (no client crypto or cache); ' +
    '*_provider_direct: ProxyProvider.read / write of such a page called in-process (checks, SQLite, adapter); ' +
    '*_stoq_rpc: bench.get / bench.put of 4 KiB on the same link; *_local: a Uint8Array copy; *_local_sealed: ' +
    'the same plus the pool\u2019s AES-256-GCM open / seal',
);
report.note(
  `1 MiB: throughput in MiB of page data per second; the pool and wire move ${blockRuns.length} calls of ` +
    `${blockRuns.map((r) => r.count * STORED_PAGE).join(' + ')} bytes, raw RPC ` +
    `${rpcRuns.map((r) => r.length).join(' + ')}, all sequential on one link`,
);
report.write();

await Promise.all(nodes.map((n) => n.stop()));
rmSync(root, { recursive: true, force: true });
process.exit(0);
