import { createHash } from 'node:crypto';
import { ErrorCode, HyperMeshError } from '../../../shared/errors';
import { formatHostPort, type PeerConnectionStats } from '../../../shared/network';
import type { Logger } from '../../logging/index';
import { StoqCode } from './frames';
import { PeerVerificationError, type PeerIdentity, type PeerVerifier } from './node-certificate';
import { quiche, type QuicheConnection } from './quiche';
import { StoqStream, StreamError, type StreamHost } from './stream';
import { TIERS, type TierName } from './tiers';

export class TransportError extends HyperMeshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Transport, message, options);
  }
}

/** What one connection reports; the transport adds the tier. */
export type ConnectionMetrics = Omit<PeerConnectionStats, 'tier'>;

export type HostPort = { host: string; port: number };

/** Packets one connection may send per pass before others (and incoming ACKs) get a turn. */
const MAX_PACKETS_PER_PASS = 512;

/** Up to this many open streams, readable ones with a read waiting are found one by one (see serve()). */
const ASK_STREAMS_UP_TO = 16;

/** What a connection needs from the endpoint that owns its socket. */
export interface ConnectionHost {
  readonly log: Logger;
  readonly verifier: PeerVerifier;
  readonly tier: TierName;
  readonly socketClosed: boolean;
  /** Streams the peer may hold open on one connection (its memory budget, with the flow-control windows). */
  readonly maxPeerStreams: number;
  /** Where quiche writes the next outgoing datagram; commitDatagram() sends it (batched until endBatch()). */
  sendBuffer(): Buffer;
  commitDatagram(len: number, to: HostPort): void;
  endBatch(): void;
  markDirty(connection: StoqConnection): void;
  accepted(connection: StoqConnection): void;
  forget(connection: StoqConnection): void;
  /** The bandwidth limiter's wait for `bytes` written to any peer stream, or null to go at once. */
  pace(bytes: number): Promise<void> | null;
}

/**
 * One QUIC connection driven directly over quiche's native binding: packets are fed in as they arrive, and one
 * coalesced pass per event-loop turn processes streams and sends everything quiche has — no per-packet promises,
 * locks or timers. Peers are verified by STOQ (PeerVerifier) before any stream is served.
 */
export class StoqConnection implements StreamHost {
  readonly streams = new Map<number, StoqStream>();
  chunkBytes: number;
  /** Streams the peer opened that are still open here. */
  private peerStreams = 0;
  private scratchBuffer: Buffer | undefined;
  peerIdentity: PeerIdentity | undefined;
  closeReason: string | undefined;
  /** The STOQ code (StoqCode) the connection was closed with, by either side, once closed; null for QUIC's own. */
  closeCode: number | null = null;
  /** Set on dials whose calls authenticate themselves: a peer that fails verification is kept, marked unanchored. */
  unverifiedOk = false;
  private verified = false;
  private highestPeerStream = -1;
  /** Peer stream ids below the highest that have not shown up yet (QUIC opens them implicitly). */
  private readonly unseenPeerStreams = new Set<number>();
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
  /** Inside process(), before its flush: a wake() then needs no pass of its own. */
  private passing = false;
  onStream: ((stream: StoqStream) => void) | undefined;

  constructor(
    readonly conn: QuicheConnection,
    readonly role: 'client' | 'server',
    readonly scid: Buffer,
    readonly peer: HostPort,
    local: HostPort,
    private readonly endpoint: ConnectionHost,
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

  /**
   * Reads land here and are copied out at their exact size, so a tiny read never pins a large buffer. Made on first
   * use: a connection that never gets past its handshake (a flood) costs no read buffer.
   */
  get scratch(): Buffer {
    this.scratchBuffer ??= Buffer.allocUnsafe(256 * 1024);
    return this.scratchBuffer;
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
    this.serveReceived();
    if (this.closedFlag) return;
    this.flush();
    if (this.conn.isClosed()) this.finish();
    else this.armTimer();
  }

  /** The first half of a pass: verify, serve readable and writable streams (the endpoint sends later). */
  serveReceived(): void {
    if (this.closedFlag) return;
    this.passing = true;
    try {
      this.serve();
    } finally {
      this.passing = false;
    }
  }

  private serve(): void {
    if (!this.verified && !this.refused && this.conn.isEstablished() && !this.conn.isClosed()) {
      this.verifyPeer();
    }
    if (this.verified) {
      // quiche's stream iterators cost tens of microseconds even when empty (the native iterator throws to end), so
      // they are walked only when there is something to find: readable streams, and streams with a write waiting.
      let readable = this.conn.isReadable();
      // With few streams open, a reply to a waiting read is found by asking its stream, and a peer's new request by
      // asking for the next stream id; the iterator below is walked only if something else is readable. An RPC then
      // costs no walk at either end (the walk was a third of its time).
      const ask = readable && this.streams.size <= ASK_STREAMS_UP_TO;
      for (const stream of this.streams.values()) {
        if (ask && stream.readPending && this.conn.streamReadable(stream.id)) stream.onReadable();
        if (stream.writePending && this.streamWritable(stream.id)) stream.onWritable();
      }
      if (ask && !this.serveNextPeerStreams()) return;
      if (readable) readable = this.conn.isReadable();
      if (readable) this.serveReadable();
    }
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
    for (const id of this.conn.readable()) if (!this.serveStreamReadable(id)) return;
  }

  /**
   * Serves the peer's next new streams (an incoming request each) by asking for them by id: with few streams open,
   * quiche's readable iterator is then walked only when something else is readable.
   */
  private serveNextPeerStreams(): boolean {
    const peerFirst = this.role === 'client' ? 1 : 0;
    let id = this.highestPeerStream < 0 ? peerFirst : this.highestPeerStream + 4;
    for (let asked = 0; asked < ASK_STREAMS_UP_TO && this.conn.streamReadable(id); asked++, id += 4) {
      if (!this.serveStreamReadable(id)) return false;
    }
    return true;
  }

  /** One readable stream: ours, or the peer's (new, late or finished); false once the connection was closed. */
  private serveStreamReadable(id: number): boolean {
    let stream = this.streams.get(id);
    if (!stream) {
      if ((id & 1) === (this.role === 'client' ? 0 : 1)) return true; // our own, already released
      // STOQ uses no unidirectional streams. A peer's stream may show up after a later one (its first bytes held
      // back, by the peer's bandwidth cap say): ids below the highest seen are new only if never seen.
      const late = id <= this.highestPeerStream && this.unseenPeerStreams.delete(id);
      if ((id & 2) !== 0 || (id <= this.highestPeerStream && !late)) {
        this.shutdownStream(id); // one we already finished with
        return true;
      }
      if (!late) {
        const first = this.highestPeerStream < 0 ? id & 1 : this.highestPeerStream + 4;
        if ((id - first) / 4 > this.endpoint.maxPeerStreams) {
          this.overBudget(`the peer skipped to stream ${id}, past its budget of ${this.endpoint.maxPeerStreams}`);
          return false;
        }
        for (let skipped = first; skipped < id; skipped += 4) this.unseenPeerStreams.add(skipped);
        if (this.unseenPeerStreams.size > this.endpoint.maxPeerStreams) {
          this.overBudget(`the peer left more than ${this.endpoint.maxPeerStreams} streams unopened`);
          return false;
        }
        this.highestPeerStream = id;
      }
      if (this.peerStreams >= this.endpoint.maxPeerStreams) {
        this.overBudget(`the peer holds more than ${this.endpoint.maxPeerStreams} streams open`);
        return false;
      }
      this.peerStreams++;
      stream = new StoqStream(id, this);
      this.streams.set(id, stream);
      if (this.onStream) this.onStream(stream);
      else stream.reset(StoqCode.UnknownMethod, 'no handler for incoming streams');
    }
    stream.onReadable();
    return true;
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
      this.endpoint.commitDatagram(len, info.to);
    }
    this.endpoint.endBatch();
  }

  wake(): void {
    if (!this.passing) this.endpoint.markDirty(this);
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
    if (this.streams.delete(stream.id) && (stream.id & 1) !== (this.role === 'client' ? 0 : 1)) this.peerStreams--;
  }

  /** The peer went over this connection's budget: it is closed with a code the peer (and the metrics) can read. */
  private overBudget(why: string): void {
    this.endpoint.log.warn(`closing the connection to ${this.peerLabel}: ${why}`);
    this.closeReason = `over its budget: ${why}`;
    this.close(StoqCode.OverBudget, 'over budget');
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
    const appError = peerError?.isApp === true ? peerError : localError?.isApp === true ? localError : null;
    this.closeCode = appError?.errorCode ?? null;
    const err = new StreamError(`connection to ${this.peerLabel} ${why}`);
    for (const stream of [...this.streams.values()]) stream.fail(err);
    this.streams.clear();
    if (!this.verified) this.rejectEstablished(new TransportError(`could not connect to ${this.peerLabel}: ${why}`));
    this.endpoint.forget(this);
    for (const resolve of this.closedWaiters.splice(0)) resolve();
  }
}
