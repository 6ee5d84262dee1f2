import { randomBytes } from 'node:crypto';
import type { ProvidedMappingView, ProxyPermission } from '../../shared/proxy';
import type { MemoryAdapter } from '../assets/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import type { StoqRouter } from '../transport/index';
import { decodeJsonBody, handleJson } from '../transport/index';
import {
  anonymousCoordinates,
  canonicalOrUndefined,
  formatProxyAddress,
  newFingerprint,
  nodeCoordinates,
} from './address';
import { ProxyError } from './errors';
import { PROXY_IO_MAX_BYTES, checkAccess, type ProxyMapping } from './table';
import { MappingUsage } from './usage';

/**
 * The providing side of the memory proxy: a translation table (SQLite `proxy_mappings`) from proxy addresses to
 * windows of leases that consumers hold on this node's memory asset, and the STOQ methods that read, write and free
 * through it. Every access is checked (`checkAccess`) before the memory adapter — which checks the lease's bounds
 * again — is touched. The bytes are whatever the consumer wrote: encrypted by it (docs/proxy.md).
 */
export const ProxyMethod = {
  /** To a node serving as a proxy: lease and map memory somewhere in its name, for an anonymous consumer. */
  Anonymous: 'proxy.anonymous',
  Map: 'proxy.map',
  Read: 'proxy.read',
  Write: 'proxy.write',
  Free: 'proxy.free',
} as const;

export interface ProxyProviderOptions {
  readonly db: Db;
  readonly nodeId: string;
  /** The memory asset's adapter (absent while the hardware is being read or memory is not shared). */
  readonly memory: () => MemoryAdapter | undefined;
  /** The memory asset's AssetId, recorded with each mapping. */
  readonly memoryAssetId?: () => string | undefined;
  /** Secret for anonymous mappings' coordinates. */
  readonly secret: Uint8Array;
  readonly log: Logger;
  readonly now?: () => number;
  /** Forwards this node holds as a proxy for anonymous consumers (their addresses are translated, not served). */
  readonly relay?: {
    handles(address: string): boolean;
    read(caller: string, address: string, offset: number, length: number): Promise<Uint8Array>;
    write(caller: string, address: string, offset: number, data: Uint8Array): Promise<void>;
    free(caller: string, address: string): Promise<void>;
  };
}

interface Row {
  address: string;
  consumer: string;
  anonymous: number;
  asset_id: string;
  lease_id: string;
  offset: number;
  length: number;
  permissions: ProxyPermission;
  created_at: number;
  expires_at: number;
  state: 'active' | 'revoked' | 'freed';
  bytes_read: number;
  bytes_written: number;
  reads: number;
  writes: number;
}

function toMapping(r: Row): ProxyMapping {
  return {
    address: r.address,
    consumer: r.consumer,
    anonymous: r.anonymous === 1,
    assetId: r.asset_id,
    leaseId: r.lease_id,
    offset: r.offset,
    length: r.length,
    permissions: r.permissions,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    state: r.state,
  };
}

const notJson = () => new ProxyError('UNKNOWN_ADDRESS', 'the request is not JSON');

function parseJson(body: Uint8Array): Record<string, unknown> {
  const decoded = decodeJsonBody(body);
  if (!decoded) throw notJson();
  return requestObject(decoded.value);
}

function requestObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ProxyError('UNKNOWN_ADDRESS', 'the request is not an object');
  return v as Record<string, unknown>;
}

/** proxy.map's request, checked. */
function mapRequest(v: unknown) {
  const o = requestObject(v);
  const permissions = o.permissions === 'r' ? 'r' : o.permissions === 'rw' ? 'rw' : undefined;
  if (!permissions) throw new ProxyError('PERMISSION', 'permissions must be "r" or "rw"');
  if (typeof o.leaseId !== 'string' || o.leaseId.length > 128)
    throw new ProxyError('UNKNOWN_ADDRESS', 'leaseId must be text');
  const shard = int(o.shard ?? 0, 'shard');
  if (shard > 0xffff) throw new ProxyError('OUT_OF_BOUNDS', 'shard must be 0–65535');
  return {
    leaseId: o.leaseId,
    offset: int(o.offset, 'offset'),
    length: int(o.length, 'length'),
    permissions,
    shard,
    anonymous: o.anonymous === true,
  } as const;
}

/** proxy.free's request: `{address}`. */
function addressRequest(v: unknown): { address: string } {
  const o = requestObject(v);
  if (typeof o.address !== 'string') throw new ProxyError('UNKNOWN_ADDRESS', 'address must be text');
  return { address: o.address };
}

/** The answer to proxy.map and proxy.anonymous: the mapping's address (the provider's or the proxy's) and expiry. */
export interface MappingReply {
  readonly address: string;
  readonly expiresAt: number;
  readonly length: number;
}

/** Checks a peer's MappingReply. */
export function mappingReply(v: unknown): MappingReply {
  const o = v as Partial<MappingReply> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.address !== 'string' ||
    !Number.isSafeInteger(o.expiresAt) ||
    !Number.isSafeInteger(o.length)
  ) {
    throw new ProxyError('UNAVAILABLE', 'the peer answered without a mapping');
  }
  return { address: o.address, expiresAt: o.expiresAt as number, length: o.length as number };
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ProxyError('OUT_OF_BOUNDS', `${what} must be a whole number ≥ 0`);
  return v;
}

/** `proxy.write` body: u32 header length ‖ JSON header {address, offset} ‖ the bytes. */
export function encodeWrite(address: string, offset: number, data: Uint8Array): Buffer {
  const header = Buffer.from(JSON.stringify({ address, offset }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, data]);
}

export class ProxyProvider {
  private readonly now: () => number;
  private readonly usage: MappingUsage;
  /** Prepared once: compiling the statement on each access cost as much as running it. */
  private readonly byAddress;

  constructor(private readonly options: ProxyProviderOptions) {
    this.now = options.now ?? Date.now;
    this.usage = new MappingUsage(options.db);
    this.byAddress = options.db.prepare('SELECT * FROM proxy_mappings WHERE address = ?');
  }

  /** Writes the traffic counters still held in memory (the node is stopping). */
  stop(): void {
    this.usage.stop();
  }

  private get(address: string): ProxyMapping | undefined {
    const canonical = canonicalOrUndefined(address);
    if (canonical === undefined) return undefined;
    const row = this.byAddress.get(canonical) as Row | undefined;
    return row ? toMapping(row) : undefined;
  }

  private adapter(): MemoryAdapter {
    const memory = this.options.memory();
    if (!memory) throw new ProxyError('UNAVAILABLE', 'this node shares no memory now');
    return memory;
  }

  /** A new mapping over [offset, offset + length) of a lease the caller holds on this node's memory. */
  map(
    caller: string,
    request: {
      leaseId: string;
      offset: number;
      length: number;
      permissions: ProxyPermission;
      shard: number;
      anonymous: boolean;
    },
  ): ProxyMapping {
    const memory = this.adapter();
    const lease = memory.usage().leases.find((l) => l.id === request.leaseId);
    if (!lease) throw new ProxyError('UNKNOWN_ADDRESS', 'no such lease on this node\u2019s memory');
    if (lease.consumer !== caller) throw new ProxyError('NOT_YOURS', 'the lease is another consumer\u2019s');
    if (request.length < 1 || request.offset + request.length > lease.amount) {
      throw new ProxyError('OUT_OF_BOUNDS', `the mapping must lie inside the lease's ${lease.amount} bytes`);
    }
    const fingerprint = newFingerprint();
    const coordinates = request.anonymous
      ? anonymousCoordinates(this.options.secret, fingerprint)
      : nodeCoordinates(this.options.nodeId);
    const address = formatProxyAddress({ coordinates, fingerprint, shard: request.shard });
    const now = this.now();
    this.options.db
      .prepare(
        `INSERT INTO proxy_mappings (address, consumer, anonymous, asset_id, lease_id, offset, length, permissions,
           created_at, expires_at, state, bytes_read, bytes_written, reads, writes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, 0, 0, 0)`,
      )
      .run(
        address,
        caller,
        request.anonymous ? 1 : 0,
        this.options.memoryAssetId?.() ?? '',
        lease.id,
        request.offset,
        request.length,
        request.permissions,
        now,
        lease.expiresAt,
      );
    this.options.log.info(`proxy: mapped ${address} (${request.length} B of lease ${lease.id.slice(0, 8)})`);
    return this.get(address) as ProxyMapping;
  }

  read(caller: string, address: string, offset: number, length: number): Uint8Array {
    const m = checkAccess(this.get(address), { op: 'read', caller, offset, length, now: this.now() });
    const bytes = this.adapter().read(m.leaseId, m.offset + offset, length);
    this.usage.read(m.address, length);
    return bytes;
  }

  write(caller: string, address: string, offset: number, data: Uint8Array): void {
    const m = checkAccess(this.get(address), { op: 'write', caller, offset, length: data.length, now: this.now() });
    this.adapter().write(m.leaseId, m.offset + offset, data);
    this.usage.written(m.address, data.length);
  }

  /** Frees the mapping; the last active mapping of a lease releases the lease (its memory is zeroed). */
  free(caller: string, address: string): void {
    const m = checkAccess(this.get(address), { op: 'free', caller, offset: 0, length: 0, now: this.now() });
    this.options.db.prepare("UPDATE proxy_mappings SET state = 'freed' WHERE address = ?").run(m.address);
    const others = this.options.db
      .prepare("SELECT COUNT(*) AS n FROM proxy_mappings WHERE lease_id = ? AND state = 'active'")
      .get(m.leaseId) as { n: number };
    if (others.n === 0) {
      try {
        this.options.memory()?.release(m.leaseId);
      } catch {
        // the lease had ended already
      }
    }
  }

  /** The user revokes a mapping from the Memory page: every later access is refused. */
  revoke(address: string): ProvidedMappingView {
    const m = this.get(address);
    if (!m) throw new ProxyError('UNKNOWN_ADDRESS', 'no mapping has this address here');
    if (m.state === 'active')
      this.options.db.prepare("UPDATE proxy_mappings SET state = 'revoked' WHERE address = ?").run(m.address);
    this.options.log.info(`proxy: revoked ${m.address}`);
    return this.views().find((v) => v.address === m.address) as ProvidedMappingView;
  }

  views(): ProvidedMappingView[] {
    this.usage.flush();
    const now = this.now();
    const rows = this.options.db
      .prepare('SELECT * FROM proxy_mappings ORDER BY created_at DESC LIMIT 500')
      .all() as Row[];
    return rows.map((r) => ({
      address: r.address,
      consumer: r.anonymous === 1 ? null : r.consumer,
      assetId: r.asset_id,
      leaseId: r.lease_id,
      length: r.length,
      permissions: r.permissions,
      createdAt: new Date(r.created_at).toISOString(),
      expiresAt: new Date(r.expires_at).toISOString(),
      state: r.state === 'active' && now >= r.expires_at ? 'expired' : r.state,
      bytesRead: r.bytes_read,
      bytesWritten: r.bytes_written,
      reads: r.reads,
      writes: r.writes,
    }));
  }

  serve(router: StoqRouter): void {
    handleJson(router, ProxyMethod.Map, { validate: mapRequest, notJson }, (req, ctx) => {
      const m = this.map(ctx.peer.nodeId, req);
      return { address: m.address, expiresAt: m.expiresAt, length: m.length } satisfies MappingReply;
    });
    const relay = this.options.relay;
    router.rpc(ProxyMethod.Read, (body, ctx) => {
      const o = parseJson(body);
      if (typeof o.address !== 'string') throw new ProxyError('UNKNOWN_ADDRESS', 'address must be text');
      const [offset, length] = [int(o.offset, 'offset'), int(o.length, 'length')];
      if (relay?.handles(o.address)) return relay.read(ctx.peer.nodeId, o.address, offset, length);
      return this.read(ctx.peer.nodeId, o.address, offset, length);
    });
    router.rpc(ProxyMethod.Write, (body, ctx) => {
      if (body.length < 4) throw new ProxyError('UNKNOWN_ADDRESS', 'a write carries a header');
      const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const headerLength = view.readUInt32BE(0);
      if (headerLength > 1024 || 4 + headerLength > view.length)
        throw new ProxyError('UNKNOWN_ADDRESS', 'bad write header');
      const o = parseJson(view.subarray(4, 4 + headerLength));
      if (typeof o.address !== 'string') throw new ProxyError('UNKNOWN_ADDRESS', 'address must be text');
      const data = view.subarray(4 + headerLength);
      if (data.length > PROXY_IO_MAX_BYTES) throw new ProxyError('OUT_OF_BOUNDS', 'too much data in one write');
      const offset = int(o.offset, 'offset');
      if (relay?.handles(o.address)) {
        return relay.write(ctx.peer.nodeId, o.address, offset, data).then(() => new Uint8Array(0));
      }
      this.write(ctx.peer.nodeId, o.address, offset, data);
      return new Uint8Array(0);
    });
    handleJson(router, ProxyMethod.Free, { validate: addressRequest, notJson }, async ({ address }, ctx) => {
      if (relay?.handles(address)) await relay.free(ctx.peer.nodeId, address);
      else this.free(ctx.peer.nodeId, address);
    });
  }
}

export function newProxySecret(): Uint8Array {
  return randomBytes(32);
}
