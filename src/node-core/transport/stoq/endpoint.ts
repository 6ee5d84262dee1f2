import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Logger } from '../../logging/index';
import { InitialAdmission, type AdmissionCounters, type AdmissionLimits, type InitialToken } from './admission';
import {
  StoqConnection,
  TransportError,
  type ConnectionHost,
  type ConnectionMetrics,
  type HostPort,
} from './connection';
import { StoqCode } from './frames';
import type { CertificateMaterial, PeerVerifier } from './node-certificate';
import {
  buildConfig,
  CID_LENGTH,
  DEFAULT_DATAGRAM_BYTES,
  missingBindingCalls,
  quiche,
  type QuicheConfig,
  type QuicheConnection,
} from './quiche';
import { RetryTokens } from './retry-token';
import { StoqStream, StreamError } from './stream';
import { TIERS, type TierName } from './tiers';
import { openUdpSocket, UdpOpenError, type StoqUdpPath, type StoqUdpSocket } from './udp-socket';

export { StoqConnection, TransportError, type ConnectionMetrics };

/** Microtask passes per event-loop turn before the rest wait for setImmediate (see markDirty). */
const QUICK_PASSES_PER_TURN = 16;

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
  /** Flood defence: when to answer Initials with a Retry, and how many handshakes one source may start. */
  readonly admission?: Partial<AdmissionLimits>;
  /** How long a Retry token stays good. */
  readonly retryTokenLifetimeMs?: number;
  /**
   * Streams a peer may hold open on one connection at once (the per-connection memory budget, with the flow-control
   * windows); a peer that opens more is disconnected with StoqCode.OverBudget. Default: the tier's stream limit.
   */
  readonly maxPeerStreams?: number;
  /** Paces every stream write on every connection (the bandwidth limiter); none lets writes go at once. */
  readonly pace?: (bytes: number) => Promise<void> | null;
}

function cidKey(cid: Uint8Array): string {
  return Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1');
}

/** What the endpoint did with Initials that would open a connection (for tests, benchmarks and the logs). */
export interface AdmissionStats extends AdmissionCounters {
  /** Handshakes in flight now, and how many of them come from addresses no token validated. */
  readonly handshakes: number;
  readonly unvalidatedHandshakes: number;
}

/**
 * A UDP socket that accepts and dials STOQ connections. Incoming packets are routed by connection id; new
 * connections get an id derived (HMAC) from the client's first destination id, so retransmitted Initial packets
 * find the same connection. Initials that would open a connection pass InitialAdmission first (Retry under
 * pressure, a rate per source, a bound on handshakes in flight): see docs/protocol/stoq.md, "Flood defence".
 */
export class StoqEndpoint implements ConnectionHost {
  private socket!: StoqUdpSocket;
  readonly log: Logger;
  readonly verifier: PeerVerifier;
  tier: TierName;
  private readonly byCid = new Map<string, StoqConnection>();
  private readonly connections = new Set<StoqConnection>();
  private readonly dirty = new Set<StoqConnection>();
  /** A pass is queued as a microtask / with setImmediate. */
  private quickPass = false;
  private deferredPass = false;
  /** Microtask passes in this event-loop turn (reset by a setImmediate). */
  private quickPasses = 0;
  private local: HostPort = { host: '::', port: 0 };
  private readonly cidSecret = randomBytes(32);
  private readonly admission: InitialAdmission;
  private readonly tokens: RetryTokens;
  /** Incoming connections still in their handshake or verification, by whether a token validated the address. */
  private readonly handshakingValidated = new Set<StoqConnection>();
  private readonly handshakingUnvalidated = new Set<StoqConnection>();
  private readonly retryOut = Buffer.allocUnsafe(256);
  private serverConfig: QuicheConfig | undefined;
  private clientConfig: QuicheConfig | undefined;
  private readonly datagramBytes: number;
  private closing = false;
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
    this.admission = new InitialAdmission(options.admission);
    this.tokens = new RetryTokens(
      options.retryTokenLifetimeMs === undefined ? {} : { lifetimeMs: options.retryTokenLifetimeMs },
    );
  }

  static async listen(options: EndpointOptions): Promise<StoqEndpoint> {
    if (isIP(options.host) === 0)
      throw new TransportError(`listen address must be an IP address, got "${options.host}"`);
    const missing = missingBindingCalls();
    if (missing.length > 0) {
      throw new TransportError(
        `STOQ cannot start: the QUIC binding for ${process.platform}-${process.arch} lacks ${missing.join(', ')} ` +
          '(see docs/protocol/stoq.md, "Platforms")',
      );
    }
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

  /** How this endpoint's datagrams move (GSO/GRO, sendmmsg/recvmmsg, or dgram). */
  get udpPath(): StoqUdpPath {
    return this.socket.path;
  }

  get socketClosed(): boolean {
    return this.socket.state.closed;
  }

  /** Datagrams the socket has taken in. */
  get datagramsReceived(): number {
    return this.socket.state.received;
  }

  /** Closes the socket only, as a vanished peer would (tests); connections find out by their idle timeout. */
  closeSocket(): Promise<void> {
    return this.socket.close();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** What the flood defence has done so far, and the handshake table now. */
  admissionStats(): AdmissionStats {
    const c = this.admission.counters;
    return {
      accepted: c.accepted,
      retried: c.retried,
      dropped: { ...c.dropped },
      handshakes: this.handshakingValidated.size + this.handshakingUnvalidated.size,
      unvalidatedHandshakes: this.handshakingUnvalidated.size,
    };
  }

  /** Peer streams one connection may hold open (its memory budget, with the flow-control windows). */
  get maxPeerStreams(): number {
    return this.options.maxPeerStreams ?? TIERS[this.tier].maxStreams;
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
    await this.socket.close();
  }

  /** A verified incoming connection. */
  accepted(connection: StoqConnection): void {
    this.handshakingValidated.delete(connection);
    this.handshakingUnvalidated.delete(connection);
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

  /**
   * The application wrote or read: the connection's pass runs as a microtask, so a request leaves in the same
   * event-loop turn that made it (a setImmediate per hop was most of STOQ's RPC latency). Past
   * QUICK_PASSES_PER_TURN in one turn, passes wait for setImmediate, so incoming packets are read in between.
   */
  markDirty(connection: StoqConnection): void {
    this.dirty.add(connection);
    if (this.quickPass) return;
    if (this.quickPasses >= QUICK_PASSES_PER_TURN) {
      this.deferPass();
      return;
    }
    if (this.quickPasses++ === 0) setImmediate(() => (this.quickPasses = 0));
    this.quickPass = true;
    queueMicrotask(() => {
      this.quickPass = false;
      this.runPass();
    });
  }

  /**
   * Packets came in for the connection. The addon calls onDrained after each bounded read, which runs one pass for
   * all of them; dgram delivers one datagram per callback, so the pass waits for setImmediate to take in the rest.
   */
  private received(connection: StoqConnection): void {
    this.dirty.add(connection);
    if (!this.socket.drains) this.deferPass();
  }

  /**
   * The addon read a batch of packets: their streams are served now (handlers start, waiting reads resume), and what
   * the pass sends waits for setImmediate, or for the microtask pass of a write that comes first. A handler's reply,
   * or the caller's next request, then carries quiche's ACK, instead of an ACK-only packet going out before it: an
   * RPC costs two packets, not four.
   */
  private serveReceived(): void {
    if (this.dirty.size === 0) return;
    for (const c of this.dirty) c.serveReceived();
    this.deferPass();
  }

  private deferPass(): void {
    if (this.deferredPass) return;
    this.deferredPass = true;
    setImmediate(() => {
      this.deferredPass = false;
      this.runPass();
    });
  }

  forget(connection: StoqConnection): void {
    this.connections.delete(connection);
    this.handshakingValidated.delete(connection);
    this.handshakingUnvalidated.delete(connection);
    for (const [key, c] of this.byCid) if (c === connection) this.byCid.delete(key);
  }

  /** Where quiche writes the next outgoing datagram. */
  sendBuffer(): Buffer {
    return this.socket.datagramBuffer(this.datagramBytes);
  }

  /** The datagram just written to sendBuffer() is `len` bytes and goes to `to` (batched until endBatch()). */
  commitDatagram(len: number, to: HostPort): void {
    this.socket.commit(len, to);
  }

  /** The end of one connection's output: whatever was batched goes out. */
  endBatch(): void {
    this.socket.flush();
  }

  private runPass(): void {
    if (this.dirty.size === 0) return;
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
    try {
      this.socket = await openUdpSocket({
        host: this.options.host,
        port: this.options.port,
        dualStack: this.options.dualStack === true,
        log: this.log,
        onPacket: (packet, from) => this.onPacket(packet, from),
        onDrained: () => this.serveReceived(),
      });
    } catch (err) {
      if (!(err instanceof UdpOpenError)) throw err;
      throw err.code === 'EADDRINUSE'
        ? new TransportError(
            `UDP port ${this.options.port} on ${this.options.host} is already in use (another node?); ` +
              'choose another with --listen',
          )
        : new TransportError(`cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`);
    }
    this.local = { host: this.socket.address.host, port: this.socket.address.port };
  }

  /** Sends one datagram now; a send the OS refuses (bad address, closed socket) loses a packet, never the node. */
  private send(data: Buffer, to: HostPort): void {
    this.socket.sendOne(data, to);
  }

  private onPacket(packet: Buffer, from: HostPort): void {
    if (from.port === 0) return; // no reply can reach port 0, and Node refuses to send there
    // Fast path: a short-header packet (most of them) carries our 20-byte connection id right after its first byte.
    if (packet.length > CID_LENGTH && ((packet[0] as number) & 0x80) === 0) {
      const known = this.byCid.get(packet.toString('latin1', 1, 1 + CID_LENGTH));
      if (known) {
        known.recv(packet, from);
        this.received(known);
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
      connection = this.admit(packet, header, from);
      if (!connection) return;
    }
    connection.recv(packet, from);
    this.received(connection);
  }

  /**
   * An Initial for no known connection: a new connection, a Retry sent (undefined), or dropped (undefined).
   * With a token, the client came back after our Retry: the connection takes the id the Retry gave it (quiche
   * checks it in the handshake) and the original DCID from the token.
   */
  private admit(
    packet: Buffer,
    header: { dcid: Uint8Array; scid: Uint8Array; version: number; token?: Uint8Array },
    from: HostPort,
  ): StoqConnection | undefined {
    let token: InitialToken = 'none';
    let odcid: Buffer | undefined;
    if (header.token !== undefined && header.token.length > 0) {
      const check = this.tokens.verify(header.token, from.host, from.port);
      // The Retry's id is derived from the original DCID, so a token cannot be replayed onto other connection ids.
      if (check.ok && cidKey(this.retryCid(check.originalDcid)) === cidKey(header.dcid)) {
        token = 'valid';
        odcid = check.originalDcid;
      } else {
        token = 'invalid';
      }
    }
    const decision = this.admission.decide(from.host, token, {
      unvalidated: this.handshakingUnvalidated.size,
      total: this.handshakingValidated.size + this.handshakingUnvalidated.size,
    });
    if (decision.action === 'drop') {
      this.log.debug(`dropped an Initial from ${from.host}: ${decision.reason}`);
      return undefined;
    }
    if (decision.action === 'retry') {
      // A Retry is never larger than the Initial that provoked it (an Initial is padded to 1,200 bytes or more).
      if (packet.length < 1200) return undefined;
      const newCid = this.retryCid(header.dcid);
      const minted = this.tokens.mint(from.host, from.port, header.dcid);
      let len: number;
      try {
        len = quiche.retry(header.scid, header.dcid, newCid, minted, header.version, this.retryOut);
      } catch (err) {
        this.log.debug(`could not build a Retry for ${from.host}: ${(err as Error).message}`);
        return undefined;
      }
      this.send(Buffer.from(this.retryOut.subarray(0, len)), from);
      return undefined;
    }
    const scid =
      odcid === undefined
        ? createHmac('sha256', this.cidSecret).update(header.dcid).digest().subarray(0, CID_LENGTH)
        : Buffer.from(header.dcid);
    const existing = this.byCid.get(cidKey(scid));
    if (existing) return existing;
    let conn: QuicheConnection;
    try {
      conn = quiche.Connection.accept(scid, odcid ?? null, this.local, from, this.config('server'));
    } catch (err) {
      this.log.debug(`refused an Initial packet from ${from.host}: ${(err as Error).message}`);
      return undefined;
    }
    const connection = new StoqConnection(conn, 'server', scid, from, this.local, this, undefined);
    (odcid === undefined ? this.handshakingUnvalidated : this.handshakingValidated).add(connection);
    this.track(connection, odcid === undefined ? [scid, header.dcid] : [scid]);
    return connection;
  }

  /** The connection id a Retry hands out for an original DCID: derived, so nothing is kept between the two. */
  private retryCid(originalDcid: Uint8Array): Buffer {
    return createHmac('sha256', this.cidSecret).update('retry').update(originalDcid).digest().subarray(0, CID_LENGTH);
  }
}

export { StoqStream, StreamError };
