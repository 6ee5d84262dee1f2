import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { ErrorCode, HyperMeshError } from '../../../shared/errors';
import { formatHostPort, type PeerConnectionStats } from '../../../shared/network';
import type { Logger } from '../../logging/log-book';
import { StoqCode } from './frames';
import {
  PeerVerificationError,
  type CertificateMaterial,
  type PeerIdentity,
  type PeerVerifier,
} from './node-certificate';
import {
  buildConfig,
  CID_LENGTH,
  DEFAULT_DATAGRAM_BYTES,
  quiche,
  type QuicheConfig,
  type QuicheConnection,
} from './quiche';
import { StoqStream, StreamError, type StreamHost } from './stream';
import { TIERS, type TierName } from './tiers';

export class TransportError extends HyperMeshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Transport, message, options);
  }
}

export interface EndpointOptions {
  /** `::` or `::1` (IPv6 first); an IPv4 address only where the user turned IPv4 on. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly certificate: CertificateMaterial;
  readonly verifier: PeerVerifier;
  readonly log: Logger;
  readonly idleTimeoutMs?: number;
  readonly datagramBytes?: number;
  /** Tier used before a path is measured (or pinned by the user). */
  readonly tier?: TierName;
  /** Whether to accept connections (a dial-only endpoint says false). */
  readonly acceptIncoming?: boolean;
  /** On `::`, also take IPv4 (mapped) traffic; off by default, as STOQ is IPv6 first. */
  readonly dualStack?: boolean;
  /** Paces every stream write on every connection (the bandwidth limiter); none lets writes go at once. */
  readonly pace?: (bytes: number) => Promise<void> | null;
}

/** What one connection reports; the transport adds the tier. */
export type ConnectionMetrics = Omit<PeerConnectionStats, 'tier'>;

type HostPort = { host: string; port: number };

/** Packets one connection may send per pass before others (and incoming ACKs) get a turn. */
const MAX_PACKETS_PER_PASS = 512;
/** Connections still in their handshake or verification at once; more Initials are dropped (flood guard). */
const MAX_UNVERIFIED = 256;

function cidKey(cid: Uint8Array): string {
  return Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1');
}

/**
 * One QUIC connection driven directly over quiche's native binding: packets are fed in as they arrive, and one
 * coalesced pass per event-loop turn processes streams and sends everything quiche has — no per-packet promises,
 * locks or timers. Peers are verified by STOQ (PeerVerifier) before any stream is served.
 */
export class StoqConnection implements StreamHost {
  readonly streams = new Map<number, StoqStream>();
  chunkBytes: number;
  /** Reads land here and are copied out at their exact size, so a tiny read never pins a large buffer. */
  readonly scratch = Buffer.allocUnsafe(256 * 1024);
  peerIdentity: PeerIdentity | undefined;
  closeReason: string | undefined;
  /** Set on dials whose calls authenticate themselves: a peer that fails verification is kept, marked unanchored. */
  unverifiedOk = false;
  private verified = false;
  private highestPeerStream = -1;
  private refused = false;
  private closedFlag = false;
  private nextStreamId: number;
  /** When the connection began (performance.now()). */
  readonly startedAt = performance.now();
  private handshakeMs: number | null = null;
  private appSent = 0;
  private appReceived = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDeadline = Infinity;
  private readonly established: Promise<PeerIdentity>;
  private resolveEstablished!: (peer: PeerIdentity) => void;
  private rejectEstablished!: (err: Error) => void;
  private readonly closedWaiters: (() => void)[] = [];
  private readonly recvInfo: { from: HostPort; to: HostPort };
  onStream: ((stream: StoqStream) => void) | undefined;

  constructor(
    readonly conn: QuicheConnection,
    readonly role: 'client' | 'server',
    readonly scid: Buffer,
    readonly peer: HostPort,
    local: HostPort,
    private readonly endpoint: StoqEndpoint,
    private readonly expectedNodeId: string | undefined,
  ) {
    this.nextStreamId = role === 'client' ? 0 : 1;
    this.chunkBytes = TIERS[endpoint.tier].chunkBytes;
    this.recvInfo = { from: peer, to: local };
    this.established = new Promise((resolve, reject) => {
      this.resolveEstablished = resolve;
      this.rejectEstablished = reject;
    });
    this.established.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  /** The leaf certificate the peer presented in the handshake (DER). */
  peerCertificate(): Uint8Array | undefined {
    return this.conn.peerCertChain()?.[0];
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Verified and neither closing nor closed: what the node counts as a live peer connection. */
  get isUsable(): boolean {
    return this.verified && !this.closedFlag && this.conn.localError() === null && this.conn.peerError() === null;
  }

  get peerLabel(): string {
    return formatHostPort(this.peer);
  }

  /** Resolves with the verified peer once the handshake and STOQ's own verification are done. */
  ready(): Promise<PeerIdentity> {
    return this.established;
  }

  /** Resolves once the connection is fully closed. */
  closed(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  openStream(): StoqStream {
    if (this.closedFlag) throw new TransportError(`the connection to ${this.peerLabel} is closed`);
    if (!this.verified) throw new TransportError('the connection is not established yet');
    const stream = new StoqStream(this.nextStreamId, this);
    this.nextStreamId += 4;
    this.streams.set(stream.id, stream);
    return stream;
  }

  /** Closes with a STOQ code and reason the peer sees; pending streams fail. */
  close(code: number = StoqCode.NoError, reason = ''): void {
    if (this.closedFlag) return;
    try {
      this.conn.close(true, code, Buffer.from(reason));
    } catch {
      // already closing
    }
    this.wake();
  }

  /** Sends a PING if nothing else is going on, so idle timeouts and NAT bindings do not end the connection. */
  keepAlive(): void {
    if (this.closedFlag || !this.verified) return;
    try {
      this.conn.sendAckEliciting();
    } catch {
      return;
    }
    this.wake();
  }

  /** Packets for this connection. */
  recv(packet: Buffer, from: HostPort): void {
    const info = this.recvInfo;
    if (info.from.host !== from.host || info.from.port !== from.port) info.from = from;
    try {
      this.conn.recv(packet, info);
    } catch (err) {
      // A packet quiche cannot use (garbage, wrong keys) is dropped; the connection itself decides if it is fatal.
      this.endpoint.log.debug(`dropped a packet from ${this.peerLabel}: ${(err as Error).message}`);
    }
  }

  /** One pass: verify, serve readable and writable streams, send, re-arm the timer. */
  process(): void {
    if (this.closedFlag) return;
    if (!this.verified && !this.refused && this.conn.isEstablished() && !this.conn.isClosed()) {
      this.verifyPeer();
    }
    if (this.verified) {
      // quiche's stream iterators cost tens of microseconds even when empty (the native iterator throws to end), so
      // they are walked only when there is something to find: readable streams, and streams with a write waiting.
      if (this.conn.isReadable()) this.serveReadable();
      for (const stream of this.streams.values()) {
        if (stream.writePending && this.streamWritable(stream.id)) stream.onWritable();
      }
    }
    this.flush();
    if (this.conn.isClosed()) this.finish();
    else this.armTimer();
  }

  /** Whether a stream can take data now; true when quiche refuses to say (stopped, reset), so the write learns why. */
  private streamWritable(id: number): boolean {
    try {
      return this.conn.streamWritable(id, 1);
    } catch {
      return true;
    }
  }

  private serveReadable(): void {
    for (const id of this.conn.readable()) {
      let stream = this.streams.get(id);
      if (!stream) {
        if ((id & 1) === (this.role === 'client' ? 0 : 1)) continue; // our own, already released
        if ((id & 2) !== 0 || id <= this.highestPeerStream) {
          // STOQ uses no unidirectional streams; an old id is one we already finished with.
          this.shutdownStream(id);
          continue;
        }
        this.highestPeerStream = id;
        stream = new StoqStream(id, this);
        this.streams.set(id, stream);
        if (this.onStream) this.onStream(stream);
        else stream.reset(StoqCode.UnknownMethod, 'no handler for incoming streams');
      }
      stream.onReadable();
    }
  }

  /** Sends every packet quiche has ready. */
  flush(): void {
    if (this.endpoint.socketClosed) return;
    // Closing (RFC 9000 §10.2.1): one CONNECTION_CLOSE per pass is enough — quiche would produce them endlessly.
    const limit = this.conn.localError() === null ? MAX_PACKETS_PER_PASS : 1;
    for (let sent = 0; ; sent++) {
      if (sent === limit) {
        if (limit > 1) this.wake(); // let other connections and incoming packets have a turn
        break;
      }
      const out = this.endpoint.sendBuffer();
      let result;
      try {
        result = this.conn.send(out);
      } catch (err) {
        this.endpoint.log.warn(`QUIC send failed for ${this.peerLabel}: ${(err as Error).message}`);
        break;
      }
      if (result === null) break;
      const [len, info] = result;
      if (len === 0) break; // nothing written: quiche has nothing more to say now
      this.endpoint.consumeSendBuffer(len);
      this.endpoint.send(out.subarray(0, len), info.to);
    }
  }

  wake(): void {
    this.endpoint.markDirty(this);
  }

  /** Tells the peer to stop both directions of a stream this side will not serve. */
  shutdownStream(id: number, code: number = StoqCode.ProtocolError): void {
    for (const dir of [quiche.Shutdown.Read, quiche.Shutdown.Write]) {
      try {
        this.conn.streamShutdown(id, dir, code);
      } catch {
        // that direction was already finished
      }
    }
    this.wake();
  }

  release(stream: StoqStream): void {
    this.streams.delete(stream.id);
  }

  pace(bytes: number): Promise<void> | null {
    return this.endpoint.pace(bytes);
  }

  countBytes(sent: number, received: number): void {
    this.appSent += sent;
    this.appReceived += received;
  }

  metrics(): ConnectionMetrics {
    let stats;
    let path;
    try {
      stats = this.conn.stats();
      path = this.conn.pathStats()[0];
    } catch {
      stats = undefined;
    }
    return {
      peer: this.peerLabel,
      nodeId: this.peerIdentity?.nodeId ?? null,
      identity: this.peerIdentity ? (this.peerIdentity.kind ?? 'self-signed') : null,
      role: this.role,
      handshakeMs: this.handshakeMs,
      rttMs: path ? path.rtt : null,
      bytesSent: stats?.sentBytes ?? 0,
      bytesReceived: stats?.recvBytes ?? 0,
      appBytesSent: this.appSent,
      appBytesReceived: this.appReceived,
      packetsSent: stats?.sent ?? 0,
      packetsReceived: stats?.recv ?? 0,
      packetsLost: stats?.lost ?? 0,
      retransmits: stats?.retrans ?? 0,
      openStreams: this.streams.size,
      cwndBytes: path ? path.cwnd : null,
      deliveryRateBytesPerSec: path ? path.deliveryRate : null,
    };
  }

  private verifyPeer(): void {
    const chain = this.conn.peerCertChain() ?? [];
    try {
      this.peerIdentity = this.endpoint.verifier.verify(chain, this.expectedNodeId);
    } catch (err) {
      if (this.unverifiedOk && chain[0]) {
        // Only for calls that authenticate themselves (signed requests and answers): the peer is not trusted.
        const sha = createHash('sha256').update(chain[0]).digest('hex');
        this.peerIdentity = {
          nodeId: `unverified-${sha.slice(0, 16)}`,
          certificateSha256: sha,
          notAfter: new Date(0),
          kind: 'unanchored',
        };
        this.verified = true;
        this.handshakeMs = performance.now() - this.startedAt;
        this.resolveEstablished(this.peerIdentity);
        return;
      }
      const message = err instanceof PeerVerificationError ? err.message : `peer verification failed: ${String(err)}`;
      this.endpoint.log.warn(`refused peer ${this.peerLabel}: ${message}`);
      this.refused = true;
      this.closeReason = message;
      this.rejectEstablished(new TransportError(`peer ${this.peerLabel} refused: ${message}`));
      try {
        this.conn.close(true, StoqCode.AuthFailed, Buffer.from('certificate refused'));
      } catch {
        // already closing
      }
      return;
    }
    this.verified = true;
    this.handshakeMs = performance.now() - this.startedAt;
    // Synchronously, so the application can set onStream before this same pass serves the first streams.
    if (this.role === 'server') this.endpoint.accepted(this);
    this.resolveEstablished(this.peerIdentity);
  }

  private armTimer(): void {
    const ms = this.conn.timeout();
    if (ms === null) return;
    const deadline = performance.now() + ms;
    // An earlier timer already pending covers a later deadline: on_timeout is harmless when nothing expired.
    if (this.timer && deadline >= this.timerDeadline) return;
    clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDeadline = Infinity;
      this.conn.onTimeout();
      this.process();
    }, ms);
  }

  private finish(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearTimeout(this.timer);
    const peerError = this.conn.peerError();
    const localError = this.conn.localError();
    const why =
      this.closeReason ??
      (this.conn.isTimedOut()
        ? 'the peer stopped answering (idle timeout)'
        : peerError
          ? `closed by the peer (code ${peerError.errorCode}${peerError.reason.length ? `: ${Buffer.from(peerError.reason).toString()}` : ''})`
          : localError
            ? `closed (code ${localError.errorCode})`
            : 'closed');
    this.closeReason = why;
    const err = new StreamError(`connection to ${this.peerLabel} ${why}`);
    for (const stream of [...this.streams.values()]) stream.fail(err);
    this.streams.clear();
    if (!this.verified) this.rejectEstablished(new TransportError(`could not connect to ${this.peerLabel}: ${why}`));
    this.endpoint.forget(this);
    for (const resolve of this.closedWaiters.splice(0)) resolve();
  }
}

/**
 * A UDP socket that accepts and dials STOQ connections. Incoming packets are routed by connection id; new
 * connections get an id derived (HMAC) from the client's first destination id, so retransmitted Initial packets
 * find the same connection.
 */
export class StoqEndpoint {
  readonly socket: dgram.Socket;
  readonly log: Logger;
  readonly verifier: PeerVerifier;
  tier: TierName;
  private readonly byCid = new Map<string, StoqConnection>();
  private readonly connections = new Set<StoqConnection>();
  private readonly dirty = new Set<StoqConnection>();
  private scheduled = false;
  private local: HostPort = { host: '::', port: 0 };
  private readonly cidSecret = randomBytes(32);
  private serverConfig: QuicheConfig | undefined;
  private clientConfig: QuicheConfig | undefined;
  private slab = Buffer.allocUnsafe(0);
  private slabOffset = 0;
  private readonly datagramBytes: number;
  private closing = false;
  socketClosed = false;
  onConnection: ((connection: StoqConnection) => void) | undefined;

  private certificate: CertificateMaterial;
  private clientCertificate: CertificateMaterial;

  private constructor(private readonly options: EndpointOptions) {
    this.certificate = options.certificate;
    this.clientCertificate = options.certificate;
    this.log = options.log;
    this.verifier = options.verifier;
    this.tier = options.tier ?? '1G';
    this.datagramBytes = options.datagramBytes ?? DEFAULT_DATAGRAM_BYTES;
    const v6 = isIP(options.host) === 6;
    this.socket = dgram.createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ipv6Only: v6 && options.dualStack !== true,
      recvBufferSize: 4 << 20,
      sendBufferSize: 4 << 20,
    });
  }

  static async listen(options: EndpointOptions): Promise<StoqEndpoint> {
    if (isIP(options.host) === 0)
      throw new TransportError(`listen address must be an IP address, got "${options.host}"`);
    const endpoint = new StoqEndpoint(options);
    await endpoint.bind();
    return endpoint;
  }

  get address(): HostPort {
    return this.local;
  }

  /** The bandwidth limiter's wait for `bytes` written to any peer stream, or null to go at once. */
  pace(bytes: number): Promise<void> | null {
    return this.options.pace?.(bytes) ?? null;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private verifiedCount(): number {
    let n = 0;
    for (const c of this.connections) if (c.peerIdentity) n++;
    return n;
  }

  /** Live, verified connections (not those being refused or closing). */
  allConnections(): StoqConnection[] {
    return [...this.connections].filter((c) => c.isUsable);
  }

  /** Dials a peer; resolves once the peer is verified (and is the expected NodeId, if one is given). */
  async connect(
    peer: HostPort,
    expectedNodeId?: string,
    signal?: AbortSignal,
    options: { unverifiedOk?: boolean } = {},
  ): Promise<StoqConnection> {
    if (this.closing) throw new TransportError('the endpoint is closed');
    const scid = randomBytes(CID_LENGTH);
    let conn: QuicheConnection;
    try {
      conn = quiche.Connection.connect(null, scid, this.local, peer, this.config('client'));
    } catch (err) {
      throw new TransportError(`cannot dial ${peer.host}:${peer.port}: ${(err as Error).message}`, { cause: err });
    }
    const connection = new StoqConnection(conn, 'client', scid, peer, this.local, this, expectedNodeId);
    connection.unverifiedOk = options.unverifiedOk ?? false;
    this.track(connection, [scid]);
    connection.process();
    const abort = () => connection.close(StoqCode.Cancelled, 'dial cancelled');
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await connection.ready();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    return connection;
  }

  /** Closes every connection (peers are told) and the socket. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const all = [...this.connections];
    for (const c of all) c.close(StoqCode.Shutdown, 'node shutting down');
    this.runPass();
    // Draining lasts about three RTTs on a live path; do not wait on peers that are gone.
    await Promise.race([Promise.all(all.map((c) => c.closed())), new Promise((r) => setTimeout(r, 300))]);
    for (const c of this.connections) c.conn.onTimeout();
    if (!this.socketClosed) await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  /** A verified incoming connection. */
  accepted(connection: StoqConnection): void {
    this.log.info(`accepted peer ${connection.peerIdentity?.nodeId.slice(0, 8) ?? '?'} from ${connection.peerLabel}`);
    if (this.onConnection) this.onConnection(connection);
  }

  /**
   * Presents `certificate` on connections made from now on (a renewed or newly issued one); open ones keep theirs.
   * `role` limits it to the connections this endpoint accepts (server) or dials (client).
   */
  setCertificate(certificate: CertificateMaterial, role: 'client' | 'server' | 'both' = 'both'): void {
    if (role !== 'client') {
      this.certificate = certificate;
      this.serverConfig = undefined;
    }
    if (role !== 'server') {
      this.clientCertificate = certificate;
      this.clientConfig = undefined;
    }
  }

  get currentCertificate(): CertificateMaterial {
    return this.certificate;
  }

  /** Windows and stream limits of connections made from now on follow `tier`. */

  setTier(tier: TierName): void {
    if (tier === this.tier) return;
    this.tier = tier;
    this.serverConfig = undefined;
    this.clientConfig = undefined;
  }

  markDirty(connection: StoqConnection): void {
    this.dirty.add(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.runPass());
  }

  forget(connection: StoqConnection): void {
    this.connections.delete(connection);
    for (const [key, c] of this.byCid) if (c === connection) this.byCid.delete(key);
  }

  /** A buffer for the next outgoing datagram, carved from a slab: Node keeps sent buffers until the send is done. */
  sendBuffer(): Buffer {
    if (this.slab.length - this.slabOffset < this.datagramBytes) {
      this.slab = Buffer.allocUnsafe(256 * 1024);
      this.slabOffset = 0;
    }
    return this.slab.subarray(this.slabOffset, this.slabOffset + this.datagramBytes);
  }

  consumeSendBuffer(len: number): void {
    this.slabOffset += len;
  }

  private runPass(): void {
    this.scheduled = false;
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const c of batch) c.process();
  }

  private config(role: 'client' | 'server'): QuicheConfig {
    const existing = role === 'client' ? this.clientConfig : this.serverConfig;
    if (existing) return existing;
    const tier = TIERS[this.tier];
    const config = buildConfig({
      certPem: (role === 'client' ? this.clientCertificate : this.certificate).certPem,
      keyPem: (role === 'client' ? this.clientCertificate : this.certificate).keyPem,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 30_000,
      datagramBytes: this.datagramBytes,
      streamWindow: tier.streamWindow,
      connectionWindow: tier.connectionWindow,
      maxStreams: tier.maxStreams,
    });
    if (role === 'client') this.clientConfig = config;
    else this.serverConfig = config;
    return config;
  }

  private track(connection: StoqConnection, cids: Uint8Array[]): void {
    this.connections.add(connection);
    for (const cid of cids) this.byCid.set(cidKey(cid), connection);
  }

  private async bind(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new TransportError(
                `UDP port ${this.options.port} on ${this.options.host} is already in use (another node?); ` +
                  'choose another with --listen',
              )
            : new TransportError(`cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`),
        ),
      );
      this.socket.bind(this.options.port, this.options.host, () => {
        this.socket.removeAllListeners('error');
        resolve();
      });
    });
    const addr = this.socket.address();
    this.local = { host: addr.address, port: addr.port };
    this.socket.on('message', (msg, rinfo) => this.onPacket(msg, { host: rinfo.address, port: rinfo.port }));
    this.socket.on('error', (err) => this.log.warn(`UDP socket error: ${err.message}`));
    this.socket.on('close', () => {
      this.socketClosed = true;
    });
  }

  /** Sends one datagram; a send the OS refuses (bad address, closed socket) loses a packet, never the node. */
  send(data: Buffer, to: HostPort): void {
    if (this.socketClosed) return;
    try {
      this.socket.send(data, to.port, to.host);
    } catch (err) {
      this.log.debug(`UDP send to ${formatHostPort(to)} failed: ${(err as Error).message}`);
    }
  }

  private onPacket(packet: Buffer, from: HostPort): void {
    if (from.port === 0) return; // no reply can reach port 0, and Node refuses to send there
    // Fast path: a short-header packet (most of them) carries our 20-byte connection id right after its first byte.
    if (packet.length > CID_LENGTH && ((packet[0] as number) & 0x80) === 0) {
      const known = this.byCid.get(packet.toString('latin1', 1, 1 + CID_LENGTH));
      if (known) {
        known.recv(packet, from);
        this.markDirty(known);
      }
      return;
    }
    let header;
    try {
      header = quiche.Header.fromSlice(packet, CID_LENGTH);
    } catch {
      return; // not QUIC: ignored, as a public UDP port must
    }
    let connection = this.byCid.get(cidKey(header.dcid));
    if (!connection) {
      if (header.ty !== quiche.Type.Initial || this.closing || this.options.acceptIncoming === false) return;
      if (!quiche.versionIsSupported(header.version)) {
        // RFC 9000 §6: answer only full-size Initials, so the reply is never larger than what provoked it.
        if (packet.length < 1200) return;
        const out = Buffer.allocUnsafe(this.datagramBytes);
        const len = quiche.negotiateVersion(header.scid, header.dcid, out);
        this.send(out.subarray(0, len), from);
        return;
      }
      if (this.connections.size - this.verifiedCount() >= MAX_UNVERIFIED) {
        this.log.debug(`dropped an Initial from ${from.host}: too many connections being set up`);
        return;
      }
      const scid = createHmac('sha256', this.cidSecret).update(header.dcid).digest().subarray(0, CID_LENGTH);
      connection = this.byCid.get(cidKey(scid));
      if (!connection) {
        let conn: QuicheConnection;
        try {
          conn = quiche.Connection.accept(scid, null, this.local, from, this.config('server'));
        } catch (err) {
          this.log.debug(`refused an Initial packet from ${from.host}: ${(err as Error).message}`);
          return;
        }
        connection = new StoqConnection(conn, 'server', scid, from, this.local, this, undefined);
        this.track(connection, [scid, header.dcid]);
      }
    }
    connection.recv(packet, from);
    this.markDirty(connection);
  }
}

export { StoqStream, StreamError };
