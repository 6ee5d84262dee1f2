/**
 * STOQ against plain TCP, TLS 1.3 and @matrixai/quic as shipped, on loopback, in one process, doing the same work:
 * (a) one-stream bulk throughput, (b) 1 KiB RPC round trips, (c) handshakes per second,
 * (d) 1,000 concurrent streams on one connection and 200 concurrent connections.
 */
import 'reflect-metadata';
import { createHmac, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { QUICClient, QUICServer, events as quicEvents } from '@matrixai/quic';
import type { QUICConnection, QUICStream } from '@matrixai/quic';
import Logger, { LogLevel } from '@matrixai/logger';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { LogBook } from '../src/node-core/logging/log-book';
import {
  createSelfSignedNodeCertificate,
  type CertificateMaterial,
} from '../src/node-core/transport/stoq/node-certificate';
import { createStoqTransport, type PeerLink, type Transport } from '../src/node-core/transport/stoq/transport';
import { Report, median, percentile, sized } from './report';

const MIB = 1024 * 1024;
const BULK_BYTES = sized(256, 8) * MIB;
const SHIPPED_BULK_BYTES = sized(8, 1) * MIB; // the library as shipped moves ~1 MiB/s: a full 256 MiB would take minutes
const RPC_COUNT = sized(2000, 100);
const HANDSHAKES = sized(100, 5);
const STREAMS = sized(1000, 50);
const CONNECTIONS = sized(200, 10);
const HOST = '::1';

const report = new Report('stoq');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hm-bench-'));
  dirs.push(d);
  return d;
};
const block = randomBytes(64 * 1024);
const payload = randomBytes(1024);

function timeLimit<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)),
  ]);
}

// ---------- length-prefixed echo over a byte stream (TCP and TLS) ----------

type Duplex = net.Socket | tls.TLSSocket;

/** Server side: frames are [u32 id][u32 len][data]; id 0xffffffff marks bulk data, acknowledged at its end. */
function serveEcho(socket: Duplex): void {
  let buf: Buffer = Buffer.alloc(0);
  let bulkLeft = 0;
  socket.on('data', (chunk: Buffer) => {
    if (bulkLeft > 0) {
      const used = Math.min(bulkLeft, chunk.length);
      bulkLeft -= used;
      chunk = chunk.subarray(used);
      if (bulkLeft === 0) socket.write(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
      if (chunk.length === 0) return;
    }
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 8) {
      const id = buf.readUInt32BE(0);
      const len = buf.readUInt32BE(4);
      if (id === 0xffffffff) {
        bulkLeft = len;
        const rest = buf.subarray(8);
        buf = Buffer.alloc(0);
        const used = Math.min(bulkLeft, rest.length);
        bulkLeft -= used;
        if (bulkLeft === 0) socket.write(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
        return;
      }
      if (buf.length < 8 + len) break;
      socket.write(buf.subarray(0, 8 + len));
      buf = buf.subarray(8 + len);
    }
  });
}

/** Client side: pipelined requests matched by id. */
class EchoClient {
  private buf: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, () => void>();
  private bulkDone: (() => void) | undefined;

  constructor(readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      while (this.buf.length >= 8) {
        const id = this.buf.readUInt32BE(0);
        const len = this.buf.readUInt32BE(4);
        if (this.buf.length < 8 + len) break;
        this.buf = this.buf.subarray(8 + len);
        if (id === 0 && this.bulkDone) {
          this.bulkDone();
          this.bulkDone = undefined;
        } else this.pending.get(id)?.();
        this.pending.delete(id);
      }
    });
  }

  request(body: Buffer): Promise<void> {
    const id = this.nextId++;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(id, 0);
    head.writeUInt32BE(body.length, 4);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.write(Buffer.concat([head, body]));
    });
  }

  async bulk(total: number): Promise<void> {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0xffffffff, 0);
    head.writeUInt32BE(total, 4);
    const done = new Promise<void>((resolve) => (this.bulkDone = resolve));
    this.socket.write(head);
    for (let sent = 0; sent < total; sent += block.length) {
      if (!this.socket.write(block)) await new Promise((r) => this.socket.once('drain', r));
    }
    await done;
  }
}

interface Contender {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Seconds to move `bytes` over one stream, acknowledged by the receiver. */
  bulk(bytes: number): Promise<number>;
  rpc(): Promise<void>;
  /** Establishes one new, authenticated connection and closes it. */
  handshake(): Promise<void>;
  concurrentStreams(n: number): Promise<void>;
  concurrentConnections(n: number): Promise<void>;
}

function byteStreamContender(name: 'tcp' | 'tls', cert: CertificateMaterial): Contender {
  let server: net.Server;
  let port = 0;
  let client: EchoClient;
  const connect = (): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      const s =
        name === 'tcp'
          ? net.connect({ host: HOST, port, noDelay: true }, () => resolve(s))
          : tls.connect(
              {
                host: HOST,
                port,
                key: cert.keyPem,
                cert: cert.certPem,
                rejectUnauthorized: false,
                minVersion: 'TLSv1.3',
              },
              () => resolve(s),
            );
      s.once('error', reject);
    });
  return {
    name,
    async start() {
      server =
        name === 'tcp'
          ? net.createServer({ noDelay: true }, serveEcho)
          : tls.createServer(
              {
                key: cert.keyPem,
                cert: cert.certPem,
                requestCert: true,
                rejectUnauthorized: false,
                minVersion: 'TLSv1.3',
              },
              serveEcho,
            );
      await new Promise<void>((r) => server.listen(0, HOST, r));
      port = (server.address() as net.AddressInfo).port;
      client = new EchoClient(await connect());
    },
    async stop() {
      client.socket.destroy();
      await new Promise((r) => server.close(r));
    },
    async bulk(bytes) {
      const t = performance.now();
      await client.bulk(bytes);
      return (performance.now() - t) / 1000;
    },
    rpc: () => client.request(payload),
    async handshake() {
      const s = await connect();
      s.destroy();
    },
    async concurrentStreams(n) {
      await Promise.all(Array.from({ length: n }, () => client.request(payload)));
    },
    async concurrentConnections(n) {
      const sockets = await Promise.all(Array.from({ length: n }, () => connect()));
      await Promise.all(sockets.map((s) => new EchoClient(s).request(payload)));
      for (const s of sockets) s.destroy();
    },
  };
}

/** STOQ nodes are made outside the clock (keys and certificates are not part of a handshake); these hold the times. */
const handshakeTimes: Record<string, number[]> = {};
const connectionsSeconds: Record<string, number> = {};

/** STOQ on the best UDP path here (the addon's GSO/GRO on Linux), or held to Node's dgram (`STOQ_UDP=dgram`). */
function stoqContender(name: 'stoq' | 'stoq_dgram'): Contender {
  const times: number[] = (handshakeTimes[name] = []);
  const udp = name === 'stoq_dgram' ? 'dgram' : process.env.STOQ_UDP;
  const setUdp = () => {
    if (udp === undefined) delete process.env.STOQ_UDP;
    else process.env.STOQ_UDP = udp;
  };
  let a: Transport;
  let b: Transport;
  let link: PeerLink;
  let bNodeId = '';
  const spare: Transport[] = [];
  const startedClient = async () => {
    const c = make(tempDir());
    await c.start();
    return c;
  };
  const make = (dir: string) =>
    createStoqTransport({
      host: HOST,
      port: 0,
      identity: loadOrCreateIdentity(dir),
      log: new LogBook().logger('bench'),
    });
  return {
    name,
    async start() {
      setUdp(); // read when each node opens its socket: this contender's nodes are all made between start and stop
      a = make(tempDir());
      const bIdentity = loadOrCreateIdentity(tempDir());
      bNodeId = bIdentity.nodeId;
      b = createStoqTransport({ host: HOST, port: 0, identity: bIdentity, log: new LogBook().logger('bench') });
      b.router.rpc('echo', (body) => body);
      await a.start();
      await b.start();
      link = await a.dial(b.address, bNodeId);
      const path = a.stats().udpPath;
      report.note(`${name}: UDP path ${path ?? 'none'}`);
    },
    async stop() {
      await a.stop();
      await b.stop();
    },
    async bulk(bytes) {
      const t = performance.now();
      await link.bulk(
        'stoq.probe',
        Buffer.alloc(0),
        (function* () {
          for (let sent = 0; sent < bytes; sent += block.length) yield block;
        })(),
      );
      return (performance.now() - t) / 1000;
    },
    async rpc() {
      await link.request('echo', payload);
    },
    async handshake() {
      // A fresh node each time (made before the clock starts: key generation is not part of a handshake), so
      // both sides verify a certificate they have not seen: TLS handshake, NodeId binding (ML-DSA) checks.
      const c = spare.pop() ?? (await startedClient());
      const t = performance.now();
      const l = await c.dial(b.address, bNodeId);
      times.push(performance.now() - t);
      l.close();
      void c.stop();
    },
    async concurrentStreams(n) {
      await Promise.all(Array.from({ length: n }, () => link.request('echo', payload)));
    },
    async concurrentConnections(n) {
      // n distinct nodes (STOQ keeps one connection per peer pair), each dialling and calling once.
      const clients = await Promise.all(Array.from({ length: n }, () => startedClient()));
      const t = performance.now();
      const links = await Promise.all(clients.map((c) => c.dial(b.address, bNodeId)));
      await Promise.all(links.map((l) => l.request('echo', payload)));
      connectionsSeconds[name] = (performance.now() - t) / 1000;
      await Promise.all(clients.map((c) => c.stop()));
    },
  };
}

function shippedQuicContender(cert: CertificateMaterial): Contender {
  const logger = new Logger('quic', LogLevel.ERROR, []);
  const key = randomBytes(32);
  const crypto = {
    key: key.buffer.slice(key.byteOffset, key.byteOffset + key.length),
    ops: {
      sign: async (k: ArrayBuffer, d: ArrayBuffer) => {
        const h = createHmac('sha256', Buffer.from(k)).update(Buffer.from(d)).digest();
        return h.buffer.slice(h.byteOffset, h.byteOffset + h.length);
      },
      verify: async (k: ArrayBuffer, d: ArrayBuffer, sig: ArrayBuffer) => {
        const h = createHmac('sha256', Buffer.from(k)).update(Buffer.from(d)).digest();
        return timingSafeEqual(h, Buffer.from(sig));
      },
    },
  };
  const clientCrypto = {
    ops: {
      randomBytes: async (ab: ArrayBuffer) => {
        webcrypto.getRandomValues(new Uint8Array(ab));
      },
    },
  };
  const config = {
    key: cert.keyPem,
    cert: cert.certPem,
    verifyPeer: true,
    verifyCallback: async () => undefined,
    applicationProtos: ['stoq/1'],
    initialMaxData: 32 * MIB,
    initialMaxStreamDataBidiLocal: 8 * MIB,
    initialMaxStreamDataBidiRemote: 8 * MIB,
    initialMaxStreamsBidi: 2000,
  };
  let server: QUICServer;
  let client: QUICClient;
  const newClient = () =>
    QUICClient.createQUICClient(
      { host: HOST, port: server.port, localHost: HOST, crypto: clientCrypto, config, logger },
      { timer: 10_000 },
    );
  const echo = async (conn: QUICConnection) => {
    const s = conn.newStream();
    const w = s.writable.getWriter();
    await w.write(payload);
    await w.close();
    const r = s.readable.getReader();
    while (!(await r.read()).done) {
      // read the echo to its end
    }
  };
  return {
    name: 'quic_shipped',
    async start() {
      server = new QUICServer({ crypto, config, logger });
      await server.start({ host: HOST, port: 0 });
      server.addEventListener(quicEvents.EventQUICServerConnection.name, (e) => {
        const conn = (e as unknown as { detail: QUICConnection }).detail;
        conn.addEventListener(quicEvents.EventQUICConnectionStream.name, (se) => {
          const stream = (se as unknown as { detail: QUICStream }).detail;
          void (async () => {
            const chunks: Uint8Array[] = [];
            let n = 0;
            const r = stream.readable.getReader();
            for (;;) {
              const { value, done } = await r.read();
              if (done) break;
              n += value.length;
              if (n <= 4096) chunks.push(value);
            }
            const w = stream.writable.getWriter();
            await w.write(n <= 4096 ? Buffer.concat(chunks) : Buffer.from(String(n)));
            await w.close();
          })().catch(() => undefined);
        });
      });
      client = await newClient();
    },
    async stop() {
      await client.destroy({ force: true });
      await server.stop({ force: true });
    },
    async bulk(bytes) {
      const t = performance.now();
      const s = client.connection.newStream();
      const w = s.writable.getWriter();
      for (let sent = 0; sent < bytes; sent += block.length) {
        await w.ready;
        await w.write(block);
      }
      await w.close();
      const r = s.readable.getReader();
      while (!(await r.read()).done) {
        // the receiver's count
      }
      return (performance.now() - t) / 1000;
    },
    rpc: () => echo(client.connection),
    async handshake() {
      const c = await newClient();
      await c.destroy({ force: true });
    },
    async concurrentStreams(n) {
      await Promise.all(Array.from({ length: n }, () => echo(client.connection)));
    },
    async concurrentConnections(n) {
      const clients = await Promise.all(Array.from({ length: n }, () => newClient()));
      await Promise.all(clients.map((c) => echo(c.connection)));
      await Promise.all(clients.map((c) => c.destroy({ force: true })));
    },
  };
}

async function measure(c: Contender): Promise<Record<string, number>> {
  console.log(`-- ${c.name}`);
  const out: Record<string, number> = {};
  await c.start();
  try {
    const bytes = c.name === 'quic_shipped' ? SHIPPED_BULK_BYTES : BULK_BYTES;
    await c.bulk(Math.min(bytes, 4 * MIB)); // warm-up
    const secs = await timeLimit(c.bulk(bytes), 120_000, `${c.name} bulk`);
    out.bulk = report.figure(`bulk_throughput_${c.name}`, bytes / MIB / secs, 'MiB/s');

    const count = c.name === 'quic_shipped' ? 200 : RPC_COUNT;
    for (let i = 0; i < 50; i++) await c.rpc();
    const lat: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await c.rpc();
      lat.push(performance.now() - t);
    }
    lat.sort((x, y) => x - y);
    out.rpc50 = report.figure(`rpc_p50_${c.name}`, percentile(lat, 50), 'ms');
    out.rpc99 = report.figure(`rpc_p99_${c.name}`, percentile(lat, 99), 'ms');

    const hs = c.name === 'quic_shipped' ? 20 : HANDSHAKES;
    const hsTimes: number[] = [];
    for (let i = 0; i < hs; i++) {
      const t = performance.now();
      await timeLimit(c.handshake(), 20_000, `${c.name} handshake`);
      hsTimes.push(performance.now() - t);
    }
    const hsMedian = c.name.startsWith('stoq') ? median(handshakeTimes[c.name] ?? []) : median(hsTimes);
    out.hsMs = report.figure(`handshake_ms_${c.name}`, hsMedian, 'ms');
    report.figure(`handshakes_per_sec_${c.name}`, 1000 / hsMedian, '/s');

    for (const [label, run, n] of [
      ['streams', (k: number) => c.concurrentStreams(k), STREAMS],
      ['connections', (k: number) => c.concurrentConnections(k), CONNECTIONS],
    ] as const) {
      const t = performance.now();
      try {
        await timeLimit(run(n), c.name === 'quic_shipped' ? 20_000 : 60_000, `${c.name} ${n} ${label}`);
        const seconds =
          c.name.startsWith('stoq') && label === 'connections'
            ? (connectionsSeconds[c.name] ?? NaN)
            : (performance.now() - t) / 1000;
        out[label] = report.figure(`concurrent_${n}_${label}_s_${c.name}`, seconds, 's');
      } catch (err) {
        report.note(`${c.name}: ${(err as Error).message}`);
        out[label] = NaN;
      }
    }
  } finally {
    await timeLimit(c.stop(), 10_000, `${c.name} stop`).catch((err: Error) => report.note(err.message));
  }
  return out;
}

const cert = await createSelfSignedNodeCertificate(loadOrCreateIdentity(tempDir()));
const results: Record<string, Record<string, number>> = {};
for (const c of [
  stoqContender('stoq'),
  stoqContender('stoq_dgram'),
  byteStreamContender('tcp', cert),
  byteStreamContender('tls', cert),
  shippedQuicContender(cert),
]) {
  try {
    results[c.name] = await measure(c);
  } catch (err) {
    report.note(`${c.name} failed: ${(err as Error).message}`);
  }
}
const s = results.stoq;
const r = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : NaN);
if (s) {
  report.ratio('bulk_throughput_stoq_vs_tls', r(s.bulk, results.tls?.bulk));
  report.ratio('bulk_throughput_stoq_vs_tcp', r(s.bulk, results.tcp?.bulk));
  report.ratio('bulk_throughput_stoq_vs_quic_shipped', r(s.bulk, results.quic_shipped?.bulk));
  report.ratio('rpc_p50_stoq_vs_tls', r(s.rpc50, results.tls?.rpc50));
  report.ratio('rpc_p50_stoq_vs_tcp', r(s.rpc50, results.tcp?.rpc50));
  report.ratio('rpc_p99_stoq_vs_tls', r(s.rpc99, results.tls?.rpc99));
  report.ratio('handshake_stoq_vs_tls', r(s.hsMs, results.tls?.hsMs));
  report.ratio('handshake_stoq_vs_quic_shipped', r(s.hsMs, results.quic_shipped?.hsMs));
  report.ratio('streams_1000_stoq_vs_tls', r(s.streams, results.tls?.streams));
  report.ratio('connections_200_stoq_vs_tls', r(s.connections, results.tls?.connections));
}
const d = results.stoq_dgram;
if (d) {
  report.ratio('bulk_throughput_stoq_dgram_vs_tls', r(d.bulk, results.tls?.bulk));
  report.ratio('rpc_p50_stoq_dgram_vs_tls', r(d.rpc50, results.tls?.rpc50));
  report.ratio('streams_1000_stoq_dgram_vs_tls', r(d.streams, results.tls?.streams));
  report.ratio('connections_200_stoq_dgram_vs_tls', r(d.connections, results.tls?.connections));
}
report.note(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} (1/5/15 min, 2 cores, shared)`,
);
report.note('one process, both ends; loopback ::1; 1,350-byte datagrams for STOQ; time ratios: lower is better');
report.write();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
process.exit(0);
