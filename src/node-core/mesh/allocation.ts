import type {
  AssetSearchQuery,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../../shared/mesh';
import { parseServiceAddress } from '../../shared/settings';
import { StoqCode } from '../transport/index';
import { RpcError } from '../transport/index';
import type { HostPort, PeerLink } from '../transport/index';
import { priceUnits, type AnnouncementBody } from './announcement';
import type { Announcements } from './announcements';
import type { Connectivity } from './connectivity';
import type { MeshContext } from './context';
import { MeshError, OverQuotaError } from './errors';
import { TRUST_FLOOR } from './peer-book';

/** How long one announced address of an allocation's owner is tried. */
const ADDRESS_DIAL_TIMEOUT_MS = 10_000;

/** Search of the announcements held, allocation of a peer's announced asset, and the leases this node holds. */
export class Allocation {
  constructor(
    private readonly ctx: MeshContext,
    private readonly announcements: Announcements,
    private readonly connectivity: Connectivity,
  ) {}

  search(query: AssetSearchQuery): RemoteAssetView[] {
    const now = this.ctx.now();
    const maxPrice = query.maxPricePerHour === undefined ? null : priceUnits(query.maxPricePerHour);
    const out: RemoteAssetView[] = [];
    for (const [nodeId, held] of this.announcements.held) {
      if (held.body.expiresAt <= now) {
        this.announcements.forget(nodeId);
        continue;
      }
      const peer = this.ctx.book.get(nodeId);
      if (peer && peer.trustScore < TRUST_FLOOR) continue;
      const rttMs = peer?.rttMs ?? null;
      if (query.maxLatencyMs !== undefined && (rttMs === null || rttMs > query.maxLatencyMs)) continue;
      for (const asset of held.body.assets) {
        if (query.kind !== undefined && asset.kind !== query.kind) continue;
        if (query.minCapacity !== undefined && asset.capacity.allowed < query.minCapacity) continue;
        if (maxPrice !== null && priceUnits(asset.pricePerHour) > maxPrice) continue;
        if (query.requireAllProofs && !Object.values(asset.requiredProofs).every(Boolean)) continue;
        out.push({
          assetId: asset.assetId,
          owner: nodeId,
          kind: asset.kind,
          capacity: asset.capacity,
          privacyLevel: asset.privacyLevel,
          allocationType: asset.allocationType,
          pricePerHour: asset.pricePerHour,
          requiredProofs: asset.requiredProofs,
          device: asset.device ?? null,
          rttMs,
          announcedAt: new Date(held.body.issuedAt).toISOString(),
          expiresAt: new Date(held.body.expiresAt).toISOString(),
        });
      }
    }
    return out.sort(
      (a, b) =>
        (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity) ||
        Number(priceUnits(a.pricePerHour) - priceUnits(b.pricePerHour)) ||
        a.assetId.localeCompare(b.assetId),
    );
  }

  /**
   * Allocates part of a peer's announced asset: dials its owner over STOQ and runs the four-proof allocation.
   * `billing: 'usage'` marks a lease paid by use (Catalog VM jobs queue their CPU- and memory-time with the ledger)
   * instead of for the time it is held.
   */
  async allocate(
    request: RemoteAllocationRequest,
    signal?: AbortSignal,
    options: { billing?: 'usage' } = {},
  ): Promise<RemoteAllocationView> {
    const { db, log, assets: registry } = this.ctx.options;
    if (!registry) throw new MeshError('assets are not running on this node');
    const held = [...this.announcements.held.values()].find((h) =>
      h.body.assets.some((a) => a.assetId === request.assetId),
    );
    const asset = held?.body.assets.find((a) => a.assetId === request.assetId);
    if (!held || !asset || held.body.expiresAt <= this.ctx.now()) {
      throw new MeshError(`no current announcement of asset ${request.assetId}; search again`);
    }
    if (request.amount > asset.capacity.allowed) {
      throw new OverQuotaError(`the owner offers at most ${asset.capacity.allowed} ${asset.capacity.unit}`);
    }
    const owner = held.body.nodeId;
    try {
      const link = await this.linkTo(held.body, signal);
      const { lease, ownerProof } = await registry.requestAllocation(link, request);
      db.prepare(
        'INSERT OR REPLACE INTO mesh_leases (lease_id, asset_id, owner, lease, expires_at) VALUES (?, ?, ?, ?, ?)',
      ).run(lease.id, request.assetId, owner, JSON.stringify({ ...lease, ...options }), lease.expiresAt);
      log.info(`allocated ${lease.amount} ${lease.unit} of ${asset.kind} at ${owner.slice(0, 8)}`);
      return leaseView(request.assetId, owner, lease, ownerProof.nodeId === owner);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof RpcError && err.stoqCode === StoqCode.OverQuota) {
        throw new OverQuotaError(`allocation at ${owner.slice(0, 8)} refused: ${message}`);
      }
      throw new MeshError(`allocation at ${owner.slice(0, 8)} failed: ${message}`);
    }
  }

  /**
   * Gives back a lease this node holds at a peer, before its end: false when the owner no longer holds it (it ended
   * or was never ours). Throws MeshError when the owner cannot be reached; the lease then ends at its time.
   */
  async release(leaseId: string, signal?: AbortSignal): Promise<boolean> {
    const { db, log, assets: registry, stoq } = this.ctx.options;
    if (!registry) throw new MeshError('assets are not running on this node');
    const row = db.prepare('SELECT owner FROM mesh_leases WHERE lease_id = ?').get(leaseId) as
      { owner: string } | undefined;
    if (!row) return false;
    const held = this.announcements.held.get(row.owner);
    try {
      const link = held ? await this.linkTo(held.body, signal) : await stoq.dialNode(row.owner, signal);
      const released = await registry.requestRelease(link, leaseId, signal);
      db.prepare('DELETE FROM mesh_leases WHERE lease_id = ?').run(leaseId);
      if (released) log.info(`released lease ${leaseId.slice(0, 12)} at ${row.owner.slice(0, 8)}`);
      return released;
    } catch (err) {
      throw new MeshError(
        `releasing lease ${leaseId.slice(0, 12)} at ${row.owner.slice(0, 8)} failed: ${(err as Error).message}`,
      );
    }
  }

  /**
   * A STOQ link to an announcement's owner: the connection already open to it, else the one a direct libp2p path
   * brings (a dial, or a relayed connection that DCUtR upgrades by hole punching), else each announced address.
   */
  private async linkTo(body: AnnouncementBody, signal?: AbortSignal): Promise<PeerLink> {
    const { log, stoq } = this.ctx.options;
    const addresses = body.addresses.map((a) => parseServiceAddress(a)).filter((a): a is HostPort => a !== null);
    if (addresses.length === 0) throw new MeshError('the owner announced no address');
    await this.connectivity
      .directPath(body.peerId, signal)
      .catch((err: unknown) =>
        log.debug(`no direct path to ${body.nodeId.slice(0, 8)} through libp2p: ${String(err)}`),
      );
    let lastError: unknown;
    for (const address of addresses) {
      signal?.throwIfAborted();
      try {
        // The open STOQ connection to the owner is reused, whatever address it was made at.
        const attempt = AbortSignal.timeout(ADDRESS_DIAL_TIMEOUT_MS);
        return await stoq.dial(address, body.nodeId, signal ? AbortSignal.any([signal, attempt]) : attempt);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new MeshError(String(lastError));
  }

  /** Leases this node holds on peers' assets, current ones only. */
  leases(): RemoteAllocationView[] {
    const rows = this.ctx.options.db
      .prepare('SELECT asset_id, owner, lease FROM mesh_leases WHERE expires_at > ? ORDER BY expires_at')
      .all(this.ctx.now()) as { asset_id: string; owner: string; lease: string }[];
    return rows.map((r) => leaseView(r.asset_id, r.owner, JSON.parse(r.lease) as LeaseJson, true));
  }
}

interface LeaseJson {
  id: string;
  kind: RemoteAllocationView['kind'];
  amount: number;
  unit: RemoteAllocationView['unit'];
  grantedAt: number;
  expiresAt: number;
}

function leaseView(assetId: string, owner: string, lease: LeaseJson, verified: boolean): RemoteAllocationView {
  return {
    leaseId: lease.id,
    assetId,
    owner,
    kind: lease.kind,
    amount: lease.amount,
    unit: lease.unit,
    grantedAt: new Date(lease.grantedAt).toISOString(),
    expiresAt: new Date(lease.expiresAt).toISOString(),
    ownerProofVerified: verified,
  };
}
