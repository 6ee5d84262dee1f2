import {
  ConnectionFailedError,
  InvalidParametersError,
  serviceCapabilities,
  transportSymbol,
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type ListenerEvents,
  type Logger,
  type MultiaddrConnection,
  type PeerId,
  type PrivateKey,
  type Transport as Libp2pTransport,
  type Upgrader,
} from '@libp2p/interface';
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { AbstractMultiaddrConnection, type SendResult } from '@libp2p/utils';
import { multiaddr, registry, type Multiaddr } from '@multiformats/multiaddr';
import { TypedEventEmitter } from 'main-event';
import { StoqCode } from '../transport/index';
import type { CallContext, Channel } from '../transport/index';
import { concatBytes } from '../../shared/bytes';
import type { HostPort, Transport as StoqTransport } from '../transport/index';

/** The STOQ channel method libp2p connections run on. */
export const MESH_CHANNEL = 'mesh.libp2p';
/** Multicodec private-use range: `/ip6/::1/udp/9292/stoq` names a STOQ endpoint. */
export const STOQ_MULTIADDR_CODE = 0x3f_5701;
const BINDING_CONTEXT = new TextEncoder().encode('hypermesh/mesh/peer-binding/v1\0');
/** Writes queued beyond this make libp2p wait for 'drain'. */
const HIGH_WATER_BYTES = 256 * 1024;

let registered = false;
/** Teaches the multiaddr library the `/stoq` protocol (idempotent). */
export function registerStoqMultiaddr(): void {
  if (registered) return;
  try {
    registry.addProtocol({ code: STOQ_MULTIADDR_CODE, name: 'stoq', size: 0 });
  } catch {
    // already known (another copy of this module registered it)
  }
  registered = true;
}

export class MeshBindingError extends Error {
  override readonly name = 'MeshBindingError';
}

/**
 * The statement binding a libp2p PeerId to a NodeId: the libp2p key signs the NodeId. It is sent over a STOQ
 * connection, which already proves the NodeId (TLS key + certificate), so together they bind both ways: a node
 * cannot claim another node's PeerId (it lacks that key), nor show its PeerId under another NodeId (STOQ).
 */
export async function createBinding(key: PrivateKey, nodeId: string): Promise<Uint8Array> {
  const signature = await key.sign(concatBytes([BINDING_CONTEXT, new TextEncoder().encode(nodeId)]));
  const publicKey = publicKeyToProtobuf(key.publicKey);
  if (publicKey.length > 255 || signature.length > 255) throw new MeshBindingError('binding key too large');
  return concatBytes([Uint8Array.of(1, publicKey.length), publicKey, Uint8Array.of(signature.length), signature]);
}

/** Checks a peer's binding statement against the NodeId STOQ proved; returns the bound PeerId. */
export async function verifyBinding(statement: Uint8Array, nodeId: string): Promise<PeerId> {
  if (statement.length < 4 || statement[0] !== 1) throw new MeshBindingError('unknown peer binding format');
  const keyLength = statement[1] as number;
  const keyBytes = statement.subarray(2, 2 + keyLength);
  const sigLength = statement[2 + keyLength];
  const signature = statement.subarray(3 + keyLength);
  if (keyBytes.length !== keyLength || sigLength === undefined || signature.length !== sigLength) {
    throw new MeshBindingError('truncated peer binding');
  }
  let publicKey;
  try {
    publicKey = publicKeyFromProtobuf(keyBytes);
  } catch (err) {
    throw new MeshBindingError(`peer binding key unreadable: ${(err as Error).message}`);
  }
  const ok = await publicKey.verify(concatBytes([BINDING_CONTEXT, new TextEncoder().encode(nodeId)]), signature);
  if (!ok) throw new MeshBindingError(`the peer's libp2p key did not sign its NodeId ${nodeId.slice(0, 8)}`);
  return peerIdFromPublicKey(publicKey);
}

/** `/ip6/<host>/udp/<port>/stoq` for a STOQ address. */
export function stoqMultiaddr(address: HostPort): Multiaddr {
  registerStoqMultiaddr();
  const family = address.host.includes(':') ? 'ip6' : /^\d+\.\d+\.\d+\.\d+$/.test(address.host) ? 'ip4' : 'dns';
  return multiaddr(`/${family}/${address.host}/udp/${address.port}/stoq`);
}

/** The STOQ address of a `/ip4|ip6|dns/…/udp/…/stoq[/p2p/…]` multiaddr, or null for any other. */
export function stoqAddressOf(ma: Multiaddr): HostPort | null {
  const parts = ma.getComponents();
  const [host, udp, stoq, ...rest] = parts;
  if (!host || !udp || !stoq) return null;
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(host.name) || udp.name !== 'udp' || stoq.name !== 'stoq') {
    return null;
  }
  if (rest.some((c) => c.name !== 'p2p')) return null;
  const port = Number(udp.value);
  if (!host.value || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: host.value, port };
}

/** One libp2p connection carried by one STOQ channel; STOQ gives flow control both ways. */
class StoqMultiaddrConnection extends AbstractMultiaddrConnection {
  private queued = 0;
  private writing: Promise<void> = Promise.resolve();
  private paused = false;
  private resumeReader: (() => void) | undefined;

  constructor(
    private readonly channel: Channel,
    init: { remoteAddr: Multiaddr; direction: 'inbound' | 'outbound'; log: Logger },
  ) {
    super({ ...init, inactivityTimeout: 0 });
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      if (this.channel.head.length > 0) this.onData(this.channel.head);
      for (;;) {
        if (this.paused) await new Promise<void>((r) => (this.resumeReader = r));
        const chunk = await this.channel.stream.read();
        if (chunk === null) break;
        this.onData(chunk);
      }
      this.onTransportClosed();
    } catch (err) {
      this.onTransportClosed(err as Error);
    }
  }

  sendData(data: Parameters<AbstractMultiaddrConnection['sendData']>[0]): SendResult {
    const bytes = data.subarray();
    this.queued += bytes.length;
    this.writing = this.writing.then(async () => {
      await this.channel.stream.write(bytes);
      this.queued -= bytes.length;
      if (this.queued < HIGH_WATER_BYTES) this.safeDispatchEvent('drain');
    });
    this.writing.catch((err: unknown) => this.abort(err as Error));
    return { sentBytes: bytes.length, canSendMore: this.queued < HIGH_WATER_BYTES };
  }

  sendReset(err: Error): void {
    this.channel.stream.reset(StoqCode.Cancelled, err.message);
  }

  async sendClose(options?: AbortOptions): Promise<void> {
    await this.writing.catch(() => undefined);
    options?.signal?.throwIfAborted();
    await this.channel.stream.end().catch(() => undefined);
  }

  sendPause(): void {
    this.paused = true;
  }

  sendResume(): void {
    this.paused = false;
    const resume = this.resumeReader;
    this.resumeReader = undefined;
    resume?.();
  }
}

/** A STOQ peer whose libp2p PeerId binding held. */
export interface BoundPeer {
  readonly peerId: PeerId;
  readonly nodeId: string;
  /** The STOQ address it was reached at or came from. */
  readonly address: HostPort;
  readonly direction: 'inbound' | 'outbound';
  /** Its certificate's serial when it showed a TrustChain certificate. */
  readonly serialHex: string | null;
}

export interface StoqLibp2pInit {
  readonly stoq: StoqTransport;
  /** This node's binding statement (createBinding), sent when opening or accepting a channel. */
  readonly binding: Uint8Array;
  /** Whether a STOQ peer may open a mesh channel (e.g. it must hold a TrustChain certificate); null = yes. */
  readonly admit?: (ctx: CallContext) => string | null;
  readonly onBound?: (bound: BoundPeer) => void;
}

interface Components {
  readonly peerId: PeerId;
  readonly logger: ComponentLogger;
}

/**
 * STOQ as a libp2p transport. A libp2p connection is one STOQ channel on the (shared) STOQ connection to that
 * node: STOQ has already encrypted and mutually authenticated it, so libp2p skips its own encryption and takes
 * the remote PeerId from the peer's binding statement, checked against the NodeId STOQ proved.
 */
export class StoqLibp2pTransport implements Libp2pTransport {
  readonly [transportSymbol] = true;
  readonly [Symbol.toStringTag] = '@hypermesh/stoq';
  readonly [serviceCapabilities] = ['@libp2p/transport'];
  private readonly log: Logger;
  private listeners = new Set<StoqListener>();

  constructor(
    private readonly components: Components,
    private readonly init: StoqLibp2pInit,
  ) {
    registerStoqMultiaddr();
    this.log = components.logger.forComponent('hypermesh:mesh:stoq');
    init.stoq.router.channel(MESH_CHANNEL, (meta, ctx) => this.accept(meta, ctx));
  }

  private async accept(meta: Uint8Array, ctx: CallContext): Promise<{ reply: Uint8Array; attach(c: Channel): void }> {
    const refusal = this.init.admit?.(ctx) ?? null;
    if (refusal !== null) throw new ConnectionFailedError(refusal);
    const listener = [...this.listeners][0];
    if (!listener) throw new ConnectionFailedError('this node is not on the mesh');
    const remotePeer = await verifyBinding(meta, ctx.peer.nodeId);
    if (remotePeer.equals(this.components.peerId)) throw new ConnectionFailedError('a node cannot connect to itself');
    this.init.onBound?.({
      peerId: remotePeer,
      nodeId: ctx.peer.nodeId,
      address: ctx.connection.peer,
      direction: 'inbound',
      serialHex: ctx.peer.serialHex ?? null,
    });
    return {
      reply: this.init.binding,
      attach: (channel) => {
        const maConn = new StoqMultiaddrConnection(channel, {
          remoteAddr: stoqMultiaddr(ctx.connection.peer),
          direction: 'inbound',
          log: this.log.newScope('inbound'),
        });
        listener.upgrade(maConn, remotePeer);
      },
    };
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const address = stoqAddressOf(ma);
    if (!address) throw new InvalidParametersError(`not a STOQ address: ${ma.toString()}`);
    options.signal.throwIfAborted();
    // A connection of its own (not one shared with other callers' dials to that node): libp2p dials addresses,
    // and aborts what it gives up on.
    const link = await this.init.stoq.dial(address, undefined, options.signal);
    const channel = await link.channel(MESH_CHANNEL, this.init.binding, { signal: options.signal, timeoutMs: 15_000 });
    let remotePeer: PeerId;
    try {
      remotePeer = await verifyBinding(channel.reply, link.peer.nodeId);
      const expected = ma.getComponents().find((c) => c.name === 'p2p')?.value;
      if (expected !== undefined && expected !== remotePeer.toString()) {
        throw new MeshBindingError(`dialled ${expected} but the node there is ${remotePeer.toString()}`);
      }
    } catch (err) {
      channel.stream.reset(StoqCode.AuthFailed, (err as Error).message);
      throw err;
    }
    this.init.onBound?.({
      peerId: remotePeer,
      nodeId: link.peer.nodeId,
      address,
      direction: 'outbound',
      serialHex: link.peer.serialHex ?? null,
    });
    const maConn: MultiaddrConnection = new StoqMultiaddrConnection(channel, {
      remoteAddr: stoqMultiaddr(address),
      direction: 'outbound',
      log: this.log.newScope('outbound'),
    });
    try {
      return await options.upgrader.upgradeOutbound(maConn, {
        ...options,
        skipEncryption: true,
        skipProtection: true,
        remotePeer,
        // The channel's opener is always the multistream initiator: the peer upgrades it as inbound. (DCUtR asks
        // the hole punching side to act as the responder, which fits TCP's one simultaneous-open connection; on
        // STOQ each side's dial is a channel of its own, so obeying it would leave both sides waiting.)
        initiator: true,
      });
    } catch (err) {
      maConn.abort(err as Error);
      throw err;
    }
  }

  createListener(options: CreateListenerOptions): Listener {
    const listener = new StoqListener(this.init.stoq, options.upgrader, (l) => this.listeners.delete(l));
    this.listeners.add(listener);
    return listener;
  }

  listenFilter(multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter((ma) => stoqAddressOf(ma) !== null);
  }

  dialFilter(multiaddrs: Multiaddr[]): Multiaddr[] {
    return this.listenFilter(multiaddrs);
  }
}

/** The STOQ endpoint is already listening: a libp2p listener only reports its address and upgrades channels. */
class StoqListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly shutdown = new AbortController();
  private addrs: Multiaddr[] = [];

  constructor(
    private readonly stoq: StoqTransport,
    private readonly upgrader: Upgrader,
    private readonly onClose: (l: StoqListener) => void,
  ) {
    super();
  }

  upgrade(maConn: MultiaddrConnection, remotePeer: PeerId): void {
    this.upgrader
      .upgradeInbound(maConn, {
        skipEncryption: true,
        skipProtection: true,
        remotePeer,
        signal: this.shutdown.signal,
      })
      .catch((err: unknown) => maConn.abort(err as Error));
  }

  listen(_ma: Multiaddr): Promise<void> {
    this.addrs = [stoqMultiaddr(this.stoq.address)];
    queueMicrotask(() => this.safeDispatchEvent('listening'));
    return Promise.resolve();
  }

  getAddrs(): Multiaddr[] {
    return this.addrs;
  }

  updateAnnounceAddrs(): void {}

  close(): Promise<void> {
    this.shutdown.abort();
    this.onClose(this);
    queueMicrotask(() => this.safeDispatchEvent('close'));
    return Promise.resolve();
  }
}
