import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { StoqUdpPath } from '../../../shared/network';
import type { Logger } from '../../logging/index';
import { openAddonSocket, type StoqUdpAddon } from './udp-addon';

export type { StoqUdpPath };
export type HostPort = { host: string; port: number };

/**
 * STOQ's UDP socket. Outgoing datagrams are written in place (datagramBuffer, then commit) so an implementation can
 * lay a connection's packets end to end and send them as one batch at flush(); incoming ones reach onPacket one
 * datagram at a time, whatever batching brought them. Two implementations: our addon (Linux: GSO/GRO, or
 * sendmmsg/recvmmsg) and Node's dgram (everywhere else, and with STOQ_UDP=dgram).
 */
export interface StoqUdpSocket {
  /** How datagrams move: 'gso' (GSO send, GRO receive where offered), 'mmsg' (sendmmsg/recvmmsg) or 'dgram'. */
  readonly path: StoqUdpPath;
  readonly address: HostPort;
  readonly state: UdpSocketState;
  /** Whether onDrained follows every batch of onPacket calls. */
  readonly drains: boolean;
  /** Where the next outgoing datagram is written: `bytes` long, valid until commit(). */
  datagramBuffer(bytes: number): Buffer;
  /** The datagram just written to datagramBuffer() is `len` bytes and goes to `to`. */
  commit(len: number, to: HostPort): void;
  /** Sends what commit() batched: the end of one connection's pass. */
  flush(): void;
  /** Sends one datagram now (Retry, version negotiation); a send the OS refuses loses it, never the node. */
  sendOne(data: Buffer, to: HostPort): void;
  close(): Promise<void>;
}

/** What an implementation updates as it goes. */
export interface UdpSocketState {
  closed: boolean;
  /** Datagrams taken in so far (tests and floods pace themselves by it). */
  received: number;
}

export interface UdpSocketOptions {
  readonly host: string;
  readonly port: number;
  /** On `::`, also take IPv4 (mapped) traffic. */
  readonly dualStack: boolean;
  readonly log: Logger;
  readonly onPacket: (packet: Buffer, from: HostPort) => void;
  /**
   * After a batch of onPacket calls that ends a read (the addon's bounded drain): the endpoint processes what came
   * in at once. Without it (dgram delivers one datagram per callback) the endpoint defers to setImmediate.
   */
  readonly onDrained?: () => void;
}

/** Why a socket could not be opened, as data: the endpoint words it. */
export class UdpOpenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const SOCKET_BUFFER_BYTES = 4 << 20;

let addon: StoqUdpAddon | null | undefined;
let announced = false;

/** The addon where it is built and allowed (Linux, not STOQ_UDP=dgram); null means dgram. */
export function loadUdpAddon(): StoqUdpAddon | null {
  if (process.env.STOQ_UDP === 'dgram' || process.platform !== 'linux') return null;
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)('stoq-udp') as StoqUdpAddon | null;
  } catch {
    addon = null; // not installed (another platform's lockfile, or an install without optional dependencies)
  }
  return addon;
}

/** Opens STOQ's UDP socket on the best path this machine offers; the first one logs which path that is. */
export async function openUdpSocket(options: UdpSocketOptions): Promise<StoqUdpSocket> {
  const native = loadUdpAddon();
  const socket = native ? openAddonSocket(native, options) : await openDgramSocket(options);
  if (!announced) {
    announced = true;
    options.log.info(`STOQ UDP: ${describeUdpPath(socket.path)}`);
  }
  return socket;
}

export function describeUdpPath(path: StoqUdpPath): string {
  switch (path) {
    case 'gso':
      return 'GSO/GRO batching (stoq-udp addon)';
    case 'mmsg':
      return 'sendmmsg/recvmmsg batching (stoq-udp addon; the kernel refused GSO)';
    case 'dgram':
      return "Node's dgram, one datagram per call (stoq-udp addon not built, not Linux, or STOQ_UDP=dgram)";
  }
}

/** Node's dgram: one send per datagram, carved from a slab because Node holds sent buffers until sent. */
async function openDgramSocket(options: UdpSocketOptions): Promise<StoqUdpSocket> {
  const v6 = isIP(options.host) === 6;
  const socket = dgram.createSocket({
    type: v6 ? 'udp6' : 'udp4',
    ipv6Only: v6 && !options.dualStack,
    recvBufferSize: SOCKET_BUFFER_BYTES,
    sendBufferSize: SOCKET_BUFFER_BYTES,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new UdpOpenError(err.code ?? 'ESOCKET', err.message)));
    socket.bind(options.port, options.host, () => {
      socket.removeAllListeners('error');
      resolve();
    });
  });
  const addr = socket.address();
  let slab = Buffer.allocUnsafe(0);
  let slabOffset = 0;
  const state: UdpSocketState = { closed: false, received: 0 };
  const send = (data: Buffer, to: HostPort) => {
    if (state.closed) return;
    try {
      socket.send(data, to.port, to.host);
    } catch (err) {
      options.log.debug(`UDP send to ${to.host}:${to.port} failed: ${(err as Error).message}`);
    }
  };
  socket.on('message', (msg, rinfo) => {
    state.received++;
    options.onPacket(msg, { host: rinfo.address, port: rinfo.port });
  });
  socket.on('error', (err) => options.log.warn(`UDP socket error: ${err.message}`));
  socket.on('close', () => {
    state.closed = true;
  });
  return {
    path: 'dgram',
    drains: false,
    address: { host: addr.address, port: addr.port },
    state,
    datagramBuffer(bytes) {
      if (slab.length - slabOffset < bytes) {
        slab = Buffer.allocUnsafe(Math.max(256 * 1024, bytes));
        slabOffset = 0;
      }
      return slab.subarray(slabOffset, slabOffset + bytes);
    },
    commit(len, to) {
      const data = slab.subarray(slabOffset, slabOffset + len);
      slabOffset += len;
      send(data, to);
    },
    flush() {},
    sendOne: send,
    close() {
      if (state.closed) return Promise.resolve();
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
