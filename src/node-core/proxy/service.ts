import type {
  ProviderChoiceView,
  ProvidedMappingView,
  ProxyStatusView,
  RemoteMemoryRequest,
  UsedPoolView,
} from '../../shared/proxy';
import type {
  RemoteAssetView,
  RemoteAllocationView,
  AssetSearchQuery,
  MeshStatus,
  RemoteAllocationRequest,
} from '../../shared/mesh';
import { formatAmount, parseAmount } from '../../shared/amount';
import type { ProxySelection, Settings } from '../../shared/settings';
import type { MemoryAdapter } from '../assets/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import { callJson, handleJson, ignoreReply } from '../transport/index';
import type { PeerLink, Transport } from '../transport/index';
import { anonymousCoordinates, canonicalProxyAddress, formatProxyAddress, newFingerprint } from './address';
import { ProxyRelay } from './relay';
import { ProxyError } from './errors';
import {
  PAGE,
  STORED_PAGE,
  RemotePool,
  newPoolKey,
  poolKey,
  proxyKemKeys,
  recoverPoolKey,
  slotsPerShard,
  type PoolRecord,
  type ShardInfo,
} from './pool';
import { ProxyMethod, ProxyProvider, mappingReply, type MappingReply } from './provider';

/**
 * The node's memory proxy: the provider side (a translation table over its memory asset) and the consumer side
 * (remote memory pools it owns, with provider selection by stake, certificate standing, latency and trust).
 */
export interface ProxyServiceOptions {
  readonly db: Db;
  readonly nodeId: string;
  readonly deriveSecret: (label: string) => Uint8Array;
  readonly stoq: Transport;
  readonly log: Logger;
  readonly settings: () => Settings;
  readonly memory: () => MemoryAdapter | undefined;
  readonly memoryAssetId: () => string | undefined;
  /** The mesh: where providers are found and allocated. */
  readonly mesh?: {
    search(query: AssetSearchQuery): readonly RemoteAssetView[];
    allocate(request: RemoteAllocationRequest, signal?: AbortSignal): Promise<RemoteAllocationView>;
    status(): MeshStatus;
  };
  /** Where nodes' locked stakes are read (the Caesar ledger); without it every stake counts as 0. */
  readonly stakes?: StakeBook;
  readonly now?: () => number;
}

/** A node's locked stake (decimal Caesar) as the ledger holds it; undefined for a node with none (or no genesis). */
export interface StakeBook {
  stakeRecord(nodeId: string): { readonly amount: string } | undefined;
}

export const MAX_POOL_BYTES = 1024 ** 3;

/** How much a candidate provider is worth under the user's selection setting, and why. */
export function scoreProvider(
  c: {
    readonly stake: bigint;
    readonly certified: boolean;
    readonly rttMs: number | null;
    readonly trustScore: number;
  },
  selection: ProxySelection,
): { score: number; reason: string } {
  if (!c.certified) return { score: 0, reason: 'no valid TrustChain certificate' };
  // Stake counts up to 100 Caesar (more does not buy more trust); the peer book's trust score is 0–1.
  const stakeScore = Math.min(1, Number(c.stake) / Number(100n * 10n ** 8n));
  const trust = 0.5 * stakeScore + 0.5 * c.trustScore;
  const latency = c.rttMs === null ? 0.5 : 1 / (1 + c.rttMs / 20);
  const score = selection === 'trust' ? trust : selection === 'latency' ? latency : (trust + latency) / 2;
  const reason =
    `stake ${formatAmount(c.stake)} Caesar, trust ${c.trustScore.toFixed(2)}, ` +
    `${c.rttMs === null ? 'latency unknown' : `${c.rttMs.toFixed(1)} ms`} → ${score.toFixed(3)} (${selection})`;
  return { score, reason };
}

export class ProxyService {
  readonly provider: ProxyProvider;
  private readonly pools = new Map<string, RemotePool>();
  private readonly kem: { publicKey: Uint8Array; secretKey: Uint8Array };
  private readonly now: () => number;
  private readonly relay: ProxyRelay;
  private readonly secret: Uint8Array;

  constructor(private readonly options: ProxyServiceOptions) {
    this.now = options.now ?? Date.now;
    this.kem = proxyKemKeys(options.deriveSecret);
    this.secret = options.deriveSecret('proxy/anonymous-coordinates/v1');
    this.relay = new ProxyRelay(options.db, (id) => this.linkTo(id), this.now);
    this.provider = new ProxyProvider({
      relay: this.relay,
      db: options.db,
      nodeId: options.nodeId,
      memory: options.memory,
      memoryAssetId: options.memoryAssetId,
      secret: this.secret,
      log: options.log,
      now: this.now,
    });
  }

  /** Writes what is still held in memory (the provider's traffic counters); the database closes after this. */
  stop(): void {
    this.provider.stop();
  }

  start(): void {
    this.provider.serve(this.options.stoq.router);
    handleJson(
      this.options.stoq.router,
      ProxyMethod.Anonymous,
      { validate: anonymousRequest, notJson: () => new ProxyError('UNKNOWN_ADDRESS', 'the request is not JSON') },
      (req, ctx) => this.serveAnonymous(ctx.peer.nodeId, req.bytes, req.durationMs, req.shard),
    );
    const rows = this.options.db
      .prepare("SELECT pool FROM proxy_pools WHERE state = 'active' AND expires_at > ?")
      .all(this.now()) as {
      pool: string;
    }[];
    for (const row of rows) {
      try {
        const record = JSON.parse(row.pool) as PoolRecord;
        this.pools.set(record.address, this.open(record));
      } catch (err) {
        this.options.log.warn(`proxy: a stored pool could not be reopened: ${(err as Error).message}`);
      }
    }
  }

  private linkTo = (nodeId: string): Promise<PeerLink> =>
    this.options.stoq.dialNode(nodeId, AbortSignal.timeout(10_000));

  private open(record: PoolRecord): RemotePool {
    const secret = recoverPoolKey(this.kem.secretKey, Buffer.from(record.kemCipherText, 'base64'));
    return new RemotePool(record, poolKey(secret, record.address), this.linkTo);
  }

  status(): ProxyStatusView {
    const now = this.now();
    return {
      provided: this.provider.views(),
      used: [...this.pools.values()].filter((p) => p.record.expiresAt > now).map((p) => p.view()),
    };
  }

  /** Candidates for `shardBytes` of memory, best first, with the reason for each score. */
  choose(shardBytes: number, count: number): { asset: RemoteAssetView; choice: ProviderChoiceView }[] {
    const mesh = this.options.mesh;
    if (!mesh) throw new ProxyError('UNAVAILABLE', 'the mesh is not running: no providers can be found');
    const selection = this.options.settings().proxy.selection;
    const peers = new Map(mesh.status().peers.map((p) => [p.nodeId, p]));
    const best = new Map<string, { asset: RemoteAssetView; choice: ProviderChoiceView }>();
    for (const asset of mesh.search({ kind: 'memory', minCapacity: shardBytes })) {
      const owner = asset.owner;
      if (!owner || owner === this.options.nodeId) continue;
      const stakeText = this.options.stakes?.stakeRecord(owner)?.amount ?? '0';
      const peer = peers.get(owner);
      const input = {
        stake: parseAmount(stakeText),
        // Announcements are accepted only with a TrustChain chain that checks out (mesh.ts).
        certified: true,
        rttMs: asset.rttMs ?? peer?.rttMs ?? null,
        trustScore: peer?.trustScore ?? 0.5,
      };
      const { score, reason } = scoreProvider(input, selection);
      const choice: ProviderChoiceView = {
        nodeId: owner,
        stake: stakeText,
        certified: true,
        rttMs: input.rttMs,
        trustScore: input.trustScore,
        score,
        reason,
      };
      const held = best.get(owner);
      if (!held || held.choice.score < score) best.set(owner, { asset, choice });
    }
    return [...best.values()]
      .filter((c) => c.choice.score > 0)
      .sort((a, b) => b.choice.score - a.choice.score || (a.choice.nodeId < b.choice.nodeId ? -1 : 1))
      .slice(0, count);
  }

  /**
   * As a proxy for an anonymous consumer: lease and map `bytes` at the best provider in this node's own name, and
   * give the consumer an address of this node's that it alone may use. The consumer never learns the provider.
   */
  private async serveAnonymous(
    consumer: string,
    bytes: number,
    durationMs: number,
    shard: number,
  ): Promise<{ address: string; expiresAt: number; length: number }> {
    if (!this.options.settings().proxy.serveAsProxy) {
      throw new ProxyError('UNAVAILABLE', 'this node does not serve as a proxy (settings.proxy.serveAsProxy)');
    }
    const leaseBytes = Math.ceil(bytes / PAGE) * PAGE;
    const best = this.choose(leaseBytes, 8).find((c) => c.choice.nodeId !== consumer);
    if (!best) throw new ProxyError('UNAVAILABLE', 'this proxy knows no provider with that much memory');
    const lease = await (this.options.mesh as NonNullable<ProxyServiceOptions['mesh']>).allocate(
      { assetId: best.asset.assetId, amount: leaseBytes, durationMs },
      AbortSignal.timeout(60_000),
    );
    const link = await this.linkTo(best.choice.nodeId);
    const reply = await mapAt(link, {
      leaseId: lease.leaseId,
      offset: 0,
      length: bytes,
      permissions: 'rw',
      shard,
      anonymous: true,
    });
    const fingerprint = newFingerprint();
    const address = formatProxyAddress({
      coordinates: anonymousCoordinates(this.secret, fingerprint),
      fingerprint,
      shard,
    });
    this.relay.add({
      address,
      consumer,
      provider: best.choice.nodeId,
      providerAddress: canonicalProxyAddress(reply.address),
      leaseId: lease.leaseId,
      length: bytes,
      expiresAt: reply.expiresAt,
      state: 'active',
    });
    this.options.log.info(`proxy: relaying ${address} for an anonymous consumer`);
    return { address, expiresAt: reply.expiresAt, length: bytes };
  }

  /** An anonymous pool: one shard, leased and translated by a peer that serves as a proxy. */
  private async allocateAnonymous(
    request: RemoteMemoryRequest,
    shardBytes: number,
  ): Promise<{ shards: ShardInfo[]; choices: ProviderChoiceView[]; expiresAt: number }> {
    const mesh = this.options.mesh;
    if (!mesh) throw new ProxyError('UNAVAILABLE', 'the mesh is not running: no proxy can be found');
    // Peers connected now first, then the rest of the peer book (a dial by NodeId reaches them).
    const relays = mesh
      .status()
      .peers.filter((p) => p.nodeId !== this.options.nodeId)
      .sort((a, b) => Number(b.connected) - Number(a.connected));
    let lastError: Error | undefined;
    for (const relay of relays) {
      try {
        const link = await this.linkTo(relay.nodeId);
        const reply = await callJson(
          link,
          ProxyMethod.Anonymous,
          { bytes: shardBytes, durationMs: request.durationMs, shard: 0 },
          { timeoutMs: 90_000, validate: mappingReply },
        );
        const choice: ProviderChoiceView = {
          nodeId: relay.nodeId,
          stake: this.options.stakes?.stakeRecord(relay.nodeId)?.amount ?? '0',
          certified: true,
          rttMs: relay.rttMs,
          trustScore: relay.trustScore,
          score: 1,
          reason: 'a proxy that leases in its own name: the provider stays unknown to this node',
        };
        return {
          shards: [{ provider: relay.nodeId, assetId: '', leaseId: '', address: canonicalProxyAddress(reply.address) }],
          choices: [choice],
          expiresAt: reply.expiresAt,
        };
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw new ProxyError('UNAVAILABLE', `no known peer serves as a proxy${lastError ? ` (${lastError.message})` : ''}`);
  }

  /** Allocates a pool: `providers` shards, each page on `replicas` of them, mapped, with a fresh data key. */
  async allocate(request: RemoteMemoryRequest, signal?: AbortSignal): Promise<UsedPoolView> {
    const settings = this.options.settings();
    const k = request.providers ?? 1;
    if (k < 1 || k > settings.proxy.maxProviders) {
      throw new ProxyError(
        'OUT_OF_BOUNDS',
        `a pool spans 1–${settings.proxy.maxProviders} providers (settings.proxy.maxProviders)`,
      );
    }
    const r = request.replicas ?? (k >= 3 ? 2 : 1);
    if (r < 1 || r > k) throw new ProxyError('OUT_OF_BOUNDS', `replicas must be 1–${k}`);
    if (request.bytes < PAGE || request.bytes > MAX_POOL_BYTES || request.bytes % PAGE !== 0) {
      throw new ProxyError('OUT_OF_BOUNDS', `a pool is 4 KiB – 1 GiB, a multiple of 4096 bytes`);
    }
    const pages = request.bytes / PAGE;
    const slots = slotsPerShard(pages, k, r);
    const shardBytes = Math.ceil((slots * STORED_PAGE) / PAGE) * PAGE;
    if (request.anonymous === true) {
      if (k !== 1) throw new ProxyError('OUT_OF_BOUNDS', 'an anonymous pool has one provider (behind a proxy)');
      const anon = await this.allocateAnonymous(request, slots * STORED_PAGE);
      return this.finish(request, anon.shards, anon.choices, anon.expiresAt, pages, k, r, slots);
    }
    const chosen = this.choose(shardBytes, k);
    if (chosen.length < k) {
      throw new ProxyError(
        'UNAVAILABLE',
        `${chosen.length} provider(s) offer ${shardBytes} bytes of memory; ${k} needed`,
      );
    }
    const shards: ShardInfo[] = [];
    let expiresAt = Number.POSITIVE_INFINITY;
    try {
      for (const [i, { asset, choice }] of chosen.entries()) {
        const lease = await (this.options.mesh as NonNullable<ProxyServiceOptions['mesh']>).allocate(
          { assetId: asset.assetId, amount: shardBytes, durationMs: request.durationMs },
          signal,
        );
        const link = await this.linkTo(choice.nodeId);
        const reply = await mapAt(link, {
          leaseId: lease.leaseId,
          offset: 0,
          length: slots * STORED_PAGE,
          permissions: 'rw',
          shard: i,
        });
        shards.push({
          provider: choice.nodeId,
          assetId: asset.assetId,
          leaseId: lease.leaseId,
          address: canonicalProxyAddress(reply.address),
        });
        expiresAt = Math.min(expiresAt, reply.expiresAt);
      }
    } catch (err) {
      await Promise.allSettled(
        shards.map(async (s) =>
          callJson(await this.linkTo(s.provider), ProxyMethod.Free, { address: s.address }, { validate: ignoreReply }),
        ),
      );
      throw err;
    }
    return this.finish(
      request,
      shards,
      chosen.map((c) => c.choice),
      expiresAt,
      pages,
      k,
      r,
      slots,
    );
  }

  private finish(
    request: RemoteMemoryRequest,
    shards: ShardInfo[],
    choices: ProviderChoiceView[],
    expiresAt: number,
    pages: number,
    k: number,
    r: number,
    slots: number,
  ): UsedPoolView {
    const address = (shards[0] as ShardInfo).address;
    const { cipherText, sharedSecret } = newPoolKey(this.kem.publicKey);
    const record: PoolRecord = {
      address,
      length: request.bytes,
      pages,
      providers: k,
      replicas: r,
      slotsPerShard: slots,
      shards,
      kemCipherText: Buffer.from(cipherText).toString('base64'),
      choices,
      createdAt: this.now(),
      expiresAt,
    };
    this.options.db
      .prepare("INSERT INTO proxy_pools (address, pool, created_at, expires_at, state) VALUES (?, ?, ?, ?, 'active')")
      .run(address, JSON.stringify(record), record.createdAt, expiresAt);
    const pool = new RemotePool(record, poolKey(sharedSecret, address), this.linkTo);
    this.pools.set(address, pool);
    this.options.log.info(`proxy: pool ${address} of ${request.bytes} B over ${k} provider(s), ${r} replica(s)`);
    return pool.view();
  }

  pool(address: string): RemotePool {
    let canonical: string;
    try {
      canonical = canonicalProxyAddress(address);
    } catch {
      throw new ProxyError('UNKNOWN_ADDRESS', `${address} is not a proxy address`);
    }
    const pool = this.pools.get(canonical);
    if (!pool) throw new ProxyError('UNKNOWN_ADDRESS', `this node has no pool at ${canonical}`);
    if (pool.record.expiresAt <= this.now()) throw new ProxyError('EXPIRED', 'the pool\u2019s leases have ended');
    return pool;
  }

  async free(address: string): Promise<void> {
    const pool = this.pool(address);
    await pool.free();
    this.pools.delete(pool.record.address);
    this.options.db.prepare("UPDATE proxy_pools SET state = 'freed' WHERE address = ?").run(pool.record.address);
  }

  revoke(address: string): ProvidedMappingView {
    return this.provider.revoke(address);
  }
}

/** Maps part of a lease at its provider (proxy.map). */
function mapAt(
  link: PeerLink,
  request: {
    leaseId: string;
    offset: number;
    length: number;
    permissions: 'r' | 'rw';
    shard: number;
    anonymous?: true;
  },
): Promise<MappingReply> {
  return callJson(link, ProxyMethod.Map, request, { timeoutMs: 15_000, validate: mappingReply });
}

/** proxy.anonymous's request, checked. */
function anonymousRequest(v: unknown): { bytes: number; durationMs: number; shard: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ProxyError('UNKNOWN_ADDRESS', 'the request is not an object');
  }
  const o = v as Record<string, unknown>;
  const bytes = o.bytes;
  const durationMs = o.durationMs;
  const shard = o.shard ?? 0;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1 || bytes > 2 * MAX_POOL_BYTES)
    throw new ProxyError('OUT_OF_BOUNDS', 'bytes out of range');
  if (typeof durationMs !== 'number' || !Number.isSafeInteger(durationMs) || durationMs < 1000)
    throw new ProxyError('OUT_OF_BOUNDS', 'durationMs out of range');
  if (typeof shard !== 'number' || !Number.isSafeInteger(shard) || shard < 0 || shard > 0xffff)
    throw new ProxyError('OUT_OF_BOUNDS', 'shard out of range');
  return { bytes, durationMs, shard };
}
