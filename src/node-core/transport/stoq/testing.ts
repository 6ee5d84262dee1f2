import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { loadOrCreateIdentity, type NodeIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { StoqEndpoint, type EndpointOptions } from './endpoint';
import {
  createSelfSignedNodeCertificate,
  createSelfSignedVerifier,
  type CertificateMaterial,
} from './node-certificate';
import { buildConfig, CID_LENGTH, DEFAULT_DATAGRAM_BYTES, quiche } from './quiche';

/** An endpoint on [::1] with a fresh identity in `dir`, for tests and benchmarks. */
export async function loopbackEndpoint(
  dir: string,
  extra: Partial<EndpointOptions> = {},
): Promise<{ endpoint: StoqEndpoint; identity: NodeIdentity; logs: LogBook }> {
  const identity = loadOrCreateIdentity(dir);
  const logs = new LogBook({ minLevel: 'debug' });
  const endpoint = await StoqEndpoint.listen({
    host: '::1',
    port: 0,
    certificate: await createSelfSignedNodeCertificate(identity),
    verifier: createSelfSignedVerifier(),
    log: logs.logger('stoq'),
    ...extra,
  });
  return { endpoint, identity, logs };
}

/**
 * Real QUIC Initials, as a flooding client would send them: each from a fresh quiche client connection (fresh random
 * connection ids, a real TLS ClientHello), taken before anything is sent. The flooder never answers what comes back.
 */
export function makeInitials(
  certificate: CertificateMaterial,
  target: { host: string; port: number },
  count: number,
  /** The idle timeout the flooder asks for; a half-open handshake lives as long as the smaller of both sides'. */
  idleTimeoutMs = 30_000,
): Buffer[] {
  const config = buildConfig({
    certPem: certificate.certPem,
    keyPem: certificate.keyPem,
    idleTimeoutMs,
    datagramBytes: DEFAULT_DATAGRAM_BYTES,
    streamWindow: 1 << 20,
    connectionWindow: 1 << 22,
    maxStreams: 16,
  });
  const local = { host: isIP(target.host) === 6 ? '::1' : '127.0.0.1', port: 40_000 };
  const out: Buffer[] = [];
  const buf = Buffer.allocUnsafe(DEFAULT_DATAGRAM_BYTES);
  for (let i = 0; i < count; i++) {
    const conn = quiche.Connection.connect(null, randomBytes(CID_LENGTH), local, target, config);
    const sent = conn.send(buf);
    if (sent === null) throw new Error('quiche produced no Initial');
    out.push(Buffer.from(buf.subarray(0, sent[0])));
  }
  return out;
}

/** UDP sockets on loopback (OS-chosen ports) that send datagrams and ignore every reply: a spoofed-source flood. */
export async function floodSockets(host: string, count: number): Promise<dgram.Socket[]> {
  const sockets: dgram.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    socket.on('message', () => undefined);
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    sockets.push(socket);
  }
  return sockets;
}
