import { formatHostPort } from '../../shared/network';
import type {
  AssetSearchQuery,
  MeshPeerView,
  MeshStatus,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../../shared/mesh';
import { Allocation } from './allocation';
import { Announcements } from './announcements';
import { Connectivity } from './connectivity';
import { MeshContext, isRelayed, type MeshOptions } from './context';
import { createMeshNode, type MeshLibp2p } from './libp2p-node';
import { reachabilityOf } from './nat';
import { AnnouncementSync } from './sync';

export { reachabilityOf };
export { MESH_CHAIN_METHOD } from './announcements';
export { MESH_SYNC_METHOD } from './sync';
export { MeshError, OverQuotaError } from './errors';
export type { MeshOptions } from './context';

/**
 * The mesh: a libp2p node over STOQ (discovery by bootstrap, TrustChain names, mDNS and the DHT), a peer book in
 * SQLite, signed asset announcements over gossipsub, search, and allocation of peers' assets. docs/mesh.md.
 *
 * This class runs the node's lifecycle and the maintenance round and composes the parts, which share one
 * MeshContext: connectivity.ts, announcements.ts, sync.ts and allocation.ts.
 */
export class Mesh {
  private readonly ctx: MeshContext;
  private readonly announcements: Announcements;
  private readonly sync: AnnouncementSync;
  private readonly connectivity: Connectivity;
  private readonly allocation: Allocation;
  private timer: NodeJS.Timeout | undefined;
  private launching: Promise<void> | undefined;
  private problem: string | null = null;
  private maintaining = false;

  constructor(options: MeshOptions) {
    this.ctx = new MeshContext(options);
    this.announcements = new Announcements(this.ctx);
    this.sync = new AnnouncementSync(this.ctx, this.announcements);
    this.connectivity = new Connectivity(this.ctx, this.announcements);
    this.allocation = new Allocation(this.ctx, this.announcements, this.connectivity);
  }

  get libp2p(): MeshLibp2p | undefined {
    return this.ctx.node;
  }

  /**
   * Starts the mesh: the libp2p node itself starts once this node holds a TrustChain certificate (peers admit
   * certified nodes only, unless they accept self-signed ones), so an uncertified node neither dials nor answers
   * mDNS on the LAN.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    if (!this.ctx.options.settings().mesh.enabled) {
      this.problem = 'The mesh is turned off in Settings.';
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.ctx.options.maintenanceIntervalMs ?? 5_000);
    this.timer.unref();
    await this.tick();
  }

  private async tick(): Promise<void> {
    if (!this.ctx.node) {
      if (!this.connectivity.mayDial()) {
        this.problem = 'Waiting for a TrustChain certificate: mesh peers admit certified nodes only.';
        return;
      }
      this.launching ??= this.launch().finally(() => (this.launching = undefined));
      try {
        await this.launching;
      } catch (err) {
        this.problem = `The mesh could not start: ${(err as Error).message}`;
        this.ctx.options.log.warn(this.problem);
        return;
      }
    }
    await this.maintain();
  }

  private async launch(): Promise<void> {
    const { options } = this.ctx;
    const settings = options.settings();
    const node = await createMeshNode({
      identity: options.identity,
      stoq: options.stoq,
      mdns: settings.mesh.mdns,
      relay: settings.mesh.relay,
      admit: (call) =>
        call.peer.kind === 'trustchain' || options.settings().trust.acceptSelfSignedPeers
          ? null
          : 'the mesh needs a TrustChain certificate',
      onBound: (bound) => {
        this.connectivity.onBound(bound);
        this.sync.enqueue(bound);
      },
      isBlocked: (peer) => this.connectivity.isBlocked(peer),
      onDiscovery: (info) => this.connectivity.onDiscovery(info),
    });
    this.announcements.attach(node);
    await node.start();
    if (!this.timer) {
      // stopped meanwhile
      await node.stop();
      return;
    }
    this.announcements.started(node);
    this.ctx.node = node;
    this.problem = null;
    options.log.info(`mesh started as ${node.peerId.toString()}`);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.announcements.stop();
    await this.launching?.catch(() => undefined);
    const node = this.ctx.node;
    this.ctx.node = undefined;
    await node?.stop();
  }

  /** Applies changed mesh settings: a restart of the libp2p node (mDNS and relay are fixed at its creation). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** One round: keep enough connections, measure round trips, re-announce when due. Never throws. */
  private async maintain(): Promise<void> {
    const node = this.ctx.node;
    if (!node || this.maintaining) return;
    if (!this.connectivity.mayDial()) return;
    this.maintaining = true;
    try {
      await this.connectivity.keepConnected(node);
      this.connectivity.measure(node);
      this.sync.antiEntropy(node);
      await this.announcements.announceIfDue();
    } catch (err) {
      this.ctx.options.log.warn(`mesh maintenance: ${(err as Error).message}`);
    } finally {
      this.maintaining = false;
    }
  }

  /** A peer's standing in the peer book (0–1; 1 for a peer not in it yet). */
  trustScoreOf(nodeId: string): number {
    return this.ctx.book.get(nodeId)?.trustScore ?? 1;
  }

  /** Lowers a peer's trust score for something it did wrong (a wrong job result); returns the new score. */
  penalize(nodeId: string, reason: string): number | null {
    return this.ctx.book.penalize(nodeId, reason);
  }

  /** What this node offers may have changed (settings, a registration): announced within a second if it did. */
  assetsChanged(): void {
    this.announcements.changed();
  }

  search(query: AssetSearchQuery): RemoteAssetView[] {
    return this.allocation.search(query);
  }

  /** Allocates part of a peer's announced asset (allocation.ts). */
  allocate(
    request: RemoteAllocationRequest,
    signal?: AbortSignal,
    options: { billing?: 'usage' } = {},
  ): Promise<RemoteAllocationView> {
    return this.allocation.allocate(request, signal, options);
  }

  /** Gives back a lease held at a peer before its end (allocation.ts). */
  release(leaseId: string, signal?: AbortSignal): Promise<boolean> {
    return this.allocation.release(leaseId, signal);
  }

  /** Leases this node holds on peers' assets, current ones only. */
  leases(): RemoteAllocationView[] {
    return this.allocation.leases();
  }

  status(): MeshStatus {
    const node = this.ctx.node;
    const connected = new Map<string, boolean>();
    for (const c of node?.getConnections() ?? []) {
      const nodeId = this.ctx.nodeOfPeer.get(c.remotePeer.toString());
      if (!nodeId) continue;
      const relayed = isRelayed(c);
      connected.set(nodeId, (connected.get(nodeId) ?? true) && relayed);
    }
    const peers: MeshPeerView[] = this.ctx.book.list().map((p) => ({
      nodeId: p.nodeId,
      peerId: p.peerId,
      address: p.host !== null && p.port !== null ? formatHostPort({ host: p.host, port: p.port }) : null,
      connected: connected.has(p.nodeId),
      relayed: connected.get(p.nodeId) === true,
      lastSeen: p.lastSeen,
      rttMs: p.rttMs,
      trustScore: p.trustScore,
      rejected: p.rejected,
      lastRejection: p.lastRejection,
    }));
    const addresses = node?.getMultiaddrs().map((m) => m.toString()) ?? [];
    const now = this.ctx.now();
    const { lastAnnounce } = this.announcements;
    return {
      state: node ? 'running' : 'off',
      problem: node ? null : (this.problem ?? 'The mesh is not running.'),
      peerId: node?.peerId.toString() ?? null,
      reachability: reachabilityOf(addresses),
      addresses,
      peers,
      dhtPeers: node?.services.dht.routingTable.size ?? 0,
      remoteAssets: [...this.announcements.held.values()]
        .filter((h) => h.body.expiresAt > now)
        .reduce((n, h) => n + h.body.assets.length, 0),
      lastAnnouncedAt: lastAnnounce ? new Date(lastAnnounce.at).toISOString() : null,
    };
  }
}
