import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Statement } from 'better-sqlite3';
import type { Connection, PeerId, PeerInfo } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { formatHostPort } from '../../shared/network';
import { shuffled } from '../../shared/random';
import type {
  AssetSearchQuery,
  MeshPeerView,
  MeshStatus,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../../shared/mesh';
import { parseServiceAddress, splitAddressList, type Settings } from '../../shared/settings';
import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { AssetRegistry } from '../assets/registry';
import type { NodeIdentity } from '../identity/identity';
import type { Logger } from '../logging/log-book';
import type { Db } from '../store/database';
import type { HostPort, PeerLink, Transport as StoqTransport } from '../transport/stoq/transport';
import { sharedPqVerifier, type PqVerifier } from '../crypto';
import type { TrustClient } from '../trust/trust-client';
import {
  AnnouncementError,
  MAX_SYNC_ANSWER_BYTES,
  MAX_SYNC_HAVE,
  MAX_CHAIN_REQUEST,
  chainDigest,
  decodeAnnouncement,
  decodeChainAnswer,
  decodeChainRequest,
  decodeSyncAnswer,
  decodeSyncRequest,
  encodeAnnouncement,
  encodeChainAnswer,
  encodeChainRequest,
  encodeCompactAnnouncement,
  encodeSyncAnswer,
  encodeSyncRequest,
  priceUnits,
  signingInput,
  type AnnouncedAsset,
  type AnnouncementBody,
  type ReceivedAnnouncement,
} from './announcement';
import { ANNOUNCE_TOPIC, createMeshNode, type MeshLibp2p } from './libp2p-node';
import { circuitView, reachabilityOf } from './nat';
import { PeerBook, TRUST_FLOOR } from './peer-book';
import { stoqAddressOf, stoqMultiaddr, type BoundPeer } from './stoq-libp2p';
import { RpcError } from '../transport/stoq/rpc';
import { StoqCode } from '../transport/stoq/frames';

export { reachabilityOf };

export class MeshError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.Transport, message);
  }
}

/** An allocation over what the owner's share allows now: refused with the stable code OVER_QUOTA. */
export class OverQuotaError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.OverQuota, message);
  }
}

export interface MeshOptions {
  readonly identity: NodeIdentity;
  readonly stoq: StoqTransport;
  readonly db: Db;
  readonly log: Logger;
  readonly settings: () => Settings;
  readonly trust: TrustClient | undefined;
  readonly assets: AssetRegistry | undefined;
  /** How often the node re-announces its assets (and at once when they change). Default 60 s. */
  readonly announceIntervalMs?: number;
  /** How long an announcement is valid. Default 5 min (at most MAX_ANNOUNCEMENT_TTL_MS). */
  readonly announcementTtlMs?: number;
  /** How often bootstrap, dialling of discovered peers and RTT measurement run. Default 5 s. */
  readonly maintenanceIntervalMs?: number;
  readonly now?: () => number;
  /** Where announcement signatures are checked: by default a process-wide pool of worker threads. */
  readonly signatures?: PqVerifier;
}

interface KnownAnnouncement {
  readonly body: AnnouncementBody;
  /** The signed announcement in compact form, as it is passed on (null for one kept by an older version, which
   *  stored the body only). */
  readonly signed: Uint8Array | null;
  /** SHA-256 of the owner's chain (null with `signed`). */
  readonly chainRef: string | null;
  readonly receivedAt: number;
}

/** Where the chain of an announcement in compact form may be had: the peer that passed it on. */
type ChainSource = (digest: string) => Promise<readonly Uint8Array[] | null>;

/** STOQ call by which two peers that connect pull each other's announcements (docs/mesh.md: Sync on connect). */
export const MESH_SYNC_METHOD = 'mesh.sync';
/** STOQ call by which a peer asks for the certificate chains behind announcements it got in compact form. */
export const MESH_CHAIN_METHOD = 'mesh.chain';
/** How long a peer has to answer a chain request. */
const CHAIN_TIMEOUT_MS = 10_000;
/** How long a peer has to answer one sync request (it answers from memory, but may be busy). */
const SYNC_TIMEOUT_MS = 30_000;
/** Rounds of one sync at most (each answer carries up to MAX_SYNC_ANSWER_BYTES). */
const SYNC_ROUNDS = 16;
/** An announcement this close to expiry is not passed on by sync (it could expire on the way). */
const SYNC_EXPIRY_MARGIN_MS = 10_000;

/** Below this many connections the node dials bootstrap peers and peers it discovered. */
const TARGET_CONNECTIONS = 8;
/** Circuit relay v2's protocol of relays (a peer that speaks it may hold a reservation for a peer behind NAT). */
const RELAY_HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop';
/** How long the maintenance leaves a peer behind NAT it could not reach before trying again. */
const DIAL_BACKOFF_MS = 60_000;

/** A peer's own addresses failed, and no connected peer is a relay to reach it through (yet). */
class NoRelayError extends Error {
  override readonly name = 'NoRelayError';
}
/** How long one announced address of an allocation's owner is tried. */
const ADDRESS_DIAL_TIMEOUT_MS = 10_000;
/** How long a relayed connection is given to be upgraded by DCUtR (its own attempts time out after 5 s). */
const HOLE_PUNCH_WAIT_MS = 12_000;

/**
 * The mesh: a libp2p node over STOQ (discovery by bootstrap, TrustChain names, mDNS and the DHT), a peer book in
 * SQLite, signed asset announcements over gossipsub, search, and allocation of peers' assets. docs/mesh.md.
 */
export class Mesh {
  private node: MeshLibp2p | undefined;
  private readonly book: PeerBook;
  private readonly nodeOfPeer = new Map<string, string>();
  /** PeerId → when the maintenance may dial that peer behind NAT again after a failed dial. */
  private readonly dialBackoff = new Map<string, number>();
  /** Peers whose dial failed while no relay was connected to try them through. */
  private readonly awaitingRelay = new Set<string>();
  private readonly announcements = new Map<string, KnownAnnouncement>();
  /** The certificate chains of the announcements held (and this node's own), by digest: looked up when an
   *  announcement arrives in compact form, and given to peers that ask. */
  private readonly chains = new Map<string, readonly Uint8Array[]>();
  /** Chain requests under way, by digest, so concurrent announcements of one owner ask once. */
  private readonly chainFetches = new Map<string, Promise<readonly Uint8Array[] | null>>();
  private readonly verifiedChains = new Map<
    string,
    { nodeId: string; serialHex: string; mldsaPublicKey: Uint8Array; until: number }
  >();
  private timer: NodeJS.Timeout | undefined;
  private lastAnnounce: { at: number; fingerprint: string } | null = null;
  /** This node's newest signed announcement, passed on as is by sync. */
  private ownSigned: { seq: number; expiresAt: number; bytes: Uint8Array } | null = null;
  /** The last announcement went out while no peer was subscribed: publish again when the first one is. */
  private announcedAlone = false;
  /** Syncs run one after another, so each asks with what the ones before brought. */
  private syncQueue: Promise<void> = Promise.resolve();
  private readonly syncsQueued = new Set<string>();
  private seq = 0;
  private problem: string | null = null;
  private maintaining = false;
  private bootstrapCache: { at: number; addresses: HostPort[] } | null = null;
  private readonly now: () => number;

  constructor(private readonly options: MeshOptions) {
    this.book = new PeerBook(options.db);
    this.now = options.now ?? Date.now;
    this.loadAnnouncements();
    options.stoq.router.rpc(MESH_SYNC_METHOD, (body, ctx) => this.serveSync(body, ctx.peer.nodeId));
    options.stoq.router.rpc(MESH_CHAIN_METHOD, (body) => this.serveChains(body));
  }

  get libp2p(): MeshLibp2p | undefined {
    return this.node;
  }

  /**
   * Starts the mesh: the libp2p node itself starts once this node holds a TrustChain certificate (peers admit
   * certified nodes only, unless they accept self-signed ones), so an uncertified node neither dials nor answers
   * mDNS on the LAN.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    if (!this.options.settings().mesh.enabled) {
      this.problem = 'The mesh is turned off in Settings.';
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.options.maintenanceIntervalMs ?? 5_000);
    this.timer.unref();
    await this.tick();
  }

  private launching: Promise<void> | undefined;

  private async tick(): Promise<void> {
    if (!this.node) {
      if (!this.mayDial()) {
        this.problem = 'Waiting for a TrustChain certificate: mesh peers admit certified nodes only.';
        return;
      }
      this.launching ??= this.launch().finally(() => (this.launching = undefined));
      try {
        await this.launching;
      } catch (err) {
        this.problem = `The mesh could not start: ${(err as Error).message}`;
        this.options.log.warn(this.problem);
        return;
      }
    }
    await this.maintain();
  }

  private async launch(): Promise<void> {
    const settings = this.options.settings();
    const node = await createMeshNode({
      identity: this.options.identity,
      stoq: this.options.stoq,
      mdns: settings.mesh.mdns,
      relay: settings.mesh.relay,
      admit: (ctx) =>
        ctx.peer.kind === 'trustchain' || this.options.settings().trust.acceptSelfSignedPeers
          ? null
          : 'the mesh needs a TrustChain certificate',
      onBound: (bound) => this.onBound(bound),
      isBlocked: (peer) => this.isBlocked(peer),
      onDiscovery: (info) => this.onDiscovery(info),
    });
    // A peer that connects pulls this node's announcement itself (sync); the mesh at large hears it by gossip, so it
    // is published again only when it last went out to nobody (not on every connection, which costs a signature
    // and a flood of the whole mesh each time).
    node.services.pubsub.addEventListener('subscription-change', (evt) => {
      if (this.announcedAlone && evt.detail.subscriptions.some((s) => s.topic === ANNOUNCE_TOPIC && s.subscribe)) {
        this.scheduleAnnounce();
      }
    });
    await node.start();
    if (!this.timer) {
      // stopped meanwhile
      await node.stop();
      return;
    }
    node.services.pubsub.topicValidators.set(ANNOUNCE_TOPIC, (from, msg) => this.validate(from, msg.data));
    node.services.pubsub.subscribe(ANNOUNCE_TOPIC);
    this.node = node;
    this.problem = null;
    // The first id starts at the clock, so announcements after a restart still supersede earlier ones.
    this.seq = Math.max(this.seq, this.now());
    this.options.log.info(`mesh started as ${node.peerId.toString()}`);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.announceChangedSoon);
    this.announceChangedSoon = undefined;
    await this.launching?.catch(() => undefined);
    const node = this.node;
    this.node = undefined;
    await node?.stop();
  }

  /** Applies changed mesh settings: a restart of the libp2p node (mDNS and relay are fixed at its creation). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  // ---- discovery and the peer book ----

  private onBound(bound: BoundPeer): void {
    const peerId = bound.peerId.toString();
    this.nodeOfPeer.set(peerId, bound.nodeId);
    // An inbound peer's source address is its listening socket too (STOQ dials from the socket it listens on).
    this.book.seen(bound.nodeId, {
      host: bound.address.host,
      port: bound.address.port,
      peerId,
      ...(bound.serialHex ? { certificate: bound.serialHex } : {}),
    });
    this.queueSync(bound);
  }

  private isBlocked(peer: PeerId): boolean {
    const nodeId = this.nodeOfPeer.get(peer.toString()) ?? this.book.byPeerId(peer.toString())?.nodeId;
    if (!nodeId) return false;
    return (this.book.get(nodeId)?.trustScore ?? 1) < TRUST_FLOOR;
  }

  /** A peer's standing in the peer book (0–1; 1 for a peer not in it yet). */
  trustScoreOf(nodeId: string): number {
    return this.book.get(nodeId)?.trustScore ?? 1;
  }

  /** Lowers a peer's trust score for something it did wrong (a wrong job result); returns the new score. */
  penalize(nodeId: string, reason: string): number | null {
    return this.book.penalize(nodeId, reason);
  }

  /** Peers admit certified nodes only (unless they accept self-signed ones): no point dialling before. */
  private mayDial(): boolean {
    return this.options.trust?.chain() != null || this.options.settings().trust.acceptSelfSignedPeers;
  }

  private onDiscovery(info: PeerInfo): void {
    const node = this.node;
    if (!node || !this.mayDial() || node.getConnections().length >= TARGET_CONNECTIONS) return;
    if (node.getConnections(info.id).length > 0 || info.multiaddrs.length === 0) return;
    node.dial(info.id).catch((err: unknown) => this.options.log.debug(`dial ${info.id.toString()}: ${String(err)}`));
  }

  /** Bootstrap addresses: the setting, then the nodes the TrustChain name `hypermesh` resolves to (cached 5 min). */
  private async bootstrapAddresses(): Promise<HostPort[]> {
    const fromSettings = splitAddressList(this.options.settings().mesh.bootstrap)
      .map((entry) => parseServiceAddress(entry))
      .filter((a): a is HostPort => a !== null);
    if (!this.bootstrapCache || this.now() - this.bootstrapCache.at > 300_000) {
      let resolved: HostPort[] = [];
      if (this.options.trust && this.options.trust.status().state === 'certified') {
        try {
          const name = await this.options.trust.resolve('hypermesh');
          resolved = name.addresses.map((a) => parseServiceAddress(a)).filter((a): a is HostPort => a !== null);
        } catch (err) {
          this.options.log.debug(`bootstrap name: ${(err as Error).message}`);
        }
      }
      this.bootstrapCache = { at: this.now(), addresses: resolved };
    }
    const own = formatHostPort(this.options.stoq.address);
    const all = [...fromSettings, ...this.bootstrapCache.addresses];
    return all.filter((a, i) => formatHostPort(a) !== own && all.findIndex((b) => sameAddress(a, b)) === i);
  }

  /** One round: keep enough connections, measure round trips, re-announce when due. Never throws. */
  private async maintain(): Promise<void> {
    const node = this.node;
    if (!node || this.maintaining) return;
    if (!this.mayDial()) return;
    this.maintaining = true;
    try {
      if (node.getConnections().length < TARGET_CONNECTIONS) {
        const wasAlone = node.getConnections().length === 0;
        // Peers reached directly are at their listening address (STOQ dials from the socket it listens on).
        const connected = new Set(
          node
            .getConnections()
            .filter((c) => !isRelayed(c))
            .map((c) => stoqAddressOf(c.remoteAddr))
            .filter((a): a is HostPort => a !== null)
            .map((a) => formatHostPort(a)),
        );
        for (const address of await this.bootstrapAddresses()) {
          if (connected.has(formatHostPort(address))) continue;
          try {
            await node.dial(stoqMultiaddr(address), { signal: AbortSignal.timeout(10_000) });
          } catch (err) {
            this.options.log.debug(`bootstrap ${formatHostPort(address)}: ${(err as Error).message}`);
          }
        }
        // A lookup of our own key fills the routing table with the peers nearest us (and them with us).
        if (wasAlone && node.getConnections().length > 0) await this.selfLookup(node);
        await this.dialKnownPeers(node);
      }
      this.measure(node);
      this.antiEntropy(node);
      await this.announceIfDue();
    } catch (err) {
      this.options.log.warn(`mesh maintenance: ${(err as Error).message}`);
    } finally {
      this.maintaining = false;
    }
  }

  private async selfLookup(node: MeshLibp2p): Promise<void> {
    try {
      for await (const event of node.services.dht.getClosestPeers(node.peerId.toMultihash().bytes, {
        signal: AbortSignal.timeout(15_000),
      })) {
        void event;
      }
    } catch (err) {
      this.options.log.debug(`self lookup: ${(err as Error).message}`);
    }
  }

  /**
   * Dials peers until the target is met, in random order (so joining nodes spread over the mesh instead of all
   * dialling the same first peers), several at once: those the peer store knows (DHT, mDNS, identify) and those
   * whose current, signed announcement this node holds (at the STOQ address they announce first). A peer behind NAT
   * is reached through a relay (dialPeer), and DCUtR may then upgrade the connection by hole punching. A peer that
   * could not be reached is left alone for a minute.
   */
  private async dialKnownPeers(node: MeshLibp2p): Promise<void> {
    const want = TARGET_CONNECTIONS - node.getConnections().length;
    if (want <= 0) return;
    // Peers that could not be reached before any relay was connected are tried again as soon as one is.
    if (this.awaitingRelay.size > 0 && (await this.relaysConnected(node)).length > 0) {
      for (const key of this.awaitingRelay) this.dialBackoff.delete(key);
      this.awaitingRelay.clear();
    }
    const now = this.now();
    const candidates = new Map<string, { peer: PeerId; address: HostPort | null }>();
    for (const known of await node.peerStore.all()) {
      if (known.addresses.length > 0) candidates.set(known.id.toString(), { peer: known.id, address: null });
    }
    for (const held of this.announcements.values()) {
      if (held.body.expiresAt <= now || candidates.has(held.body.peerId)) continue;
      try {
        const peer = peerIdFromString(held.body.peerId);
        candidates.set(held.body.peerId, { peer, address: parseServiceAddress(held.body.addresses[0] ?? '') });
      } catch {
        // an announcement's PeerId is checked on receipt; an older stored one may not parse
      }
    }
    const eligible = shuffled(
      [...candidates.values()].filter(
        ({ peer }) =>
          !peer.equals(node.peerId) &&
          node.getConnections(peer).length === 0 &&
          !this.isBlocked(peer) &&
          (this.dialBackoff.get(peer.toString()) ?? 0) <= now,
      ),
    );
    await Promise.all(
      eligible.slice(0, want).map(async ({ peer, address }) => {
        const key = peer.toString();
        try {
          if (address) await node.peerStore.merge(peer, { multiaddrs: [stoqMultiaddr(address)] });
          await this.dialPeer(node, peer);
          this.dialBackoff.delete(key);
        } catch (err) {
          this.dialBackoff.set(key, this.now() + DIAL_BACKOFF_MS);
          if (err instanceof NoRelayError) this.awaitingRelay.add(key);
          this.options.log.debug(`dial ${key}: ${(err as Error).message}`);
        }
      }),
    );
  }

  /**
   * Dials a peer by PeerId; when the addresses held fail (those of a peer behind NAT are private), dials it through
   * each relay this node is connected to: a peer behind NAT holds a reservation on one (circuit relay v2), and a
   * relay without one refuses at once.
   */
  private async dialPeer(node: MeshLibp2p, peer: PeerId, signal?: AbortSignal): Promise<Connection> {
    const bounded = (ms: number) =>
      signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
    try {
      return await node.dial(peer, { signal: bounded(10_000) });
    } catch (err) {
      // In the form libp2p's circuit transport takes (it knows no `/stoq` relay address): over the connection held.
      const through = (await this.relaysConnected(node))
        .filter((relay) => !relay.equals(peer))
        .map((relay) => multiaddr(`/p2p/${relay.toString()}/p2p-circuit/p2p/${peer.toString()}`));
      if (through.length === 0) throw new NoRelayError((err as Error).message, { cause: err });
      return node.dial(through, { signal: bounded(10_000) });
    }
  }

  /** Peers connected directly that serve as circuit relays (identify told which speak the relay protocol). */
  private async relaysConnected(node: MeshLibp2p): Promise<PeerId[]> {
    const relays: PeerId[] = [];
    for (const c of node.getConnections()) {
      if (isRelayed(c)) continue;
      const known = await node.peerStore.get(c.remotePeer).catch(() => undefined);
      if (known?.protocols.includes(RELAY_HOP_PROTOCOL)) relays.push(c.remotePeer);
    }
    return relays;
  }

  /** Round trips come from libp2p's connection monitor, which pings every connection. */
  private measure(node: MeshLibp2p): void {
    for (const connection of node.getConnections()) {
      const nodeId = this.nodeOfPeer.get(connection.remotePeer.toString());
      if (nodeId && connection.rtt !== undefined) this.book.setRtt(nodeId, connection.rtt);
    }
  }

  // ---- announcements ----

  /** The assets this node tells the whole mesh about: what its privacy settings show any certified peer. */
  private ownAssets(): AnnouncedAsset[] {
    const registry = this.options.assets;
    if (!registry) return [];
    const settings = this.options.settings();
    const out: AnnouncedAsset[] = [];
    for (const { announcement } of registry.announcementsFor({ nodeId: '', presentsAllFourProofs: true })) {
      // Anonymous views are never put under the node's signature (docs/mesh.md).
      if ('anonymous' in announcement) continue;
      out.push({
        assetId: announcement.assetId,
        kind: announcement.kind,
        capacity: { ...announcement.capacity },
        privacyLevel: announcement.privacyLevel,
        allocationType: announcement.allocationType,
        pricePerHour: settings.rewards.minimumRatePerHour,
        requiredProofs: { ...settings.requiredProofs },
      });
    }
    return out;
  }

  /** What this node offers may have changed (settings, a registration): announced within a second if it did. */
  assetsChanged(): void {
    if (!this.node) return; // announced when the mesh starts
    this.scheduleAnnounceChanged();
  }

  private announceChangedSoon: NodeJS.Timeout | undefined;
  private scheduleAnnounceChanged(): void {
    if (this.announceChangedSoon) return;
    // A short delay gathers a burst of changes (several assets re-registered at once) into one announcement.
    this.announceChangedSoon = setTimeout(() => {
      this.announceChangedSoon = undefined;
      void this.announceIfDue().catch(() => undefined);
    }, 250);
    this.announceChangedSoon.unref();
  }

  private announceSoon: NodeJS.Timeout | undefined;
  private scheduleAnnounce(): void {
    if (this.announceSoon) return;
    this.announceSoon = setTimeout(() => {
      this.announceSoon = undefined;
      void this.announceIfDue(true).catch(() => undefined);
    }, 1_000);
    this.announceSoon.unref();
  }

  /** Publishes when the assets changed, the interval passed, or `force`. */
  private async announceIfDue(force = false): Promise<void> {
    const assets = this.ownAssets();
    const fingerprint = JSON.stringify(assets);
    const due =
      force ||
      !this.lastAnnounce ||
      this.lastAnnounce.fingerprint !== fingerprint ||
      this.now() - this.lastAnnounce.at >= (this.options.announceIntervalMs ?? 60_000);
    if (!due) return;
    // Announced even with no assets: the announcement is also how the mesh learns the node exists and where.
    await this.announce(assets, fingerprint);
  }

  /**
   * Where peers may reach this node: its STOQ socket, then (behind NAT) the mappings peers observed of it, which
   * work where the NAT forwards the port and are what a hole punch aims at.
   */
  private ownAddresses(node: MeshLibp2p): string[] {
    const nat = node.services.nat;
    const mapped = nat.isPublic ? [] : nat.observed.list().slice(0, 2);
    return [...new Set([this.options.stoq.address, ...mapped].map((a) => formatHostPort(a)))];
  }

  private async announce(assets: AnnouncedAsset[], fingerprint: string): Promise<void> {
    const node = this.node;
    const chain = this.options.trust?.chain();
    if (!node || !chain) return;
    const now = this.now();
    this.seq = Math.max(this.seq + 1, now);
    const body: AnnouncementBody = {
      v: 1,
      nodeId: this.options.identity.nodeId,
      peerId: node.peerId.toString(),
      addresses: this.ownAddresses(node),
      seq: this.seq,
      issuedAt: now,
      expiresAt: now + Math.min(this.options.announcementTtlMs ?? 300_000, 600_000),
      assets,
    };
    const signature = this.options.identity.sign(signingInput(body));
    const chainRef = chainDigest(chain);
    this.chains.set(chainRef, chain);
    const bytes = encodeCompactAnnouncement({ body, chainRef, signature });
    this.ownSigned = { seq: body.seq, expiresAt: body.expiresAt, bytes };
    this.announcedAlone = node.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length === 0;
    await node.services.pubsub.publish(ANNOUNCE_TOPIC, bytes);
    this.lastAnnounce = { at: now, fingerprint };
  }

  /**
   * Gossip validation: accept (and keep) a valid announcement, ignore a stale one (or one whose chain its sender
   * cannot give), reject and penalize the rest.
   */
  private validate(from: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    return this.judge(this.nodeOfPeer.get(from.toString()), from, data, (digest) => this.chainVia(from, digest));
  }

  /** Accepts or refuses an announcement `from` passed on (by gossip or sync), and scores the peer for it. */
  private async judge(
    forwarder: string | undefined,
    from: PeerId,
    data: Uint8Array,
    source: ChainSource,
    decoded?: ReceivedAnnouncement,
  ): Promise<TopicValidatorResult> {
    try {
      const accepted = await this.accept(data, source, decoded);
      if (accepted !== 'new') return TopicValidatorResult.Ignore;
      if (forwarder) this.book.reward(forwarder);
      return TopicValidatorResult.Accept;
    } catch (err) {
      const reason = (err as Error).message;
      if (!(err instanceof AnnouncementError)) {
        // This node's own trouble (a stopped database, a failed worker), not the peer's doing.
        this.options.log.debug(`could not check an announcement: ${reason}`);
        return TopicValidatorResult.Ignore;
      }
      this.options.log.warn(`refused an announcement from ${forwarder?.slice(0, 8) ?? from.toString()}: ${reason}`);
      if (forwarder) {
        const score = this.book.penalize(forwarder, reason);
        if (score !== null && score < TRUST_FLOOR) {
          this.options.log.warn(`peer ${forwarder.slice(0, 8)} fell below the trust floor; disconnecting`);
          void this.node?.hangUp(from).catch(() => undefined);
        }
      }
      return TopicValidatorResult.Reject;
    }
  }

  /**
   * Checks an announcement: shape, lifetime, the owner's TrustChain chain (inline, held, or asked of `source`),
   * its ML-DSA signature, and that it is newer than the one held. Returns 'stale' for a valid but older one (late
   * gossip, not an attack) and 'no-chain' when the chain of a compact one could not be had (not proven wrong).
   */
  private async accept(
    data: Uint8Array,
    source: ChainSource,
    decoded?: ReceivedAnnouncement,
  ): Promise<'new' | 'stale' | 'no-chain'> {
    const a = decoded ?? decodeAnnouncement(data, this.now());
    const { body } = a;
    const isStale = () =>
      body.nodeId === this.options.identity.nodeId || (this.announcements.get(body.nodeId)?.body.seq ?? -1) >= body.seq;
    if (isStale()) return 'stale';
    let chain = a.chain ?? this.chains.get(a.chainRef) ?? null;
    if (!chain) {
      chain = await this.fetchChain(a.chainRef, source);
      if (!chain) return 'no-chain';
      if (isStale()) return 'stale'; // a newer one came meanwhile
    }
    const now = this.now();
    const signer = this.verifyChain(chain, a.chainRef, now);
    if (signer.nodeId !== body.nodeId) throw new AnnouncementError("is signed under another node's certificate");
    const signatures = this.options.signatures ?? sharedPqVerifier();
    if (!(await signatures.verify('ml-dsa-65', a.signature, signingInput(body), signer.mldsaPublicKey))) {
      throw new AnnouncementError('signature does not verify');
    }
    if (isStale()) return 'stale'; // a newer one was accepted while this one was checked
    // Kept and passed on in compact form; a sync answer's announcements are views into one larger buffer, so a copy.
    const signed = a.chain
      ? encodeCompactAnnouncement({ body, chainRef: a.chainRef, signature: a.signature })
      : Uint8Array.from(data);
    const previous = this.announcements.get(body.nodeId)?.chainRef;
    if (previous && previous !== a.chainRef) this.chains.delete(previous);
    this.chains.set(a.chainRef, chain);
    this.announcements.set(body.nodeId, { body, signed, chainRef: a.chainRef, receivedAt: now });
    // A signed, chain-checked announcement puts its node in the peer book (a connection is not needed for that).
    const address = body.addresses.map((a) => parseServiceAddress(a)).find((a) => a !== null);
    if (address) this.book.heardOf(body.nodeId, { ...address, peerId: body.peerId, certificate: signer.serialHex });
    // Stored with its chain, so it can be checked and passed on after a restart too.
    this.storeAnnouncement.run(
      body.nodeId,
      body.seq,
      new TextDecoder().decode(encodeAnnouncement({ body, chain, signature: a.signature })),
      body.expiresAt,
      now,
    );
    this.nodeOfPeer.set(body.peerId, body.nodeId);
    return 'new';
  }

  private get storeAnnouncement(): Statement<[string, number, string, number, number]> {
    this.storeStatement ??= this.options.db.prepare<[string, number, string, number, number]>(
      `INSERT INTO mesh_announcements (node_id, seq, body, expires_at, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(node_id) DO UPDATE SET seq = excluded.seq, body = excluded.body,
         expires_at = excluded.expires_at, received_at = excluded.received_at`,
    );
    return this.storeStatement;
  }
  private storeStatement: Statement<[string, number, string, number, number]> | undefined;

  /** Asks `source` for a chain, once for concurrent announcements of one owner; null when it cannot give it. */
  private fetchChain(digest: string, source: ChainSource): Promise<readonly Uint8Array[] | null> {
    let fetching = this.chainFetches.get(digest);
    if (!fetching) {
      fetching = source(digest)
        .catch((err: unknown) => {
          this.options.log.debug(`chain ${digest.slice(0, 8)}: ${(err as Error).message}`);
          return null;
        })
        .finally(() => this.chainFetches.delete(digest));
      this.chainFetches.set(digest, fetching);
    }
    return fetching;
  }

  /**
   * The chain `digest` from the gossip peer `from`, which held it to accept the announcement it passed on: over
   * STOQ, on a direct connection (through a relay, the announcement waits for sync with a directly connected peer).
   */
  private async chainVia(from: PeerId, digest: string): Promise<readonly Uint8Array[] | null> {
    const node = this.node;
    const nodeId = this.nodeOfPeer.get(from.toString());
    const connection = node?.getConnections(from).find((c) => !isRelayed(c));
    const address = connection ? stoqAddressOf(connection.remoteAddr) : null;
    if (!nodeId || !address) return null;
    const link = await this.options.stoq.dial(address, nodeId, AbortSignal.timeout(CHAIN_TIMEOUT_MS));
    return (await this.requestChains(link, [digest])).get(digest) ?? null;
  }

  /** Asks a peer for chains by digest; keeps only those that hash to a digest asked for. */
  private async requestChains(link: PeerLink, digests: readonly string[]): Promise<Map<string, Uint8Array[]>> {
    const answer = decodeChainAnswer(
      await link.request(MESH_CHAIN_METHOD, encodeChainRequest(digests), { timeoutMs: CHAIN_TIMEOUT_MS }),
    );
    const wanted = new Set(digests);
    for (const digest of answer.keys()) if (!wanted.has(digest)) answer.delete(digest);
    return answer;
  }

  /** Answers a chain request with the chains held of those asked for (this node's own among them). */
  private serveChains(body: Uint8Array): Uint8Array {
    const own = this.options.trust?.chain();
    if (own) this.chains.set(chainDigest(own), own);
    const found: (readonly Uint8Array[])[] = [];
    for (const digest of decodeChainRequest(body)) {
      const chain = this.chains.get(digest);
      if (chain) found.push(chain);
    }
    return encodeChainAnswer(found);
  }

  private verifyChain(chain: readonly Uint8Array[], digest: string, now: number) {
    const trust = this.options.trust;
    if (!trust) throw new AnnouncementError('cannot be checked: no TrustChain client');
    const cached = this.verifiedChains.get(digest);
    if (cached && cached.until > now) return cached;
    let verified;
    try {
      verified = trust.verifyChain(chain);
    } catch (err) {
      throw new AnnouncementError(`certificate chain refused: ${(err as Error).message}`);
    }
    // Re-checked every 5 minutes at most, so a revocation takes effect.
    const entry = {
      nodeId: verified.nodeId,
      serialHex: verified.serialHex,
      mldsaPublicKey: verified.mldsaPublicKey,
      until: Math.min(verified.notAfter.getTime(), now + 300_000),
    };
    if (this.verifiedChains.size > 10_000) this.verifiedChains.clear();
    this.verifiedChains.set(digest, entry);
    return entry;
  }

  private loadAnnouncements(): void {
    const rows = this.options.db
      .prepare('SELECT body, received_at FROM mesh_announcements WHERE expires_at > ?')
      .all(this.now()) as { body: string; received_at: number }[];
    for (const row of rows) {
      try {
        const stored = JSON.parse(row.body) as AnnouncementBody | { body: AnnouncementBody };
        if (!('body' in stored)) {
          // An older version kept the body alone: still searchable, not passed on.
          const entry = { body: stored, signed: null, chainRef: null, receivedAt: row.received_at };
          this.announcements.set(stored.nodeId, entry);
          continue;
        }
        // Kept signed with its chain, and read back through the same checks as the wire.
        const a = decodeAnnouncement(new TextEncoder().encode(row.body), this.now());
        if (!a.chain) continue;
        this.chains.set(a.chainRef, a.chain);
        const signed = encodeCompactAnnouncement({ body: a.body, chainRef: a.chainRef, signature: a.signature });
        const entry = { body: a.body, signed, chainRef: a.chainRef, receivedAt: row.received_at };
        this.announcements.set(a.body.nodeId, entry);
      } catch (err) {
        this.options.log.warn(`a stored announcement could not be read and is dropped: ${(err as Error).message}`);
      }
    }
    this.options.db.prepare('DELETE FROM mesh_announcements WHERE expires_at <= ?').run(this.now());
  }

  // ---- sync on connect ----

  /**
   * Anti-entropy: each round, a pull from one connected peer chosen at random. Gossip spreads an announcement fast
   * but may miss a node (a message sent while its mesh was forming, a peer pruned); pulling from random peers makes
   * every node converge on the newest announcements anyway, and costs one small request when nothing is missing.
   */
  private antiEntropy(node: MeshLibp2p): void {
    const direct = node.getConnections().filter((c) => !isRelayed(c));
    const connection = direct[Math.floor(Math.random() * direct.length)];
    if (!connection) return;
    const nodeId = this.nodeOfPeer.get(connection.remotePeer.toString());
    const address = stoqAddressOf(connection.remoteAddr);
    if (nodeId && address) this.queueSync({ nodeId, peerId: connection.remotePeer, address });
  }

  /** Queues a pull of `peer`'s announcements (one sync at a time; a peer already queued is not queued twice). */
  private queueSync(peer: SyncPeer): void {
    if (this.syncsQueued.has(peer.nodeId)) return;
    this.syncsQueued.add(peer.nodeId);
    this.syncQueue = this.syncQueue.then(async () => {
      try {
        await this.syncWith(peer);
      } catch (err) {
        this.options.log.debug(`sync with ${peer.nodeId.slice(0, 8)}: ${(err as Error).message}`);
      } finally {
        this.syncsQueued.delete(peer.nodeId);
      }
    });
  }

  /**
   * Pulls from a peer that just connected the announcements it holds that are newer than ours (its own among
   * them): a node that joins learns the mesh from its first peer at once, instead of over the next announcement
   * interval. Each is checked exactly as gossip is, and a bad one counts against the peer that passed it on.
   */
  private async syncWith(peer: SyncPeer): Promise<void> {
    if (!this.node) return;
    const link = await this.options.stoq.dial(peer.address, peer.nodeId, AbortSignal.timeout(10_000));
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      if (!this.node) return;
      const have = new Map<string, number>();
      if (this.ownSigned) have.set(this.options.identity.nodeId, this.ownSigned.seq);
      for (const [nodeId, held] of this.announcements) {
        // Past the request's limit the answer repeats what this node has: wasteful, not wrong.
        if (have.size >= MAX_SYNC_HAVE) break;
        have.set(nodeId, held.body.seq);
      }
      const answer = decodeSyncAnswer(
        await link.request(MESH_SYNC_METHOD, encodeSyncRequest(have), { timeoutMs: SYNC_TIMEOUT_MS }),
      );
      // Decoded once here, for the chains to ask for and for the checks; one that does not decode is judged (and
      // refused) from its bytes.
      const now = this.now();
      const decoded = answer.announcements.map((signed) => {
        try {
          return decodeAnnouncement(signed, now);
        } catch {
          return undefined;
        }
      });
      const chains = await this.missingChains(link, decoded);
      const source: ChainSource = (digest) => Promise.resolve(chains.get(digest) ?? null);
      for (const [i, signed] of answer.announcements.entries()) {
        const verdict = await this.judge(peer.nodeId, peer.peerId, signed, source, decoded[i]);
        if (verdict === TopicValidatorResult.Reject) return;
      }
      if (!answer.more) return;
    }
  }

  /** The chains of a sync answer's compact announcements that this node does not hold, in one request. */
  private async missingChains(
    link: PeerLink,
    announcements: readonly (ReceivedAnnouncement | undefined)[],
  ): Promise<Map<string, Uint8Array[]>> {
    const missing = new Set<string>();
    for (const a of announcements) {
      if (a && !a.chain && !this.chains.has(a.chainRef)) missing.add(a.chainRef);
    }
    if (missing.size === 0) return new Map();
    try {
      return await this.requestChains(link, [...missing].slice(0, MAX_CHAIN_REQUEST));
    } catch (err) {
      this.options.log.debug(`chains from ${(link.peer.nodeId ?? '?').slice(0, 8)}: ${(err as Error).message}`);
      return new Map();
    }
  }

  /** Answers a sync: the signed announcements held (this node's own first) that are newer than the asker's. */
  private serveSync(body: Uint8Array, asker: string): Uint8Array {
    if (!this.node) throw new MeshError('the mesh is not running on this node');
    const have = decodeSyncRequest(body);
    const now = this.now();
    const fresh = (nodeId: string, seq: number, expiresAt: number) =>
      nodeId !== asker && expiresAt > now + SYNC_EXPIRY_MARGIN_MS && (have.get(nodeId) ?? -1) < seq;
    const out: Uint8Array[] = [];
    let bytes = 0;
    let more = false;
    const candidates: Uint8Array[] = [];
    const own = this.ownSigned;
    if (own && fresh(this.options.identity.nodeId, own.seq, own.expiresAt)) candidates.push(own.bytes);
    for (const [nodeId, held] of this.announcements) {
      if (held.signed && fresh(nodeId, held.body.seq, held.body.expiresAt)) candidates.push(held.signed);
    }
    for (const signed of candidates) {
      if (bytes + signed.length > MAX_SYNC_ANSWER_BYTES) {
        more = true;
        break;
      }
      out.push(signed);
      bytes += signed.length;
    }
    return encodeSyncAnswer(out, more);
  }

  // ---- search and allocation ----

  search(query: AssetSearchQuery): RemoteAssetView[] {
    const now = this.now();
    const maxPrice = query.maxPricePerHour === undefined ? null : priceUnits(query.maxPricePerHour);
    const out: RemoteAssetView[] = [];
    for (const [nodeId, held] of this.announcements) {
      if (held.body.expiresAt <= now) {
        this.announcements.delete(nodeId);
        if (held.chainRef) this.chains.delete(held.chainRef);
        continue;
      }
      const peer = this.book.get(nodeId);
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

  /** Allocates part of an announced asset: dials its owner over STOQ and runs the four-proof allocation. */
  /**
   * Allocates part of a peer's announced asset. `billing: 'usage'` marks a lease paid by use (Catalog VM jobs
   * queue their CPU- and memory-time with the ledger) instead of for the time it is held.
   */
  async allocate(
    request: RemoteAllocationRequest,
    signal?: AbortSignal,
    options: { billing?: 'usage' } = {},
  ): Promise<RemoteAllocationView> {
    const registry = this.options.assets;
    if (!registry) throw new MeshError('assets are not running on this node');
    const held = [...this.announcements.values()].find((h) => h.body.assets.some((a) => a.assetId === request.assetId));
    const asset = held?.body.assets.find((a) => a.assetId === request.assetId);
    if (!held || !asset || held.body.expiresAt <= this.now()) {
      throw new MeshError(`no current announcement of asset ${request.assetId}; search again`);
    }
    if (request.amount > asset.capacity.allowed) {
      throw new OverQuotaError(`the owner offers at most ${asset.capacity.allowed} ${asset.capacity.unit}`);
    }
    const owner = held.body.nodeId;
    try {
      const link = await this.linkTo(held.body, signal);
      const { lease, ownerProof } = await registry.requestAllocation(link, request);
      this.options.db
        .prepare(
          'INSERT OR REPLACE INTO mesh_leases (lease_id, asset_id, owner, lease, expires_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(lease.id, request.assetId, owner, JSON.stringify({ ...lease, ...options }), lease.expiresAt);
      this.options.log.info(`allocated ${lease.amount} ${lease.unit} of ${asset.kind} at ${owner.slice(0, 8)}`);
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
   * A STOQ link to an announcement's owner: the connection already open to it, else the one a direct libp2p path
   * brings (a dial, or a relayed connection that DCUtR upgrades by hole punching), else each announced address.
   */
  private async linkTo(body: AnnouncementBody, signal?: AbortSignal): Promise<PeerLink> {
    const addresses = body.addresses.map((a) => parseServiceAddress(a)).filter((a): a is HostPort => a !== null);
    if (addresses.length === 0) throw new MeshError('the owner announced no address');
    await this.directPath(body.peerId, signal).catch((err: unknown) =>
      this.options.log.debug(`no direct path to ${body.nodeId.slice(0, 8)} through libp2p: ${String(err)}`),
    );
    let lastError: unknown;
    for (const address of addresses) {
      signal?.throwIfAborted();
      try {
        // The open STOQ connection to the owner is reused, whatever address it was made at.
        const attempt = AbortSignal.timeout(ADDRESS_DIAL_TIMEOUT_MS);
        return await this.options.stoq.dial(
          address,
          body.nodeId,
          signal ? AbortSignal.any([signal, attempt]) : attempt,
        );
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new MeshError(String(lastError));
  }

  /**
   * Makes sure of a direct (STOQ) libp2p connection to `peerIdText` where one can be had: libp2p dials it (directly,
   * or through a relay when it is behind NAT); over a relayed connection the peer starts DCUtR, which upgrades it
   * by hole punching. DCUtR runs when a relayed connection opens, so a relayed connection that has not been
   * upgraded is replaced by a fresh one, once.
   */
  private async directPath(peerIdText: string, signal?: AbortSignal): Promise<void> {
    const node = this.node;
    if (!node) return;
    const peer = peerIdFromString(peerIdText);
    const direct = () => node.getConnections(peer).some((c) => !isRelayed(c));
    if (direct()) return;
    const bounded = (ms: number) =>
      signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
    const first = node.getConnections(peer)[0] ?? (await this.dialPeer(node, peer, signal));
    if (direct()) return;
    // A connection this young may still be in its DCUtR round.
    if (this.now() - first.timeline.open < HOLE_PUNCH_WAIT_MS && (await waitFor(direct, HOLE_PUNCH_WAIT_MS, signal))) {
      return;
    }
    // Through the same relays again (in the form the circuit transport dials: nat.ts), else any way there is.
    const relays = node
      .getConnections(peer)
      .filter(isRelayed)
      .map((c) => circuitView(c).remoteAddr);
    await node.hangUp(peer, { signal: bounded(5_000) });
    if (relays.length > 0) await node.dial(relays, { signal: bounded(15_000) });
    else await this.dialPeer(node, peer, signal);
    await waitFor(direct, HOLE_PUNCH_WAIT_MS, signal);
  }

  /** Leases this node holds on peers' assets, current ones only. */
  leases(): RemoteAllocationView[] {
    const rows = this.options.db
      .prepare('SELECT asset_id, owner, lease FROM mesh_leases WHERE expires_at > ? ORDER BY expires_at')
      .all(this.now()) as { asset_id: string; owner: string; lease: string }[];
    return rows.map((r) => leaseView(r.asset_id, r.owner, JSON.parse(r.lease) as LeaseJson, true));
  }

  // ---- status ----

  status(): MeshStatus {
    const node = this.node;
    const connected = new Map<string, boolean>();
    for (const c of node?.getConnections() ?? []) {
      const nodeId = this.nodeOfPeer.get(c.remotePeer.toString());
      if (!nodeId) continue;
      const relayed = isRelayed(c);
      connected.set(nodeId, (connected.get(nodeId) ?? true) && relayed);
    }
    const peers: MeshPeerView[] = this.book.list().map((p) => ({
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
    const now = this.now();
    return {
      state: node ? 'running' : 'off',
      problem: node ? null : (this.problem ?? 'The mesh is not running.'),
      peerId: node?.peerId.toString() ?? null,
      reachability: reachabilityOf(addresses),
      addresses,
      peers,
      dhtPeers: node?.services.dht.routingTable.size ?? 0,
      remoteAssets: [...this.announcements.values()]
        .filter((h) => h.body.expiresAt > now)
        .reduce((n, h) => n + h.body.assets.length, 0),
      lastAnnouncedAt: this.lastAnnounce ? new Date(this.lastAnnounce.at).toISOString() : null,
    };
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

/** A peer to pull announcements from: a STOQ connection to it is open (or was just now). */
type SyncPeer = Pick<BoundPeer, 'nodeId' | 'peerId' | 'address'>;

function isRelayed(connection: Connection): boolean {
  return connection.remoteAddr.toString().includes('/p2p-circuit');
}

/** Polls `done` until it holds (true) or `ms` pass (false). */
async function waitFor(done: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}
