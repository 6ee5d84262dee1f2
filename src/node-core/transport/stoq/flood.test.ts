import type dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { useTempDirs } from '../../testing/temp-dir';
import { until } from '../../testing/until';
import type { AdmissionLimits } from './admission';
import { StoqEndpoint, type EndpointOptions, type StoqConnection } from './endpoint';
import { StoqCode } from './frames';
import {
  createSelfSignedNodeCertificate,
  createSelfSignedVerifier,
  type CertificateMaterial,
} from './node-certificate';
import { request, serveConnection, StoqRouter } from './rpc';
import { floodSockets, loopbackEndpoint, makeInitials } from './testing';

// Bounds here are generous limits on waiting, never measured durations: the machine may be loaded.
const DIAL_BOUND_MS = 30_000;
/** How long the node keeps a silent handshake: longer than DIAL_BOUND_MS, so a full table cannot empty in time. */
const NODE_IDLE_MS = 90_000;

const tempDir = useTempDirs();
const endpoints: StoqEndpoint[] = [];
const sockets: dgram.Socket[] = [];
const log = new LogBook({ minLevel: 'warn' }).logger('flood-test');

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function server(extra: Partial<EndpointOptions> = {}): Promise<StoqEndpoint> {
  const { endpoint } = await loopbackEndpoint(tempDir(), extra);
  endpoints.push(endpoint);
  return endpoint;
}

let certificate: CertificateMaterial | undefined;
async function clientCertificate(): Promise<CertificateMaterial> {
  certificate ??= await createSelfSignedNodeCertificate(loadOrCreateIdentity(tempDir()));
  return certificate;
}

/** An honest peer on a socket of its own: quiche follows a Retry by itself. */
async function dial(
  target: StoqEndpoint,
  signal: AbortSignal = AbortSignal.timeout(DIAL_BOUND_MS),
  extra: Partial<EndpointOptions> = {},
) {
  const client = await StoqEndpoint.listen({
    host: '::1',
    port: 0,
    certificate: await clientCertificate(),
    verifier: createSelfSignedVerifier(),
    log,
    acceptIncoming: false,
    ...extra,
  });
  endpoints.push(client);
  return client.connect(target.address, undefined, signal);
}

/** Counts the datagrams the server's socket takes in, so the flood can be paced by what arrived, not by a clock. */
function arrivals(target: StoqEndpoint): { readonly count: number } {
  return {
    get count() {
      return target.datagramsReceived;
    },
  };
}

/** Sends real Initials from silent sockets in batches, each once the server has received the one before. */
async function flood(target: StoqEndpoint, initials: Buffer[], from: dgram.Socket[], seen: { count: number }) {
  const batch = 25;
  for (let i = 0; i < initials.length; i += batch) {
    const before = seen.count;
    const part = initials.slice(i, i + batch);
    part.forEach((packet, j) => from[(i + j) % from.length]?.send(packet, target.address.port, target.address.host));
    // UDP may lose some on a loaded machine: most of the batch arriving is enough to go on.
    await until('the server to receive a flood batch', () => seen.count - before >= part.length * 0.8, 60_000);
  }
}

describe('STOQ under an Initial flood', () => {
  it('keeps answering honest peers while real Initials pour in from sockets that never answer', async () => {
    const node = await server({ idleTimeoutMs: NODE_IDLE_MS });
    const seen = arrivals(node);
    // More half-open handshakes than the node would ever hold, each asking to be kept as long as the node allows.
    const initials = makeInitials(await clientCertificate(), node.address, 600, NODE_IDLE_MS);
    sockets.push(...(await floodSockets('::1', 4)));
    await flood(node, initials.slice(0, 300), sockets, seen);
    const rest = flood(node, initials.slice(300), sockets, seen);
    const honest = await Promise.all([dial(node), dial(node), dial(node)]);
    await rest;
    honest.push(await dial(node));
    for (const conn of honest) expect(conn.peerIdentity?.nodeId).toMatch(/^[0-9a-z]+$/i);

    const stats = node.admissionStats();
    expect(stats.retried).toBeGreaterThan(0); // the flood was answered with Retries...
    // ...so handshakes from unproven addresses never grew past the Retry threshold.
    expect(stats.unvalidatedHandshakes).toBeLessThanOrEqual(16);
    expect(node.connectionCount).toBeLessThan(64);
  });

  it('serves a stream whose first bytes arrive after a later stream (held back by the sender’s bandwidth cap)', async () => {
    const node = await server();
    const router = new StoqRouter().rpc('echo', (body) => body);
    node.onConnection = (conn) => serveConnection(conn, router, { log });
    // The client's limiter holds the first write it is asked to pace until told; the rest go at once.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let paced = 0;
    const conn = await dial(node, undefined, { pace: () => (paced++ === 0 ? held : null) });
    const first = request(conn, 'echo', Buffer.from('opened first'));
    const second = request(conn, 'echo', Buffer.from('opened second'));
    expect(Buffer.from(await second).toString()).toBe('opened second');
    release();
    expect(Buffer.from(await first).toString()).toBe('opened first');
  });

  it('completes a handshake through a Retry and serves calls on it', async () => {
    const node = await server({ admission: { retryThreshold: 0 } }); // every tokenless Initial gets a Retry
    const router = new StoqRouter().rpc('echo', (body) => body);
    node.onConnection = (conn) => serveConnection(conn, router, { log });
    const conn = await dial(node);
    expect(Buffer.from(await request(conn, 'echo', Buffer.from('after retry'))).toString()).toBe('after retry');
    const stats = node.admissionStats();
    expect(stats.retried).toBeGreaterThanOrEqual(1);
    expect(stats.accepted).toBeGreaterThanOrEqual(1);
    expect(stats.dropped['invalid-token']).toBe(0);
  });

  it('holds one source to its handshake rate', async () => {
    const limits: Partial<AdmissionLimits> = { perSourceBurst: 1, perSourceRatePerSec: 0 };
    const node = await server({ admission: limits });
    await dial(node);
    const abort = new AbortController();
    const second = dial(node, abort.signal);
    second.catch(() => undefined);
    await until('the second handshake to be dropped', () => node.admissionStats().dropped['source-rate'] > 0);
    abort.abort();
    await expect(second).rejects.toThrow();
  });

  it('disconnects a peer that holds more streams open than the connection budget', async () => {
    const node = await server({ maxPeerStreams: 4 });
    let held = 0;
    node.onConnection = (conn) => {
      conn.onStream = () => held++; // never read nor answered: the streams stay open
    };
    const conn: StoqConnection = await dial(node);
    const streams = Array.from({ length: 4 }, () => conn.openStream());
    await Promise.all(streams.map((s) => s.write(Buffer.from('x'))));
    await until('the server to hold 4 streams', () => held === 4);
    expect(conn.isUsable).toBe(true);
    await conn.openStream().write(Buffer.from('one too many'));
    await conn.closed();
    expect(conn.closeCode).toBe(StoqCode.OverBudget);
    expect(conn.closeReason).toMatch(/code 18/);
  });
});
