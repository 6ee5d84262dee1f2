import './polyfills';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { dcutr } from '@libp2p/dcutr';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { PeerId, PeerInfo, PrivateKey } from '@libp2p/interface';
import { kadDHT, passthroughMapper, type SingleKadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping, type Ping } from '@libp2p/ping';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { NodeIdentity } from '../identity/index';
import type { CallContext } from '../transport/index';
import type { Transport as StoqTransport } from '../transport/index';
import { MAX_ANNOUNCEMENT_BYTES } from './announcement';
import { ObservedStoqAddresses, StoqNat, isPublicStoqAddress, dcutrComponents, type NatComponents } from './nat';
import { StoqLibp2pTransport, createBinding, stoqMultiaddr, type BoundPeer } from './stoq-libp2p';

/** The DHT of HyperMesh nodes only: its own protocol id keeps it apart from the public IPFS DHT. */
export const MESH_DHT_PROTOCOL = '/hypermesh/kad/1.0.0';
/** Gossip topic of node announcements (shared assets of FullPublic nodes). */
export const ANNOUNCE_TOPIC = 'hypermesh/assets/1';

export type MeshServices = {
  identify: unknown;
  ping: Ping;
  dht: SingleKadDHT;
  pubsub: GossipSub;
  nat: StoqNat;
  dcutr: unknown;
  relay?: unknown;
};
export type MeshLibp2p = Libp2p<MeshServices>;

export interface MeshNodeOptions {
  readonly identity: NodeIdentity;
  readonly stoq: StoqTransport;
  /** Find peers on the LAN by mDNS. */
  readonly mdns: boolean;
  /** Serve as a circuit relay for peers behind NAT. */
  readonly relay: boolean;
  /** Whether a STOQ peer may open a mesh channel; null = yes. */
  readonly admit?: (ctx: CallContext) => string | null;
  /** Told of each STOQ peer once its PeerId binding is checked. */
  readonly onBound?: (bound: BoundPeer) => void;
  /** Refuses connections to and from these peers (a trust score below the floor). */
  readonly isBlocked?: (peer: PeerId) => boolean;
  readonly onDiscovery?: (peer: PeerInfo) => void;
}

/**
 * The circuit relay transport's components with a random walk that finds nobody. While a node behind NAT holds no
 * reservation, the transport looks for relays by walking the DHT at random and dialling every peer it meets, for as
 * long as none is found: in a mesh without relays (a LAN) that is forever, and it kept every node busy dialling all
 * the others. HyperMesh nodes learn of relays from their bootstrap peers and the peers they connect to (identify
 * tells the transport which speak the relay protocol), so the walk is not needed.
 */
export function withoutRandomWalk<T extends object>(components: T): T {
  const idle = {
    async *walk(options?: { signal?: AbortSignal }): AsyncGenerator<PeerInfo> {
      const signal = options?.signal;
      if (!signal || signal.aborted) return;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      yield* []; // finds nobody
    },
  };
  return new Proxy(components, {
    get: (target, property, receiver) =>
      property === 'randomWalk' ? idle : (Reflect.get(target, property, receiver) as unknown),
  });
}

/** The node's libp2p key: derived from its identity, so its PeerId stays the same across restarts. */
export function meshPrivateKey(identity: NodeIdentity): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', identity.deriveSecret('mesh/libp2p-key/v1'));
}

/**
 * A libp2p node carried over STOQ: Kademlia DHT, gossipsub, identify, ping, circuit relay (a reservation unless
 * the STOQ socket has a public address; relay service when the user allows) and DCUtR hole punching on the NAT
 * mappings peers observe (nat.ts: AutoNAT does not fit STOQ), mDNS on the LAN. Not started.
 */
export async function createMeshNode(options: MeshNodeOptions): Promise<MeshLibp2p> {
  const privateKey = await meshPrivateKey(options.identity);
  const binding = await createBinding(privateKey, options.identity.nodeId);
  const blocked = (peer: PeerId) => options.isBlocked?.(peer) ?? false;
  const bound = options.stoq.address;
  const observed = new ObservedStoqAddresses();
  const nat = (components: NatComponents) => new StoqNat(components, bound, observed);
  // A node with a public STOQ address is reached directly; any other also listens through a relay.
  const listen = [stoqMultiaddr(bound).toString()];
  if (!isPublicStoqAddress(bound)) listen.push('/p2p-circuit');
  const node = await createLibp2p({
    privateKey,
    start: false,
    addresses: { listen },
    transports: [
      (components) =>
        new StoqLibp2pTransport(components, {
          stoq: options.stoq,
          binding,
          ...(options.admit ? { admit: options.admit } : {}),
          ...(options.onBound ? { onBound: options.onBound } : {}),
        }),
      (components: Parameters<ReturnType<typeof circuitRelayTransport>>[0]) =>
        circuitRelayTransport()(withoutRandomWalk(components)),
    ],
    // Relayed connections are not STOQ: they run noise (the PeerId's key) and yamux like any libp2p connection.
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: options.mdns ? [mdns({ serviceTag: 'hypermesh.local' })] : [],
    connectionGater: {
      // Loopback and LAN addresses are normal for a desktop mesh.
      denyDialMultiaddr: () => false,
      denyDialPeer: blocked,
      denyInboundEncryptedConnection: blocked,
      denyOutboundEncryptedConnection: blocked,
    },
    connectionManager: { maxConnections: 64 },
    // A connection whose ping goes unanswered is closed (and redialled), but a busy node answers late: at the default
    // 5 s floor, loaded nodes tore live connections down and rebuilt them in a loop (docs/mesh.md, Scale). Every 30 s,
    // not 10: each ping is a new stream with its protocol negotiation, and a dead peer is found by STOQ's own idle
    // timeout anyway.
    connectionMonitor: { pingInterval: 30_000, pingTimeout: { minTimeout: 20_000 } },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: MESH_DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper }),
      pubsub: gossipsub({
        // Announcements are signed with the node's ML-DSA key, or not attributable at all (Anonymous): the
        // gossip envelope carries no libp2p signature and no sender id.
        globalSignaturePolicy: 'StrictNoSign',
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: MAX_ANNOUNCEMENT_BYTES + 16 * 1024,
      }),
      nat,
      // DCUtR exchanges the NAT mappings peers observed too (never announced), and sees relayed connections (nat.ts).
      dcutr: (components: NatComponents) => dcutr()(dcutrComponents(components, observed)),
      ...(options.relay ? { relay: circuitRelayServer() } : {}),
    },
  });
  if (options.onDiscovery) {
    const onDiscovery = options.onDiscovery;
    node.addEventListener('peer:discovery', (evt) => onDiscovery(evt.detail));
  }
  return node as MeshLibp2p;
}
