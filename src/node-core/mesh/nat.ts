import type { DCUtRServiceComponents } from '@libp2p/dcutr';
import type { Connection, Libp2pEvents, PeerId } from '@libp2p/interface';
import { isGlobalUnicast, isPrivate } from '@libp2p/utils';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { TypedEventTarget } from 'main-event';
import type { Reachability } from '../../shared/mesh';
import type { HostPort } from '../transport/index';
import { stoqAddressOf, stoqMultiaddr } from './stoq-libp2p';

/**
 * NAT traversal for a mesh carried over STOQ. libp2p's AutoNAT v1 does not fit STOQ: a node dials from the UDP socket
 * it listens on and keeps one STOQ connection per peer, so a dial-back either lands on the connection the request came
 * over (libp2p then hands that connection to AutoNAT, which closes it when done: the mesh loses the peer, its relay
 * reservation and the request itself) or goes through the very NAT binding that connection holds open (a false
 * "reachable"). So the mesh does without it:
 * - a node whose STOQ socket is bound to a public address says so (no NAT can be in between), and takes no relay
 *   reservation;
 * - any other node reserves a slot on a relay (circuit relay v2) and is reachable through it;
 * - the addresses peers observe for its STOQ socket (identify) are its NAT's mapping: not dialable by anyone, so
 *   never announced to libp2p, but exactly what DCUtR must exchange to punch a hole (the NAT keeps the mapping
 *   for the socket, so a simultaneous dial from both sides gets through).
 * Where one side is public, DCUtR's dial from the NATed side is enough. Between two NATs both dials must cross in
 * flight: a Linux NAT that sees the peer's packet first (to its own address, which nobody asked for) keeps a
 * conntrack entry for it, and then maps its own side's packet to that peer to another port, which the peer's NAT
 * does not expect. With real Internet latency the dials cross; on a link with next to none (network namespaces)
 * they do not, and the peers stay on the relay.
 */

/** How long an observed address stays a hole punching candidate after a peer last reported it. */
const OBSERVED_TTL_MS = 15 * 60_000;
/** The NAT mappings kept (a node that moves between networks sees new ones; the freshest come first). */
const MAX_OBSERVED = 4;

/** Whether a STOQ host is a public address (not private, loopback, link-local or special-purpose). */
export function isPublicStoqAddress(address: HostPort): boolean {
  if (!/^[\d.]+$/.test(address.host) && !address.host.includes(':')) return false; // DNS names: not known
  const ma = stoqMultiaddr(address);
  if (isPrivate(ma)) return false;
  return address.host.includes(':') ? isGlobalUnicast(ma) : true;
}

/** The public addresses peers saw this node's STOQ socket at, over direct connections (identify's observedAddr). */
export class ObservedStoqAddresses {
  /** Multiaddr (no /p2p) → when a peer last reported it; in insertion order, oldest first. */
  private readonly seen = new Map<string, { address: HostPort; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  report(observed: Multiaddr | undefined, via: Pick<Connection, 'remoteAddr'>): void {
    if (!observed || via.remoteAddr.toString().includes('/p2p-circuit')) return;
    const address = stoqAddressOf(observed);
    if (!address || !isPublicStoqAddress(address)) return;
    const key = stoqMultiaddr(address).toString();
    this.seen.delete(key);
    this.seen.set(key, { address, at: this.now() });
    for (const old of this.seen.keys()) {
      if (this.seen.size <= MAX_OBSERVED) break;
      this.seen.delete(old);
    }
  }

  /** Current mappings, the most recently reported first. */
  list(): HostPort[] {
    const cutoff = this.now() - OBSERVED_TTL_MS;
    return [...this.seen.values()]
      .filter((e) => e.at >= cutoff)
      .reverse()
      .map((e) => e.address);
  }
}

export type NatComponents = DCUtRServiceComponents & {
  readonly peerId: PeerId;
  readonly events: TypedEventTarget<Libp2pEvents>;
};

/** What the mesh's NAT service tells: the STOQ socket's own address, and what peers see of it. */
export class StoqNat {
  readonly observed: ObservedStoqAddresses;

  constructor(
    components: NatComponents,
    readonly bound: HostPort,
    observed: ObservedStoqAddresses,
  ) {
    this.observed = observed;
    components.events.addEventListener('peer:identify', (evt) =>
      observed.report(evt.detail.observedAddr, evt.detail.connection),
    );
    // Bound to a public address: peers can dial it (libp2p would otherwise wait for AutoNAT to confirm it).
    if (isPublicStoqAddress(bound)) {
      components.addressManager.confirmObservedAddr(stoqMultiaddr(bound), { type: 'transport', ttl: 2 ** 31 - 1 });
    }
  }

  /** Whether the STOQ socket is bound to a public address. */
  get isPublic(): boolean {
    return isPublicStoqAddress(this.bound);
  }
}

/**
 * The components DCUtR runs with, adapted to STOQ:
 * - its own addresses (sent in its CONNECT message) are what libp2p announces plus the NAT mappings peers
 *   observed, so both sides of a hole punch dial each other's public mapping (the address manager lists observed
 *   addresses only once AutoNAT confirmed them: never, on STOQ);
 * - it learns of relayed connections with their address in the form `/p2p/RELAY/p2p-circuit/p2p/PEER`: libp2p's
 *   address matchers know no `/stoq`, so `/ip6/…/udp/…/stoq/p2p/RELAY/p2p-circuit/…` would pass for a direct
 *   connection, and DCUtR would never start.
 */
export function dcutrComponents(components: NatComponents, nat: ObservedStoqAddresses): DCUtRServiceComponents {
  const self = `/p2p/${components.peerId.toString()}`;
  const candidates = (): Multiaddr[] => {
    const out = components.addressManager.getAddresses();
    const have = new Set(out.map((ma) => ma.toString()));
    for (const address of nat.list()) {
      const ma = stoqMultiaddr(address).encapsulate(self);
      if (!have.has(ma.toString())) out.push(ma);
    }
    return out;
  };
  const registrar = components.registrar;
  const register: typeof registrar.register = (protocol, topology, options) =>
    registrar.register(
      protocol,
      {
        ...topology,
        ...(topology.onConnect
          ? { onConnect: (peer: PeerId, connection: Connection) => topology.onConnect?.(peer, circuitView(connection)) }
          : {}),
      },
      options,
    );
  return {
    peerStore: components.peerStore,
    connectionManager: components.connectionManager,
    transportManager: components.transportManager,
    logger: components.logger,
    addressManager: override(components.addressManager, { getAddresses: candidates }),
    registrar: override(registrar, { register }),
  };
}

/** A relayed connection as libp2p's matchers recognise one (`/p2p/RELAY/p2p-circuit/p2p/PEER`); others as they are. */
export function circuitView(connection: Connection): Connection {
  const text = connection.remoteAddr.toString();
  const at = text.indexOf('/p2p-circuit');
  const relay = at < 0 ? undefined : /\/p2p\/([^/]+)$/.exec(text.slice(0, at))?.[1];
  if (relay === undefined) return connection;
  return override(connection, { remoteAddr: multiaddr(`/p2p/${relay}${text.slice(at)}`) });
}

/** `target` with some members replaced; its own methods stay bound to it. */
function override<T extends object>(target: T, members: Partial<T>): T {
  return new Proxy(target, {
    get(inner, prop) {
      if (Object.hasOwn(members, prop)) return (members as Record<string | symbol, unknown>)[prop];
      const value: unknown = Reflect.get(inner, prop, inner);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(inner) : value;
    },
  });
}

/**
 * Reachability from the addresses libp2p reports: a public address of its own (a STOQ socket bound to one) means
 * public; otherwise a relay reservation (a /p2p-circuit address) means relayed; only LAN addresses means behind
 * NAT (no relay yet); only loopback says nothing.
 */
export function reachabilityOf(addresses: readonly string[]): Reachability {
  const direct = addresses.filter((a) => !a.includes('/p2p-circuit'));
  const hosts = direct.map((a) => /^\/ip[46]\/([^/]+)\//.exec(a)?.[1]).filter((h): h is string => h !== undefined);
  const loopback = (h: string) => h === '::1' || h.startsWith('127.');
  const routable = hosts.filter((h) => !loopback(h));
  if (routable.some((h) => isPublicStoqAddress({ host: h, port: 1 }))) return 'public';
  if (direct.length < addresses.length) return 'relayed';
  if (routable.length > 0) return 'behind-nat';
  return 'unknown';
}
