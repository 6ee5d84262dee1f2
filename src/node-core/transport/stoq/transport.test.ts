import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { useTempDirs } from '../../testing/temp-dir';
import { until } from '../../testing/until';
import { StoqEndpoint } from './endpoint';
import { FrameType, StoqCode } from './frames';
import { createSelfSignedNodeCertificate, createSelfSignedVerifier } from './node-certificate';
import { RpcError, StoqRouter, serveConnection } from './rpc';
import { StreamError } from './stream';
import { createStoqTransport, type Transport } from './transport';

const tempDir = useTempDirs();
const running: Transport[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function node(extra: Partial<Parameters<typeof createStoqTransport>[0]> = {}) {
  const identity = loadOrCreateIdentity(tempDir());
  const logs = new LogBook({ minLevel: 'debug' });
  const transport = createStoqTransport({ host: '::1', port: 0, identity, log: logs.logger('stoq'), ...extra });
  await transport.start();
  running.push(transport);
  return { transport, identity, logs };
}

function* chunks(total: number, size: number, seed: Buffer) {
  for (let sent = 0; sent < total; sent += size) yield seed.subarray(0, Math.min(size, total - sent));
}

describe('STOQ transport on ::1', () => {
  it('connects with mutual authentication and answers RPCs, messages and bulk transfers', async () => {
    const a = await node();
    const b = await node();
    const seen: string[] = [];
    b.transport.router.rpc('echo', (body, ctx) => {
      seen.push(ctx.peer.nodeId);
      return body;
    });
    const got = new Promise<string>((resolve) =>
      b.transport.router.message('note', (body) => resolve(Buffer.from(body).toString())),
    );
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    expect(link.peer.nodeId).toBe(b.identity.nodeId);
    expect(Buffer.from(await link.request('echo', Buffer.from('hello'))).toString()).toBe('hello');
    expect(seen).toEqual([a.identity.nodeId]); // the server knows who called: mutual authentication
    await link.message('note', Buffer.from('one-way'));
    expect(await got).toBe('one-way');

    const seed = randomBytes(64 * 1024);
    const total = 16 * 1024 * 1024 + 123;
    const expected = createHash('sha256');
    for (const c of chunks(total, seed.length, seed)) expected.update(c);
    const answer: unknown = JSON.parse(
      Buffer.from(await link.bulk('stoq.digest', Buffer.alloc(0), chunks(total, seed.length, seed))).toString(),
    );
    expect(answer).toEqual({ sha256: expected.digest('hex'), bytes: total });

    // A bulk handler that read everything and then refuses: the caller gets its reason, not a reset stream.
    b.transport.router.bulk('picky', async (_meta, data) => {
      for await (const _ of data) void _;
      throw new Error('refused: not this one');
    });
    await expect(link.bulk('picky', Buffer.alloc(0), [Buffer.from('abc')])).rejects.toThrow(
      'picky: refused: not this one',
    );

    const again = await a.transport.dial(b.transport.address, b.identity.nodeId);
    expect(again.connection).toBe(link.connection); // one connection per peer pair, reused
    const byAddress = await a.transport.dial(b.transport.address);
    expect(byAddress.connection).toBe(link.connection); // also when dialled by address alone
    const stats = a.transport.stats();
    expect(stats.totals.connections).toBe(1);
    expect(stats.connections[0]?.nodeId).toBe(b.identity.nodeId);
    expect(stats.connections[0]?.bytesSent).toBeGreaterThan(total);
    expect(stats.connections[0]?.handshakeMs).toBeGreaterThan(0);
  });

  it('opens channels that carry raw bytes both ways, and refuses them with the handler reason', async () => {
    const a = await node();
    const b = await node();
    b.transport.router.channel('echo-channel', async (meta, ctx) => {
      if (Buffer.from(meta).toString() === 'refuse me') throw new Error('not today');
      return {
        reply: Buffer.from(`hello ${ctx.peer.nodeId.slice(0, 4)}`),
        attach: ({ stream, head }) => {
          void (async () => {
            if (head.length > 0) await stream.write(head);
            for await (const chunk of stream) await stream.write(chunk);
            await stream.end();
          })();
        },
      };
    });
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    const opened = await link.channel('echo-channel', Buffer.from('hi'));
    expect(Buffer.from(opened.reply).toString()).toBe(`hello ${a.identity.nodeId.slice(0, 4)}`);
    // Bytes that look like frames pass untouched: after the opening nothing is parsed.
    const payload = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 9]), randomBytes(300_000)]);
    const echoed: Buffer[] = [opened.head];
    const reading = (async () => {
      for await (const chunk of opened.stream) echoed.push(chunk);
    })();
    await opened.stream.end(payload);
    await reading;
    expect(Buffer.concat(echoed).equals(payload)).toBe(true);

    await expect(link.channel('echo-channel', Buffer.from('refuse me'))).rejects.toThrow(/not today/);
    await expect(link.channel('no-such-channel', Buffer.alloc(0))).rejects.toThrow(/unknown channel/);
  });

  it('measures a path and applies its tier, unless one is pinned', async () => {
    const a = await node();
    const b = await node();
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    const measured = await a.transport.measure(link);
    expect(measured.rttMs).toBeGreaterThan(0);
    expect(measured.throughputBitsPerSec).toBeGreaterThan(1e6);
    expect(['100M', '1G', '2.5G']).toContain(measured.tier);
    expect(a.transport.stats().connections[0]?.tier).toBe(measured.tier);
    a.transport.pinTier('2.5G');
    expect((await a.transport.measure(link)).tier).toBe('2.5G');
    expect(a.logs.query({ text: 'path to' })).toHaveLength(2);
  });

  it('keeps working when two nodes dial each other at once, or one dials twice at once', async () => {
    const a = await node();
    const b = await node();
    a.transport.router.rpc('echo', (body) => body);
    b.transport.router.rpc('echo', (body) => body);
    const [ab, ba, ab2] = await Promise.all([
      a.transport.dial(b.transport.address, b.identity.nodeId),
      b.transport.dial(a.transport.address, a.identity.nodeId),
      a.transport.dial(b.transport.address, b.identity.nodeId),
    ]);
    expect(ab2.connection).toBe(ab.connection);
    for (let i = 0; i < 3; i++) {
      expect(Buffer.from(await ab.request('echo', Buffer.from('a→b'))).toString()).toBe('a→b');
      expect(Buffer.from(await ba.request('echo', Buffer.from('b→a'))).toString()).toBe('b→a');
    }
    // Both sides pick the same survivor; the duplicate closes after its grace period (5 s) and the links go on.
    await until(
      'the duplicate connection to close on both sides',
      () => a.transport.stats().totals.connections === 1 && b.transport.stats().totals.connections === 1,
      60_000,
    );
    expect(Buffer.from(await ab.request('echo', Buffer.from('later'))).toString()).toBe('later');
    expect(Buffer.from(await ba.request('echo', Buffer.from('later'))).toString()).toBe('later');
  }, 180_000);

  it('refuses a peer that is not the NodeId dialled', async () => {
    const a = await node();
    const b = await node();
    const c = await node();
    await expect(a.transport.dial(b.transport.address, c.identity.nodeId)).rejects.toThrow(
      `is for NodeId ${b.identity.nodeId}, not the ${c.identity.nodeId} that was dialed`,
    );
    expect(a.logs.query({ text: 'refused peer' })).toHaveLength(1);
  });

  it('refuses a certificate without a NodeId binding, on both sides', async () => {
    const a = await node();
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${'a'.repeat(52)}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
    const logs = new LogBook();
    const forger = await StoqEndpoint.listen({
      host: '::1',
      port: 0,
      certificate: { certPem: cert.toString('pem'), keyPem, certDer: new Uint8Array(cert.rawData) },
      verifier: createSelfSignedVerifier(),
      log: logs.logger('forger'),
    });
    // The client finishes its handshake first (as in TLS 1.3), so the server's refusal arrives as a close.
    const refused = await forger.connect(a.transport.address).catch((err: Error) => err);
    if (!(refused instanceof Error)) {
      await refused.closed();
      expect(refused.closeReason).toContain(`code ${StoqCode.AuthFailed}`);
      expect(() => refused.openStream()).toThrow(/closed/);
    }
    expect(a.logs.query({ text: 'carries no NodeId binding' })).toHaveLength(1);
    expect(a.transport.stats().connections).toEqual([]);
    await expect(a.transport.dial(forger.address)).rejects.toThrow('carries no NodeId binding');
    await forger.close();
  });

  it('refuses an expired certificate', () => {
    const verifier = createSelfSignedVerifier({ now: () => new Date(Date.now() + 400 * 86_400_000) });
    const identity = loadOrCreateIdentity(tempDir());
    return createSelfSignedNodeCertificate(identity).then((m) => {
      expect(() => verifier.verify([m.certDer])).toThrow(/not valid now/);
      expect(createSelfSignedVerifier().verify([m.certDer]).nodeId).toBe(identity.nodeId);
    });
  });

  it('resets a stream carrying an oversized frame or garbage, and keeps serving', async () => {
    const a = await node();
    const b = await node({ maxFrameBytes: 64 * 1024 });
    b.transport.router.rpc('echo', (body) => body);
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);

    const big = link.connection.openStream();
    const header = Buffer.from([1, FrameType.Request, 0, 0x20, 0, 0]); // claims 2 MiB
    await big.write(header);
    await expect(big.read()).rejects.toThrow(StreamError);
    await expect(big.read()).rejects.toMatchObject({ streamCode: StoqCode.FrameTooLarge });

    const junk = link.connection.openStream();
    await junk.end(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await expect(junk.read()).rejects.toMatchObject({ streamCode: StoqCode.ProtocolError });

    await expect(link.request('echo', Buffer.alloc(100 * 1024))).rejects.toMatchObject({
      streamCode: StoqCode.FrameTooLarge,
    });
    expect(Buffer.from(await link.request('echo', Buffer.from('still here'))).toString()).toBe('still here');
    expect(b.logs.query({ text: 'exceeds the 65536-byte limit' }).length).toBeGreaterThan(0);
  });

  it('reports unknown methods, handler failures, timeouts and cancellation', async () => {
    const a = await node();
    const b = await node();
    b.transport.router.rpc('fail', () => {
      throw new Error('disk on fire');
    });
    b.transport.router.rpc('hang', () => new Promise<Uint8Array>(() => undefined));
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    await expect(link.request('nope', Buffer.alloc(0))).rejects.toMatchObject({ stoqCode: StoqCode.UnknownMethod });
    await expect(link.request('fail', Buffer.alloc(0))).rejects.toThrow('fail: disk on fire');
    await expect(link.request('hang', Buffer.alloc(0), { timeoutMs: 200 })).rejects.toMatchObject({
      stoqCode: StoqCode.Timeout,
    });
    const controller = new AbortController();
    const pending = link.request('hang', Buffer.alloc(0), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RpcError);
    await expect(pending).rejects.toMatchObject({ stoqCode: StoqCode.Cancelled });
  });

  it('carries 1,000 concurrent streams on one connection without losing any', async () => {
    const a = await node();
    const b = await node();
    b.transport.router.rpc('echo', (body) => body);
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => link.request('echo', Buffer.from(`request ${i}`))),
    );
    replies.forEach((r, i) => expect(Buffer.from(r).toString()).toBe(`request ${i}`));
  });

  it('holds requests beyond the peer’s stream credit until it grants more, and answers them all', async () => {
    const a = await node();
    const b = await node();
    b.transport.pinTier('100M'); // b's connections from now on grant 256 concurrent streams
    b.transport.router.rpc('echo', (body) => body);
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => link.request('echo', Buffer.from(`${round}/${i}`))),
      );
      replies.forEach((r, i) => expect(Buffer.from(r).toString()).toBe(`${round}/${i}`));
    }
  });

  it('fails a transfer cleanly when the peer vanishes, and keeps serving others', async () => {
    const a = await node({ idleTimeoutMs: 1500 });
    const c = await node();
    c.transport.router.rpc('echo', (body) => body);
    // The vanishing peer is a bare endpoint, so the test can pull its plug: close its socket without a goodbye.
    const identity = loadOrCreateIdentity(tempDir());
    const log = new LogBook().logger('vanishing');
    const b = await StoqEndpoint.listen({
      host: '::1',
      port: 0,
      certificate: await createSelfSignedNodeCertificate(identity),
      verifier: createSelfSignedVerifier(),
      log,
      idleTimeoutMs: 1500,
    });
    let flowing!: () => void;
    const firstChunk = new Promise<void>((resolve) => (flowing = resolve));
    const router = new StoqRouter().bulk('slow', async (_meta, data) => {
      for await (const _ of data) {
        flowing();
        await new Promise((r) => setTimeout(r, 5));
      }
      return Buffer.alloc(0);
    });
    b.onConnection = (conn) => serveConnection(conn, router, { log });
    const link = await a.transport.dial(b.address, identity.nodeId);
    const seed = randomBytes(64 * 1024);
    const transfer = link.bulk('slow', Buffer.alloc(0), chunks(256 * 1024 * 1024, seed.length, seed));
    await firstChunk; // the transfer is under way when the plug is pulled
    await b.closeSocket();
    await expect(transfer).rejects.toThrow(/idle timeout/);
    const other = await a.transport.dial(c.transport.address, c.identity.nodeId);
    expect(Buffer.from(await other.request('echo', Buffer.from('ok'))).toString()).toBe('ok');
    expect(a.transport.stats().connections.map((x) => x.nodeId)).toEqual([c.identity.nodeId]);
  });
});
