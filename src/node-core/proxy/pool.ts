import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { ProviderChoiceView, UsedPoolView } from '../../shared/proxy';
import { ErrorCode } from '../../shared/errors';
import { callJson, encodeJsonBody, ignoreReply } from '../transport/index';
import { RpcError } from '../transport/index';
import type { PeerLink } from '../transport/index';
import { parseProxyAddress } from './address';
import { ProxyError } from './errors';
import { ProxyMethod, encodeWrite } from './provider';
import { PROXY_IO_MAX_BYTES } from './table';

/**
 * A remote memory pool as its owner (the consumer) sees it: plaintext pages of 4 KiB, each encrypted here with
 * AES-256-GCM under a key only this node can recover (ML-KEM-768), stored at one or more providers (shards, with
 * replicas), read through a page cache with write-back. docs/proxy.md describes the layout and consistency model.
 */
export const PAGE = 4096;
const NONCE = 12;
const TAG = 16;
/** A stored page: nonce ‖ ciphertext ‖ tag. */
export const STORED_PAGE = NONCE + PAGE + TAG;
/** Pages per read or write call (what fits one STOQ frame). */
const RUN = Math.floor(PROXY_IO_MAX_BYTES / STORED_PAGE);
const CACHE_PAGES = 4096;

export interface ShardInfo {
  readonly provider: string;
  readonly assetId: string;
  readonly leaseId: string;
  readonly address: string;
}

/** What is stored of a pool (SQLite `proxy_pools`): enough to reopen it after a restart. */
export interface PoolRecord {
  readonly address: string;
  readonly length: number;
  readonly pages: number;
  /** Providers the pages are spread over (k) and copies of each page (r ≤ k). */
  readonly providers: number;
  readonly replicas: number;
  readonly slotsPerShard: number;
  readonly shards: readonly ShardInfo[];
  /** ML-KEM-768 ciphertext (base64) the data key is recovered from with this node's ML-KEM secret key. */
  readonly kemCipherText: string;
  readonly choices: readonly ProviderChoiceView[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Where page `page`'s copy `replica` lives: shard (provider index) and slot (page position in that shard). */
export function placement(page: number, replica: number, k: number, r: number): { shard: number; slot: number } {
  // Pages go in stripes of k; copy j of the page at position q of stripe s lives on provider (q + j) mod k, and
  // each provider keeps, per stripe, the r pages whose copies it holds, in order of j.
  if (replica < 0 || replica >= r || r > k) throw new RangeError('bad replica');
  const stripe = Math.floor(page / k);
  const q = page % k;
  return { shard: (q + replica) % k, slot: stripe * r + replica };
}

export function slotsPerShard(pages: number, k: number, r: number): number {
  return Math.ceil(pages / k) * r;
}

/** The node's ML-KEM-768 key pair, derived from its identity (so it survives restarts without a file). */
export function proxyKemKeys(deriveSecret: (label: string) => Uint8Array): {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  const seed = new Uint8Array(64);
  seed.set(deriveSecret('proxy/ml-kem-768/a/v1'), 0);
  seed.set(deriveSecret('proxy/ml-kem-768/b/v1'), 32);
  return ml_kem768.keygen(seed);
}

export function poolKey(sharedSecret: Uint8Array, poolAddress: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', sharedSecret, new Uint8Array(0), `hypermesh/proxy/pool-key/v1\0${poolAddress}`, 32),
  );
}

function aad(poolId: string, page: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(page);
  return Buffer.concat([Buffer.from(poolId), b]);
}

export function sealPage(key: Buffer, poolId: string, page: number, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(poolId, page));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens a stored page; a page never written (all zeros, as the provider's memory starts) reads as zeros. */
export function openPage(key: Buffer, poolId: string, page: number, stored: Uint8Array): Uint8Array {
  if (stored.length !== STORED_PAGE) throw new ProxyError('INTEGRITY', 'a stored page has the wrong size');
  if (stored.every((b) => b === 0)) return new Uint8Array(PAGE);
  const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(0, NONCE));
  decipher.setAAD(aad(poolId, page));
  decipher.setAuthTag(stored.subarray(NONCE + PAGE));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(stored.subarray(NONCE, NONCE + PAGE)), decipher.final()]));
  } catch {
    throw new ProxyError('INTEGRITY', `page ${page} failed its authentication check (changed at the provider?)`);
  }
}

interface CachedPage {
  data: Uint8Array;
  dirty: boolean;
}

/** How the pool reaches its providers (the node gives STOQ links; tests may give others). */
export type LinkTo = (nodeId: string) => Promise<PeerLink>;

export class RemotePool {
  private readonly cache = new Map<number, CachedPage>();
  /** Providers that failed a write: their copies may be stale and are not read again. */
  private readonly stale = new Set<number>();
  private readonly unreachable = new Set<number>();
  /** Why a shard is not used any more (its last failure). */
  private readonly problems = new Map<number, string>();
  private readonly poolId: string;
  bytesRead = 0;
  bytesWritten = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly record: PoolRecord,
    private readonly key: Buffer,
    private readonly linkTo: LinkTo,
  ) {
    this.poolId = parseProxyAddress(record.address).fingerprint;
  }

  /** Operations on one pool run one at a time (one writer; readers see its writes at once through the cache). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new ProxyError('OUT_OF_BOUNDS', 'offset and length are whole, non-negative numbers');
    }
    if (offset + length > this.record.length) {
      throw new ProxyError(
        'OUT_OF_BOUNDS',
        `bytes ${offset}–${offset + length} are outside the pool's ${this.record.length}`,
      );
    }
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    return this.serial(async () => {
      const first = Math.floor(offset / PAGE);
      const last = Math.floor((offset + Math.max(length, 1) - 1) / PAGE);
      await this.load(range(first, last));
      const out = new Uint8Array(length);
      for (let p = first; p <= last && length > 0; p++) {
        const page = (this.cache.get(p) as CachedPage).data;
        const from = Math.max(offset, p * PAGE);
        const to = Math.min(offset + length, (p + 1) * PAGE);
        out.set(page.subarray(from - p * PAGE, to - p * PAGE), from - offset);
      }
      this.bytesRead += length;
      return out;
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length);
    return this.serial(async () => {
      if (data.length === 0) return;
      const first = Math.floor(offset / PAGE);
      const last = Math.floor((offset + data.length - 1) / PAGE);
      // Pages written whole need no read first; partly written ones do (read-modify-write).
      const partial = range(first, last).filter((p) => offset > p * PAGE || offset + data.length < (p + 1) * PAGE);
      await this.load(partial);
      for (let p = first; p <= last; p++) {
        const from = Math.max(offset, p * PAGE);
        const to = Math.min(offset + data.length, (p + 1) * PAGE);
        const page = this.cache.get(p)?.data ?? new Uint8Array(PAGE);
        page.set(data.subarray(from - offset, to - offset), from - p * PAGE);
        this.cache.set(p, { data: page, dirty: true });
      }
      this.bytesWritten += data.length;
      await this.evict();
    });
  }

  /** Writes every dirty page back to all its replicas. */
  flush(): Promise<number> {
    return this.serial(() => this.writeBack([...this.cache.keys()].filter((p) => this.cache.get(p)?.dirty)));
  }

  /** Writes back what changed and empties the cache: the next reads come from the providers. */
  dropCache(): Promise<void> {
    return this.serial(async () => {
      await this.writeBack([...this.cache.keys()].filter((p) => this.cache.get(p)?.dirty));
      this.cache.clear();
    });
  }

  get cachedPages(): number {
    return this.cache.size;
  }

  get dirtyPages(): number {
    return [...this.cache.values()].filter((c) => c.dirty).length;
  }

  /** Frees every shard's mapping (and so the providers' leases). */
  async free(): Promise<void> {
    await this.serial(async () => {
      this.cache.clear();
      await Promise.allSettled(
        this.record.shards.map(async (s) => {
          const link = await this.linkTo(s.provider);
          await callJson(link, ProxyMethod.Free, { address: s.address }, { timeoutMs: 10_000, validate: ignoreReply });
        }),
      );
    });
  }

  view(): UsedPoolView {
    return {
      address: this.record.address,
      length: this.record.length,
      replicas: this.record.replicas,
      shards: this.record.shards.map((s, i) => ({
        address: s.address,
        provider: s.provider,
        leaseId: s.leaseId,
        reachable: !this.unreachable.has(i),
        problem: this.problems.get(i) ?? null,
      })),
      providers: this.record.choices,
      createdAt: new Date(this.record.createdAt).toISOString(),
      expiresAt: new Date(this.record.expiresAt).toISOString(),
      bytesRead: this.bytesRead,
      bytesWritten: this.bytesWritten,
      cachedPages: this.cachedPages,
      dirtyPages: this.dirtyPages,
    };
  }

  private async evict(): Promise<void> {
    if (this.cache.size <= CACHE_PAGES) return;
    // Oldest first (a Map iterates in insertion order); dirty ones are written back before they go.
    const excess = [...this.cache.keys()].slice(0, this.cache.size - CACHE_PAGES / 2);
    await this.writeBack(excess.filter((p) => this.cache.get(p)?.dirty));
    for (const p of excess) this.cache.delete(p);
  }

  /** Brings `pages` into the cache, reading runs of consecutive slots per provider, falling back to other replicas. */
  private async load(pages: readonly number[]): Promise<void> {
    let missing = pages.filter((p) => !this.cache.has(p));
    const { providers: k, replicas: r } = this.record;
    let lastError: Error | undefined;
    for (let replica = 0; replica < r && missing.length > 0; replica++) {
      const byShard = new Map<number, { page: number; slot: number }[]>();
      for (const page of missing) {
        const at = placement(page, replica, k, r);
        if (this.stale.has(at.shard) || this.unreachable.has(at.shard)) continue;
        const list = byShard.get(at.shard) ?? [];
        list.push({ page, slot: at.slot });
        byShard.set(at.shard, list);
      }
      await Promise.all(
        [...byShard].map(async ([shard, list]) => {
          // Slots a few apart are read as one span (the slots between are other pages' copies, dropped here).
          for (const run of runs(list, r)) {
            try {
              const first = run[0]!.slot;
              const span = run.at(-1)!.slot - first + 1;
              const stored = await this.readSlots(shard, first, span);
              for (const x of run) {
                const at = (x.slot - first) * STORED_PAGE;
                const data = openPage(this.key, this.poolId, x.page, stored.subarray(at, at + STORED_PAGE));
                this.cache.set(x.page, { data, dirty: false });
              }
            } catch (err) {
              lastError = err as Error;
              if (err instanceof ProxyError && err.failure === 'INTEGRITY') continue;
              // Unreachable or refusing: its pages come from the other copies.
              this.unreachable.add(shard);
              this.problems.set(shard, (err as Error).message);
              return;
            }
          }
        }),
      );
      missing = missing.filter((p) => !this.cache.has(p));
    }
    if (missing.length > 0) {
      // A provider's refusal (revoked, expired, freed) is passed on as itself; anything else is unavailability.
      throw new ProxyError(
        refusalOf(lastError) ?? 'UNAVAILABLE',
        `${missing.length} page(s) could not be read from any replica: ${lastError?.message ?? 'no provider left'}`,
      );
    }
  }

  private async readSlots(shard: number, slot: number, count: number): Promise<Uint8Array> {
    const s = this.record.shards[shard] as ShardInfo;
    const link = await this.linkTo(s.provider);
    const body = encodeJsonBody({ address: s.address, offset: slot * STORED_PAGE, length: count * STORED_PAGE });
    return link.request(ProxyMethod.Read, body, { timeoutMs: 15_000 });
  }

  private async writeBack(pages: readonly number[]): Promise<number> {
    if (pages.length === 0) return 0;
    const { providers: k, replicas: r } = this.record;
    const sealed = new Map(
      pages.map((p) => [p, sealPage(this.key, this.poolId, p, (this.cache.get(p) as CachedPage).data)]),
    );
    const byShard = new Map<number, { page: number; slot: number }[]>();
    for (const page of pages) {
      for (let replica = 0; replica < r; replica++) {
        const at = placement(page, replica, k, r);
        const list = byShard.get(at.shard) ?? [];
        list.push({ page, slot: at.slot });
        byShard.set(at.shard, list);
      }
    }
    const written = new Map<number, number>(pages.map((p) => [p, 0]));
    let lastError: Error | undefined;
    await Promise.all(
      [...byShard].map(async ([shard, list]) => {
        if (this.unreachable.has(shard)) {
          this.stale.add(shard);
          return;
        }
        try {
          for (const run of runs(list)) {
            const data = Buffer.concat(run.map((x) => sealed.get(x.page) as Buffer));
            const s = this.record.shards[shard] as ShardInfo;
            const link = await this.linkTo(s.provider);
            await link.request(ProxyMethod.Write, encodeWrite(s.address, run[0]!.slot * STORED_PAGE, data), {
              timeoutMs: 15_000,
            });
            for (const x of run) written.set(x.page, (written.get(x.page) ?? 0) + 1);
          }
        } catch (err) {
          lastError = err as Error;
          // This provider's copies may now be older than the others: it is not read from again.
          this.stale.add(shard);
          this.unreachable.add(shard);
          this.problems.set(shard, (err as Error).message);
        }
      }),
    );
    const lost = [...written].filter(([, n]) => n === 0).map(([p]) => p);
    if (lost.length > 0) {
      throw new ProxyError(
        refusalOf(lastError) ?? 'UNAVAILABLE',
        `${lost.length} page(s) could not be written to any replica: ${lastError?.message ?? ''}`,
      );
    }
    for (const p of pages) {
      const c = this.cache.get(p);
      if (c) c.dirty = false;
    }
    return pages.length;
  }
}

const REFUSALS = [
  'REVOKED',
  'EXPIRED',
  'FREED',
  'NOT_YOURS',
  'PERMISSION',
  'OUT_OF_BOUNDS',
  'UNKNOWN_ADDRESS',
] as const;

/** The provider's refusal in an error, as data: its own (ProxyError) or one that came over the wire (RpcError). */
function refusalOf(err: Error | undefined): (typeof REFUSALS)[number] | undefined {
  const reason =
    err instanceof ProxyError
      ? err.failure
      : err instanceof RpcError && err.remote?.code === ErrorCode.ProxyRefused
        ? err.remote.reason
        : undefined;
  return REFUSALS.find((r) => r === reason);
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}

/** Splits a slot list into runs whose slots are at most `maxGap` apart, each spanning at most RUN slots. */
function runs<T extends { slot: number }>(list: readonly T[], maxGap = 1): T[][] {
  const sorted = [...list].sort((a, b) => a.slot - b.slot);
  const out: T[][] = [];
  for (const x of sorted) {
    const run = out.at(-1);
    const prev = run?.at(-1);
    if (run && prev && x.slot - prev.slot <= maxGap && x.slot - run[0]!.slot < RUN) run.push(x);
    else out.push([x]);
  }
  return out;
}

/** Encapsulates a fresh data key to this node's own ML-KEM key: the ciphertext is stored, the key re-derived. */
export function newPoolKey(kemPublicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  return ml_kem768.encapsulate(kemPublicKey);
}

export function recoverPoolKey(kemSecretKey: Uint8Array, cipherText: Uint8Array): Uint8Array {
  return ml_kem768.decapsulate(cipherText, kemSecretKey);
}
