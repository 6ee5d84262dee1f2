import { formatHostPort } from '../../../shared/network';
import {
  SOCKET_BUFFER_BYTES,
  UdpOpenError,
  type HostPort,
  type StoqUdpSocket,
  type UdpSocketOptions,
  type UdpSocketState,
} from './udp-socket';

/** The addon's calls (native/stoq-udp/stoq_udp.c). A handle is an opaque native socket. */
export interface StoqUdpAddon {
  open(host: string, port: number, v6only: boolean, bufferBytes: number, onEvent: (events: number) => void): object;
  info(handle: object): { address: string; port: number; gso: boolean; gro: boolean };
  sockaddr(handle: object, host: string, port: number): Buffer | null;
  send(handle: object, buf: Buffer, offset: number, len: number, seg: number, addr: Buffer): number;
  recv(handle: object, buf: Buffer, slot: number, meta: Uint32Array): number;
  address(handle: object, index: number): string;
  close(handle: object): void;
}

const EVENT_READABLE = 1;
const EVENT_WRITABLE = 2;
/** Datagrams per GSO batch: 44 × 1,350 bytes stays under the 64 KiB a UDP send can carry. */
const MAX_SEGMENTS = 44;
const BATCH_BYTES = 60_000;
/** recv calls per readiness event: the drain is bounded so timers and other sockets get their turn. */
const MAX_RECV_CALLS = 64;
/** Bytes held while the send buffer is full; past this a batch is dropped (QUIC retransmits what is lost). */
const MAX_QUEUED_BYTES = 8 << 20;
const RECV_BYTES = 256 * 1024;

interface Queued {
  data: Buffer;
  seg: number;
  addr: Buffer;
}

/**
 * The addon's socket. A connection's datagrams to one peer are laid end to end in one buffer and go out as one
 * send (GSO: one sendmsg with UDP_SEGMENT; else one sendmmsg). A batch ends when it is full, when a datagram is
 * shorter than the first (GSO's segments are equal but the last), when the destination changes, or at flush().
 */
export function openAddonSocket(native: StoqUdpAddon, options: UdpSocketOptions): StoqUdpSocket {
  let handle: object;
  try {
    handle = native.open(options.host, options.port, !options.dualStack, SOCKET_BUFFER_BYTES, (events) =>
      onEvent(events),
    );
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new UdpOpenError(e.code ?? 'ESOCKET', e.message);
  }
  const info = native.info(handle);
  const log = options.log;
  const batch = Buffer.allocUnsafe(64 * 1024);
  let start = 0;
  let end = 0;
  let seg = 0;
  let count = 0;
  let dest: HostPort | undefined;
  let destAddr: Buffer | undefined;
  const addrs = new Map<string, Buffer | null>();
  const queue: Queued[] = [];
  let queuedBytes = 0;
  const state: UdpSocketState = { closed: false, received: 0 };
  const rbuf = Buffer.allocUnsafe(RECV_BYTES);
  const meta = new Uint32Array(4 * 64);
  // GRO hands over up to 64 KiB per read; without it, one datagram per 4 KiB slot (STOQ's are ≤ 1,500 bytes).
  const slot = info.gro ? 64 * 1024 : 4096;
  // Messages one recv call can return (as the addon counts them: buffer slots, meta entries, at most 64).
  const perCall = Math.min(RECV_BYTES / slot, meta.length / 4, 64);
  let fromHost = '';
  let from: HostPort = { host: '', port: 0 };

  function sockaddr(to: HostPort): Buffer | null {
    const key = `${to.host}|${to.port}`;
    let addr = addrs.get(key);
    if (addr === undefined) {
      if (addrs.size >= 4096) addrs.clear(); // a bound, not a cache policy: peers are far fewer
      addr = native.sockaddr(handle, to.host, to.port);
      addrs.set(key, addr);
    }
    return addr;
  }

  function sendBatch(data: Buffer, offset: number, len: number, size: number, addr: Buffer): void {
    if (queue.length > 0) {
      enqueue(Buffer.from(data.subarray(offset, offset + len)), size, addr);
      return;
    }
    const n = native.send(handle, data, offset, len, size, addr);
    if (n < 0) {
      log.debug(`UDP send failed (errno ${-n}): a batch of ${Math.ceil(len / size)} datagrams is lost`);
    } else if (n < len) {
      enqueue(Buffer.from(data.subarray(offset + n, offset + len)), size, addr); // the send buffer is full
    }
  }

  function enqueue(data: Buffer, size: number, addr: Buffer): void {
    if (queuedBytes + data.length > MAX_QUEUED_BYTES) {
      log.debug(`UDP send buffer full: dropped ${Math.ceil(data.length / size)} datagrams`);
      return;
    }
    queue.push({ data, seg: size, addr });
    queuedBytes += data.length;
  }

  function drainQueue(): void {
    while (queue.length > 0 && !state.closed) {
      const item = queue[0] as Queued;
      const n = native.send(handle, item.data, 0, item.data.length, item.seg, item.addr);
      if (n >= 0 && n < item.data.length) {
        queuedBytes -= n;
        item.data = item.data.subarray(n);
        return; // the addon watches for room again
      }
      if (n < 0) log.debug(`UDP send failed (errno ${-n})`);
      queue.shift();
      queuedBytes -= item.data.length;
    }
  }

  function endBatch(): void {
    if (count > 0 && destAddr && !state.closed) sendBatch(batch, start, end - start, seg, destAddr);
    count = 0;
    start = end = 0;
  }

  function onEvent(events: number): void {
    if (state.closed) return;
    if ((events & EVENT_WRITABLE) !== 0) drainQueue();
    if ((events & EVENT_READABLE) === 0) return;
    readDrain();
    if (!state.closed) options.onDrained?.();
  }

  function readDrain(): void {
    for (let call = 0; call < MAX_RECV_CALLS && !state.closed; call++) {
      const n = native.recv(handle, rbuf, slot, meta);
      if (n <= 0) {
        if (n < 0) log.debug(`UDP receive failed (errno ${-n})`);
        return;
      }
      for (let i = 0; i < n; i++) {
        const len = meta[4 * i] as number;
        const size = meta[4 * i + 1] as number;
        const port = meta[4 * i + 2] as number;
        if (meta[4 * i + 3] !== 1) fromHost = native.address(handle, i);
        if (from.host !== fromHost || from.port !== port) from = { host: fromHost, port };
        const base = i * slot;
        for (let at = 0; at < len && size > 0; at += size) {
          state.received++;
          options.onPacket(rbuf.subarray(base + at, base + Math.min(at + size, len)), from);
          if (state.closed) return;
        }
      }
      // Fewer than asked: the socket was empty. Readiness is level-triggered, so a packet that comes now wakes the
      // poll again; asking once more would cost a recvmmsg that returns EAGAIN on every read event.
      if (n < perCall) return;
    }
  }

  return {
    path: info.gso ? 'gso' : 'mmsg',
    drains: true,
    address: { host: info.address, port: info.port },
    state,
    datagramBuffer(bytes) {
      if (end + bytes > batch.length) endBatch();
      return batch.subarray(end, end + bytes);
    },
    commit(len, to) {
      if (state.closed) return;
      if (count > 0 && (len > seg || dest === undefined || to.port !== dest.port || to.host !== dest.host)) {
        // The datagram already sits right after the batch: send the batch, and the datagram starts the next one.
        sendBatch(batch, start, end - start, seg, destAddr as Buffer);
        count = 0;
        start = end;
      }
      if (count === 0) {
        const addr = sockaddr(to);
        if (!addr) {
          log.debug(`UDP send to ${formatHostPort(to)} refused: not an address this socket can reach`);
          return;
        }
        dest = to;
        destAddr = addr;
        seg = len;
      }
      end += len;
      count++;
      if (len < seg || count >= MAX_SEGMENTS || end - start + seg > BATCH_BYTES) endBatch();
    },
    flush: endBatch,
    sendOne(data, to) {
      if (state.closed) return;
      endBatch();
      const addr = sockaddr(to);
      if (!addr) {
        log.debug(`UDP send to ${formatHostPort(to)} refused: not an address this socket can reach`);
        return;
      }
      sendBatch(data, 0, data.length, data.length, addr);
    },
    close() {
      if (!state.closed) {
        state.closed = true;
        queue.length = 0;
        native.close(handle);
      }
      return Promise.resolve();
    },
  };
}
