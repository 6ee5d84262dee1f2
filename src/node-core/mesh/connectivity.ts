import type { Connection, PeerId, PeerInfo } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { formatHostPort } from '../../shared/network';
import { shuffled } from '../../shared/random';
import { parseServiceAddress, splitAddressList } from '../../shared/settings';
import type { HostPort } from '../transport/index';
import type { Announcements } from './announcements';
import { bounded, isRelayed, sameAddress, waitFor, type MeshContext } from './context';
import type { MeshLibp2p } from './libp2p-node';
import { circuitView } from './nat';
import { TRUST_FLOOR } from './peer-book';
import { RedialBackoff } from './redial';
import { stoqAddressOf, stoqMultiaddr, type BoundPeer } from './stoq-libp2p';

/** Below this many connections the node dials bootstrap peers and peers it discovered. */
const TARGET_CONNECTIONS = 8;
/** Circuit relay v2's protocol of relays (a peer that speaks it may hold a reservation for a peer behind NAT). */
const RELAY_HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop';
/** How long a relayed connection is given to be upgraded by DCUtR (its own attempts time out after 5 s). */
const HOLE_PUNCH_WAIT_MS = 12_000;

/** A peer's own addresses failed, and no connected peer is a relay to reach it through (yet). */
class NoRelayError extends Error {
  override readonly name = 'NoRelayError';
}

/**
 * Connectivity: discovery (bootstrap addresses and the TrustChain name `hypermesh`, mDNS, the DHT, announced
 * addresses), the peer book's bindings and scores, dialling (through relays for peers behind NAT) and direct paths
 * upgraded by hole punching. docs/mesh.md.
 */
export class Connectivity {
  /** By PeerId: when the maintenance may dial a peer again after failed dials. */
  private readonly redial = new RedialBackoff();
  /** Peers whose dial failed while no relay was connected to try them through. */
  private readonly awaitingRelay = new Set<string>();
  private bootstrapCache: { at: number; addresses: HostPort[] } | null = null;

  constructor(
    private readonly ctx: MeshContext,
    private readonly announcements: Announcements,
  ) {}

  /** A STOQ connection bound a peer's libp2p identity to its NodeId: the peer book learns where it is. */
  onBound(bound: BoundPeer): void {
    const peerId = bound.peerId.toString();
    this.ctx.nodeOfPeer.set(peerId, bound.nodeId);
    // An inbound peer's source address is its listening socket too (STOQ dials from the socket it listens on).
    this.ctx.book.seen(bound.nodeId, {
      host: bound.address.host,
      port: bound.address.port,
      peerId,
      ...(bound.serialHex ? { certificate: bound.serialHex } : {}),
    });
  }

  isBlocked(peer: PeerId): boolean {
    const { book, nodeOfPeer } = this.ctx;
    const nodeId = nodeOfPeer.get(peer.toString()) ?? book.byPeerId(peer.toString())?.nodeId;
    if (!nodeId) return false;
    return (book.get(nodeId)?.trustScore ?? 1) < TRUST_FLOOR;
  }

  /** Peers admit certified nodes only (unless they accept self-signed ones): no point dialling before. */
  mayDial(): boolean {
    const { options } = this.ctx;
    return options.trust?.chain() != null || options.settings().trust.acceptSelfSignedPeers;
  }

  onDiscovery(info: PeerInfo): void {
    const node = this.ctx.node;
    if (!node || !this.mayDial() || node.getConnections().length >= TARGET_CONNECTIONS) return;
    if (node.getConnections(info.id).length > 0 || info.multiaddrs.length === 0) return;
    node
      .dial(info.id)
      .catch((err: unknown) => this.ctx.options.log.debug(`dial ${info.id.toString()}: ${String(err)}`));
  }

  /** Bootstrap addresses: the setting, then the nodes the TrustChain name `hypermesh` resolves to (cached 5 min). */
  private async bootstrapAddresses(): Promise<HostPort[]> {
    const { options } = this.ctx;
    const fromSettings = splitAddressList(options.settings().mesh.bootstrap)
      .map((entry) => parseServiceAddress(entry))
      .filter((a): a is HostPort => a !== null);
    if (!this.bootstrapCache || this.ctx.now() - this.bootstrapCache.at > 300_000) {
      let resolved: HostPort[] = [];
      if (options.trust && options.trust.status().state === 'certified') {
        try {
          const name = await options.trust.resolve('hypermesh');
          resolved = name.addresses.map((a) => parseServiceAddress(a)).filter((a): a is HostPort => a !== null);
        } catch (err) {
          options.log.debug(`bootstrap name: ${(err as Error).message}`);
        }
      }
      this.bootstrapCache = { at: this.ctx.now(), addresses: resolved };
    }
    const own = formatHostPort(options.stoq.address);
    const all = [...fromSettings, ...this.bootstrapCache.addresses];
    return all.filter((a, i) => formatHostPort(a) !== own && all.findIndex((b) => sameAddress(a, b)) === i);
  }

  /** Below the target, dials bootstrap peers, then the peers known (a DHT lookup of itself first when alone). */
  async keepConnected(node: MeshLibp2p): Promise<void> {
    if (node.getConnections().length >= TARGET_CONNECTIONS) return;
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
        this.ctx.options.log.debug(`bootstrap ${formatHostPort(address)}: ${(err as Error).message}`);
      }
    }
    // A lookup of our own key fills the routing table with the peers nearest us (and them with us).
    if (wasAlone && node.getConnections().length > 0) await this.selfLookup(node);
    await this.dialKnownPeers(node);
  }

  private async selfLookup(node: MeshLibp2p): Promise<void> {
    try {
      for await (const event of node.services.dht.getClosestPeers(node.peerId.toMultihash().bytes, {
        signal: AbortSignal.timeout(15_000),
      })) {
        void event;
      }
    } catch (err) {
      this.ctx.options.log.debug(`self lookup: ${(err as Error).message}`);
    }
  }

  /**
   * Dials peers until the target is met, in random order (so joining nodes spread over the mesh instead of all
   * dialling the same first peers), several at once: those the peer store knows (DHT, mDNS, identify) and those
   * whose current, signed announcement this node holds (at the STOQ address they announce first). A peer behind NAT
   * is reached through a relay (dialPeer), and DCUtR may then upgrade the connection by hole punching. A peer that
   * could not be reached is left alone for a while (redial.ts).
   */
  private async dialKnownPeers(node: MeshLibp2p): Promise<void> {
    const want = TARGET_CONNECTIONS - node.getConnections().length;
    if (want <= 0) return;
    // Peers that could not be reached before any relay was connected are tried again as soon as one is.
    if (this.awaitingRelay.size > 0 && (await this.relaysConnected(node)).length > 0) {
      for (const key of this.awaitingRelay) this.redial.release(key);
      this.awaitingRelay.clear();
    }
    const now = this.ctx.now();
    const candidates = new Map<string, { peer: PeerId; address: HostPort | null }>();
    for (const known of await node.peerStore.all()) {
      if (known.addresses.length > 0) candidates.set(known.id.toString(), { peer: known.id, address: null });
    }
    for (const held of this.announcements.held.values()) {
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
          this.redial.mayDial(peer.toString(), now),
      ),
    );
    await Promise.all(
      eligible.slice(0, want).map(async ({ peer, address }) => {
        const key = peer.toString();
        try {
          if (address) await node.peerStore.merge(peer, { multiaddrs: [stoqMultiaddr(address)] });
          await this.dialPeer(node, peer);
          this.redial.succeeded(key);
        } catch (err) {
          this.redial.failed(key, this.ctx.now());
          if (err instanceof NoRelayError) this.awaitingRelay.add(key);
          this.ctx.options.log.debug(`dial ${key}: ${(err as Error).message}`);
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
    try {
      return await node.dial(peer, { signal: bounded(10_000, signal) });
    } catch (err) {
      // In the form libp2p's circuit transport takes (it knows no `/stoq` relay address): over the connection held.
      const through = (await this.relaysConnected(node))
        .filter((relay) => !relay.equals(peer))
        .map((relay) => multiaddr(`/p2p/${relay.toString()}/p2p-circuit/p2p/${peer.toString()}`));
      if (through.length === 0) throw new NoRelayError((err as Error).message, { cause: err });
      return node.dial(through, { signal: bounded(10_000, signal) });
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
  measure(node: MeshLibp2p): void {
    for (const connection of node.getConnections()) {
      const nodeId = this.ctx.nodeOfPeer.get(connection.remotePeer.toString());
      if (nodeId && connection.rtt !== undefined) this.ctx.book.setRtt(nodeId, connection.rtt);
    }
  }

  /**
   * Makes sure of a direct (STOQ) libp2p connection to `peerIdText` where one can be had: libp2p dials it (directly,
   * or through a relay when it is behind NAT); over a relayed connection the peer starts DCUtR, which upgrades it
   * by hole punching. DCUtR runs when a relayed connection opens, so a relayed connection that has not been
   * upgraded is replaced by a fresh one, once.
   */
  async directPath(peerIdText: string, signal?: AbortSignal): Promise<void> {
    const node = this.ctx.node;
    if (!node) return;
    const peer = peerIdFromString(peerIdText);
    const direct = () => node.getConnections(peer).some((c) => !isRelayed(c));
    if (direct()) return;
    const first = node.getConnections(peer)[0] ?? (await this.dialPeer(node, peer, signal));
    if (direct()) return;
    // A connection this young may still be in its DCUtR round.
    if (
      this.ctx.now() - first.timeline.open < HOLE_PUNCH_WAIT_MS &&
      (await waitFor(direct, HOLE_PUNCH_WAIT_MS, signal))
    ) {
      return;
    }
    // Through the same relays again (in the form the circuit transport dials: nat.ts), else any way there is.
    const relays = node
      .getConnections(peer)
      .filter(isRelayed)
      .map((c) => circuitView(c).remoteAddr);
    await node.hangUp(peer, { signal: bounded(5_000, signal) });
    if (relays.length > 0) await node.dial(relays, { signal: bounded(15_000, signal) });
    else await this.dialPeer(node, peer, signal);
    await waitFor(direct, HOLE_PUNCH_WAIT_MS, signal);
  }
}
