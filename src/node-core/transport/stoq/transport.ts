import { createHash } from 'node:crypto';
import { formatHostPort, type NetworkStats, type PeerConnectionStats } from '../../../shared/network';
import type { NodeIdentity } from '../../identity/index';
import type { Logger } from '../../logging/index';
import { StoqEndpoint, TransportError, type StoqConnection } from './endpoint';
import { StoqCode } from './frames';
import {
  createSelfSignedNodeCertificate,
  createSelfSignedVerifier,
  type CertificateMaterial,
  type PeerIdentity,
  type PeerVerifier,
} from './node-certificate';
import { RateLimiter } from './rate-limiter';
import {
  RpcError,
  request,
  sendBulk,
  openChannel,
  type Channel,
  sendMessage,
  serveConnection,
  StoqRouter,
  type BulkOptions,
  type CallOptions,
} from './rpc';
import { TIERS, chooseTier, shouldRetier, type PathMeasurement, type TierName } from './tiers';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type PeerAddress = HostPort;

/** Where known nodes listen, so they can be dialled by NodeId (the node keeps it in SQLite). */
export interface PeerAddressBook {
  remember(nodeId: string, address: PeerAddress, rttMs: number | null): void;
  lookup(nodeId: string): PeerAddress | undefined;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly identity: NodeIdentity;
  readonly log: Logger;
  /** Self-signed node certificates until TrustChain issues them. */
  readonly verifier?: PeerVerifier;
  readonly idleTimeoutMs?: number;
  readonly keepAliveMs?: number;
  readonly pinnedTier?: TierName | null;
  /** Cap on everything this node writes to peers (every stream of every connection); null for none. */
  readonly bandwidthCapBitsPerSec?: number | null;
  readonly maxFrameBytes?: number;
  readonly dualStack?: boolean;
  readonly addressBook?: PeerAddressBook;
  /** The certificate presented to peers; a self-signed node certificate if none is given. */
  readonly certificate?: CertificateMaterial;
}

/** A verified peer, reachable over one reused connection (the preferred one, if two ever exist). */
export interface PeerLink {
  readonly peer: PeerIdentity;
  /** The connection calls go over now. */
  readonly connection: StoqConnection;
  request(method: string, body: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
  message(method: string, body: Uint8Array): Promise<void>;
  bulk(
    method: string,
    meta: Uint8Array,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options?: BulkOptions,
  ): Promise<Uint8Array>;
  /** Opens a long-lived raw byte channel to one of the peer's channel methods (the mesh carries libp2p on one). */
  channel(method: string, meta: Uint8Array, options?: CallOptions): Promise<Channel & { reply: Uint8Array }>;
  close(reason?: string): void;
}

/** How the rest of the node talks to peers; it never touches QUIC itself. */
export interface Transport {
  readonly router: StoqRouter;
  readonly address: HostPort;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reuses the open connection to `expectedNodeId` if there is one. */
  dial(address: HostPort, expectedNodeId?: string, signal?: AbortSignal): Promise<PeerLink>;
  /**
   * A private connection to `address` for calls that authenticate themselves (a CA's signed co-signing requests):
   * the peer is not required to pass verification, is not shared with other callers and is not told our chain.
   */
  dialUnverified(address: HostPort, signal?: AbortSignal): Promise<PeerLink>;
  /** Dials a node by NodeId at the address it was last reached at. */
  dialNode(nodeId: string, signal?: AbortSignal): Promise<PeerLink>;
  /**
   * Measures RTT and throughput to a peer and applies the tier that fits (unless one is pinned). The probe is paced
   * like all traffic, so under a bandwidth cap it measures what this node may send.
   */
  measure(link: PeerLink): Promise<PathMeasurement & { tier: TierName }>;
  setBandwidthCap(bitsPerSec: number | null): void;
  /**
   * What this node sent to peers over the last `windowMs` (2 s by default), in bits/s, as the bandwidth limiter
   * counted it: the figure the cap holds to.
   */
  sentBitsPerSec(windowMs?: number): number;
  /** The cap in force now, bits/s, or null for none. */
  bandwidthCapBitsPerSec(): number | null;
  pinTier(tier: TierName | null): void;
  stats(): NetworkStats;
  /**
   * Presents `certificate` (issued or renewed) on connections made from now on. With `helloChain`, the certificate
   * is presented only to nodes that dial this one; when dialing, the node shows its own-key certificate in the
   * handshake and then `helloChain` in a STOQ hello (see docs/protocol/stoq.md: client chains must stay small).
   */
  setCertificate(certificate: CertificateMaterial, helloChain?: readonly Uint8Array[]): void;
  /** Back to the self-signed own-key certificate (this node's TrustChain certificate stopped holding). */
  presentOwnKeyOnly(): void;
  /** The certificate this node presents now (self-signed until TrustChain issues one). */
  certificate(): CertificateMaterial | undefined;
  /** Closes every connection whose peer `drop` selects (e.g. a certificate revoked since); returns how many. */
  closePeers(drop: (peer: PeerIdentity) => boolean, reason: string): number;
}

const PROBE_BYTES = 4 * 1024 * 1024;

/** Two connections between the same nodes begun this close together are a crossed dial, not a reconnection. */
const CROSSED_DIAL_WINDOW_MS = 10_000;

export function createStoqTransport(options: TransportOptions): Transport {
  const router = new StoqRouter();
  const limiter = new RateLimiter(options.bandwidthCapBitsPerSec ?? null);
  const log = options.log;
  const byNode = new Map<string, StoqConnection>();
  const measured = new Map<string, PathMeasurement & { tier: TierName }>();
  let pinned: TierName | null = options.pinnedTier ?? null;
  let endpoint: StoqEndpoint | undefined;
  let ownKeyCertificate: CertificateMaterial | undefined;
  /** Credentials shown after the handshake on connections this node dials (its TrustChain chain). */
  let helloChain: readonly Uint8Array[] | null = null;
  let keepAlive: NodeJS.Timeout | undefined;
  let totals = { bytesSent: 0, bytesReceived: 0, at: performance.now() };
  let lastSample = { bytesSent: 0, bytesReceived: 0, at: performance.now() };

  // Built in: a ping for RTT and a sink for throughput probes.
  router.rpc('stoq.ping', (body) => body);
  router.bulk('stoq.probe', async (_meta, data) => {
    let n = 0;
    for await (const chunk of data) n += chunk.length;
    return Buffer.from(String(n));
  });
  // Integrity check of a transfer end to end: answers the SHA-256 and length of what arrived.
  router.bulk('stoq.digest', async (_meta, data) => {
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of data) {
      hash.update(chunk);
      n += chunk.length;
    }
    return Buffer.from(JSON.stringify({ sha256: hash.digest('hex'), bytes: n }));
  });

  // A dialing node's TrustChain chain, shown after the handshake: the peer verifies it and upgrades our identity.
  router.rpc('stoq.hello', (body, ctx) => {
    const verifier = options.verifier;
    const leaf = ctx.connection.peerCertificate();
    if (!verifier?.verifyPresented || !leaf)
      throw new TransportError('this node takes no credentials after the handshake');
    let upgraded: PeerIdentity;
    try {
      upgraded = verifier.verifyPresented(decodeChain(body), leaf, ctx.peer);
    } catch (err) {
      const why = (err as Error).message;
      log.warn(`refused peer ${ctx.connection.peerLabel}: ${why}`);
      // Refused like a bad handshake certificate: the connection goes, after the error reply is on its way.
      setTimeout(() => ctx.connection.close(StoqCode.AuthFailed, 'certificate refused'), 50).unref();
      throw err;
    }
    ctx.connection.peerIdentity = upgraded;
    return new Uint8Array();
  });

  const hello = async (connection: StoqConnection, chain: readonly Uint8Array[]) => {
    try {
      await request(connection, 'stoq.hello', encodeChain(chain), {
        timeoutMs: 15_000,
        ...pick(options.maxFrameBytes),
      });
    } catch (err) {
      // A node that has never heard of TrustChain hellos still talks to us as a self-signed peer.
      if (err instanceof RpcError && err.stoqCode === StoqCode.UnknownMethod) return;
      connection.close(StoqCode.AuthFailed, 'credentials refused');
      throw new TransportError(`${connection.peerLabel} refused this node's certificate: ${(err as Error).message}`);
    }
  };

  const link = (first: StoqConnection): PeerLink => {
    const peer = first.peerIdentity as PeerIdentity;
    let closedByUs = false;
    // Each call takes the peer's preferred connection at that moment, so a link survives a replaced connection.
    const current = () => {
      const preferred = byNode.get(peer.nodeId);
      return preferred?.isUsable ? preferred : first;
    };
    // A connection that closed since the link was made (an idle timeout on a starved machine, the peer's restart) is
    // dialled again where the peer's address is known: the call has sent nothing yet, so trying it anew is safe.
    const usable = async (): Promise<StoqConnection> => {
      const c = current();
      if (c.isUsable || closedByUs || !options.addressBook?.lookup(peer.nodeId)) return c;
      return (await transport.dialNode(peer.nodeId)).connection;
    };
    return {
      peer,
      get connection() {
        return current();
      },
      request: async (method, body, callOptions) =>
        request(await usable(), method, body, { ...pick(options.maxFrameBytes), ...callOptions }),
      message: async (method, body) => sendMessage(await usable(), method, body, pick(options.maxFrameBytes)),
      bulk: async (method, meta, data, bulkOptions) =>
        sendBulk(await usable(), method, meta, data, {
          ...pick(options.maxFrameBytes),
          ...bulkOptions,
        }),
      channel: async (method, meta, callOptions) =>
        openChannel(await usable(), method, meta, { ...pick(options.maxFrameBytes), ...callOptions }),
      close: (reason = 'closed by the node') => {
        closedByUs = true;
        current().close(StoqCode.NoError, reason);
      },
    };
  };

  /** The node that opened a connection; of two connections between the same pair, the lower opener's wins. */
  const opener = (c: StoqConnection) =>
    c.role === 'client' ? options.identity.nodeId : (c.peerIdentity as PeerIdentity).nodeId;
  const pendingDials = new Map<string, Promise<PeerLink>>();

  const activity = new WeakMap<StoqConnection, number>();
  /**
   * Passive re-evaluation: on a connection that carried real traffic since the last look, quiche's own RTT and
   * delivery-rate estimates stand in for a probe; the tier changes only on a clear change (shouldRetier).
   */
  const retier = (connection: StoqConnection) => {
    const nodeId = connection.peerIdentity?.nodeId;
    if (!nodeId || pinned) return;
    const m = connection.metrics();
    const before = activity.get(connection) ?? 0;
    activity.set(connection, m.appBytesSent);
    if (m.appBytesSent - before < 8 * 1024 * 1024 || m.rttMs === null || !m.deliveryRateBytesPerSec) return;
    const current = { rttMs: m.rttMs, throughputBitsPerSec: m.deliveryRateBytesPerSec * 8 };
    const previous = measured.get(nodeId);
    if (previous && !shouldRetier(previous, current)) return;
    const tier = chooseTier(current);
    measured.set(nodeId, { ...current, tier });
    connection.chunkBytes = TIERS[tier].chunkBytes;
    if (previous?.tier !== tier) log.info(`path to ${nodeId.slice(0, 8)} now tier ${TIERS[tier].label}`);
  };

  const adopt = (connection: StoqConnection) => {
    const peer = connection.peerIdentity as PeerIdentity;
    const previous = byNode.get(peer.nodeId);
    if (previous && previous !== connection && previous.isUsable) {
      // Both sides dialled at once: both pick the same survivor (the one the lower NodeId opened). A connection
      // made well after the one held means the peer lost that one (it restarted, say): the new one wins, or
      // calls would keep going into a connection nobody answers until its idle timeout. The loser finishes what
      // is in flight and closes a little later.
      const crossed = Math.abs(connection.startedAt - previous.startedAt) < CROSSED_DIAL_WINDOW_MS;
      const keepNew = crossed ? opener(connection) < opener(previous) : connection.startedAt > previous.startedAt;
      const loser = keepNew ? previous : connection;
      if (keepNew) byNode.set(peer.nodeId, connection);
      setTimeout(() => loser.close(StoqCode.NoError, 'duplicate connection'), 5000).unref();
    } else {
      byNode.set(peer.nodeId, connection);
    }
    const tier = measured.get(peer.nodeId)?.tier ?? pinned;
    if (tier) connection.chunkBytes = TIERS[tier].chunkBytes;
    serveConnection(connection, router, { log: log.child('rpc'), ...pick(options.maxFrameBytes) });
    void connection.closed().then(() => {
      const m = connection.metrics();
      totals = {
        bytesSent: totals.bytesSent + m.bytesSent,
        bytesReceived: totals.bytesReceived + m.bytesReceived,
        at: totals.at,
      };
      if (byNode.get(peer.nodeId) === connection) byNode.delete(peer.nodeId);
      log.info(`connection to ${peer.nodeId.slice(0, 8)} closed: ${connection.closeReason ?? 'closed'}`);
    });
  };

  const transport: Transport = {
    router,
    get address() {
      if (!endpoint) throw new TransportError('the transport is not started');
      return endpoint.address;
    },

    async start() {
      ownKeyCertificate = await createSelfSignedNodeCertificate(options.identity);
      const certificate = options.certificate ?? ownKeyCertificate;
      endpoint = await StoqEndpoint.listen({
        host: options.host,
        port: options.port,
        certificate,
        verifier: options.verifier ?? createSelfSignedVerifier(),
        log,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        tier: pinned ?? '1G',
        ...(options.dualStack === undefined ? {} : { dualStack: options.dualStack }),
        pace: (bytes) => limiter.take(bytes),
      });
      endpoint.onConnection = adopt;
      const every = options.keepAliveMs ?? 10_000;
      keepAlive = setInterval(() => {
        for (const c of endpoint?.allConnections() ?? []) {
          c.keepAlive();
          retier(c);
        }
      }, every);
      keepAlive.unref();
      log.info(`STOQ listening on ${formatHostPort(endpoint.address)} (ALPN stoq/1)`);
    },

    async stop() {
      clearInterval(keepAlive);
      const e = endpoint;
      endpoint = undefined;
      await e?.close();
    },

    async dial(address, expectedNodeId, signal) {
      const e = endpoint;
      if (!e) throw new TransportError('the transport is not started');
      // Reuse the connection held to that node or, dialling by address alone, to that address.
      const existing = expectedNodeId
        ? byNode.get(expectedNodeId)
        : [...byNode.values()].find((c) => c.isUsable && c.peer.port === address.port && c.peer.host === address.host);
      if (existing?.isUsable) return link(existing);
      // Concurrent dials to one node share a single attempt.
      const pending = expectedNodeId ? pendingDials.get(expectedNodeId) : undefined;
      if (pending) return pending;
      const attempt = (async () => {
        const connection = await e.connect(address, expectedNodeId, signal);
        adopt(connection);
        if (helloChain) await hello(connection, helloChain);
        // Only addresses we dialled are listening addresses (an incoming peer's source port is not).
        options.addressBook?.remember(connection.peerIdentity!.nodeId, address, connection.metrics().rttMs);
        return link(connection);
      })();
      if (expectedNodeId) {
        pendingDials.set(expectedNodeId, attempt);
        void attempt.then(
          () => pendingDials.delete(expectedNodeId),
          () => pendingDials.delete(expectedNodeId),
        );
      }
      return attempt;
    },

    async dialUnverified(address, signal) {
      const e = endpoint;
      if (!e) throw new TransportError('the transport is not started');
      const connection = await e.connect(address, undefined, signal, { unverifiedOk: true });
      // Private either way: not adopted as the peer's connection and no hello, so neither side's certificate
      // (possibly mid-renewal) can make the self-authenticating call fail.
      serveConnection(connection, router, { log: log.child('rpc'), ...pick(options.maxFrameBytes) });
      return link(connection);
    },

    async dialNode(nodeId, signal) {
      const existing = byNode.get(nodeId);
      if (existing?.isUsable) return link(existing);
      const address = options.addressBook?.lookup(nodeId);
      if (!address) throw new TransportError(`no known address for NodeId ${nodeId}`);
      return transport.dial(address, nodeId, signal);
    },

    async measure(peerLink) {
      const rtts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await peerLink.request('stoq.ping', Buffer.alloc(32));
        rtts.push(performance.now() - t);
      }
      rtts.sort((a, b) => a - b);
      const chunk = Buffer.alloc(64 * 1024);
      const t = performance.now();
      await peerLink.bulk(
        'stoq.probe',
        Buffer.alloc(0),
        (function* () {
          for (let sent = 0; sent < PROBE_BYTES; sent += chunk.length) yield chunk;
        })(),
      );
      const seconds = (performance.now() - t) / 1000;
      const measurement = { rttMs: rtts[2] ?? 0, throughputBitsPerSec: (PROBE_BYTES * 8) / seconds };
      const tier = chooseTier(measurement, pinned);
      peerLink.connection.chunkBytes = TIERS[tier].chunkBytes;
      const result = { ...measurement, tier };
      measured.set(peerLink.peer.nodeId, result);
      log.info(
        `path to ${peerLink.peer.nodeId.slice(0, 8)}: RTT ${measurement.rttMs.toFixed(2)} ms, ` +
          `${(measurement.throughputBitsPerSec / 1e6).toFixed(0)} Mbit/s → tier ${TIERS[tier].label}`,
      );
      return result;
    },

    setBandwidthCap(bitsPerSec) {
      limiter.setCap(bitsPerSec);
    },

    sentBitsPerSec(windowMs) {
      return limiter.bitsPerSec(windowMs);
    },

    bandwidthCapBitsPerSec() {
      return limiter.capBitsPerSec;
    },

    presentOwnKeyOnly() {
      if (!endpoint || !ownKeyCertificate) return;
      endpoint.setCertificate(ownKeyCertificate);
      helloChain = null;
    },

    setCertificate(certificate, chain) {
      if (!endpoint) throw new TransportError('the transport is not started');
      if (chain) {
        endpoint.setCertificate(certificate, 'server');
        if (ownKeyCertificate) endpoint.setCertificate(ownKeyCertificate, 'client');
        helloChain = chain;
        // Peers connected before (the CA among them) still see the old certificate: show them the new chain.
        for (const connection of new Set(byNode.values())) {
          if (connection.isUsable) {
            hello(connection, chain).catch((err: unknown) => log.debug(`hello: ${(err as Error).message}`));
          }
        }
      } else {
        endpoint.setCertificate(certificate);
        helloChain = null;
      }
    },

    certificate() {
      return endpoint?.currentCertificate;
    },

    closePeers(drop, reason) {
      let n = 0;
      for (const c of endpoint?.allConnections() ?? []) {
        if (c.peerIdentity && drop(c.peerIdentity)) {
          c.close(StoqCode.AuthFailed, reason);
          n++;
        }
      }
      return n;
    },

    pinTier(tier) {
      pinned = tier;
      endpoint?.setTier(tier ?? '1G');
      if (tier) for (const c of endpoint?.allConnections() ?? []) c.chunkBytes = TIERS[tier].chunkBytes;
    },

    stats() {
      const now = performance.now();
      const connections: PeerConnectionStats[] = (endpoint?.allConnections() ?? []).map((c) => {
        const m = c.metrics();
        const tier = m.nodeId ? (measured.get(m.nodeId)?.tier ?? null) : null;
        return { ...m, tier };
      });
      const bytesSent = totals.bytesSent + connections.reduce((a, c) => a + c.bytesSent, 0);
      const bytesReceived = totals.bytesReceived + connections.reduce((a, c) => a + c.bytesReceived, 0);
      const seconds = Math.max(0.001, (now - lastSample.at) / 1000);
      const result: NetworkStats = {
        listening: endpoint ? { host: endpoint.address.host, port: endpoint.address.port } : null,
        udpPath: endpoint?.udpPath ?? null,
        pinnedTier: pinned,
        bandwidthCapBitsPerSec: limiter.capBitsPerSec,
        totals: {
          bytesSent,
          bytesReceived,
          sendBitsPerSec: Math.max(0, ((bytesSent - lastSample.bytesSent) * 8) / seconds),
          receiveBitsPerSec: Math.max(0, ((bytesReceived - lastSample.bytesReceived) * 8) / seconds),
          connections: connections.length,
          openStreams: connections.reduce((a, c) => a + c.openStreams, 0),
        },
        connections,
        sampledAt: new Date().toISOString(),
      };
      lastSample = { bytesSent, bytesReceived, at: now };
      return result;
    },
  };
  return transport;
}

/** [count u8] then [length u32][DER] per certificate, leaf first. */
export function encodeChain(chain: readonly Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from([chain.length])];
  for (const der of chain) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(der.length);
    parts.push(len, Buffer.from(der));
  }
  return Buffer.concat(parts);
}

export function decodeChain(body: Uint8Array): Uint8Array[] {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const count = b[0] ?? 0;
  if (count === 0 || count > 4) throw new TransportError('a certificate chain holds 1–4 certificates');
  const out: Uint8Array[] = [];
  let o = 1;
  for (let i = 0; i < count; i++) {
    if (o + 4 > b.length) throw new TransportError('the certificate chain is truncated');
    const len = b.readUInt32BE(o);
    o += 4;
    if (len === 0 || len > 64 * 1024 || o + len > b.length)
      throw new TransportError('the certificate chain is malformed');
    out.push(Uint8Array.from(b.subarray(o, o + len)));
    o += len;
  }
  if (o !== b.length) throw new TransportError('the certificate chain has trailing bytes');
  return out;
}

function pick(maxFrameBytes: number | undefined): { maxFrameBytes?: number } {
  return maxFrameBytes === undefined ? {} : { maxFrameBytes };
}
