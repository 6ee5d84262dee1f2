import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { useTempDirs } from '../../testing/temp-dir';
import { createStoqTransport, type Transport } from './transport';

const tempDir = useTempDirs();
const running: Transport[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function node(cap: number | null = null) {
  const identity = loadOrCreateIdentity(tempDir());
  const transport = createStoqTransport({
    host: '::1',
    port: 0,
    identity,
    log: new LogBook().logger('stoq'),
    bandwidthCapBitsPerSec: cap,
  });
  await transport.start();
  running.push(transport);
  return { transport, identity };
}

/** Arrivals at the receiving node: (time, bytes), per kind of traffic. */
class Arrivals {
  readonly events: { at: number; bytes: number }[] = [];
  readonly byKind = new Map<string, number>();

  add(kind: string, bytes: number): void {
    this.events.push({ at: performance.now(), bytes });
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + bytes);
  }

  /**
   * The highest rate, bits/s, over any `windowMs` window (t, t + windowMs] inside [from, to]. A window that begins
   * just after an arrival is the worst case, so t runs over the arrival times.
   */
  peakBitsPerSec(windowMs: number, from: number, to: number): number {
    let peak = 0;
    for (const s of this.events) {
      if (s.at < from || s.at + windowMs > to) continue;
      let bytes = 0;
      for (const e of this.events) if (e.at > s.at && e.at <= s.at + windowMs) bytes += e.bytes;
      peak = Math.max(peak, (bytes * 8000) / windowMs);
    }
    return peak;
  }
}

describe('the bandwidth cap covers all traffic to peers', () => {
  it('holds bulk, RPC replies, one-way messages and channels together to the cap, and meters them', async () => {
    const CAP = 4e6; // 500 kB/s
    const RUN_MS = 7000;
    const WINDOW_MS = 2000;
    const a = await node(CAP); // the capped sender
    const b = await node();
    const arrivals = new Arrivals();
    const chunk = randomBytes(32 * 1024);

    // On A: an RPC whose reply is 64 KiB, and a channel that streams raw bytes (as the mesh's libp2p does).
    a.transport.router.rpc('big-reply', () => Buffer.concat([chunk, chunk]));
    let stopped = false;
    a.transport.router.channel('source', async () => ({
      reply: Buffer.alloc(0),
      attach: ({ stream }) => {
        void (async () => {
          while (!stopped) await stream.write(chunk);
          await stream.end();
        })().catch(() => undefined);
      },
    }));
    // On B: a bulk sink and a message sink that count what arrives.
    b.transport.router.bulk('sink', async (_meta, data) => {
      for await (const c of data) arrivals.add('bulk', c.length);
      return Buffer.alloc(0);
    });
    b.transport.router.message('note', (body) => arrivals.add('message', body.length));

    const aToB = await a.transport.dial(b.transport.address, b.identity.nodeId);
    const bToA = await b.transport.dial(a.transport.address, a.identity.nodeId);
    const started = performance.now();
    const deadline = started + RUN_MS;
    const loops: Promise<unknown>[] = [
      // A uploads in bulk…
      (async () => {
        while (performance.now() < deadline) {
          await aToB.bulk(
            'sink',
            Buffer.alloc(0),
            (function* () {
              for (let i = 0; i < 8; i++) yield chunk;
            })(),
          );
        }
      })(),
      // …sends one-way messages…
      (async () => {
        while (performance.now() < deadline) await aToB.message('note', chunk);
      })(),
      // …answers B's calls (the replies are A's traffic)…
      (async () => {
        while (performance.now() < deadline) {
          arrivals.add('rpc-reply', (await bToA.request('big-reply', Buffer.alloc(0))).length);
        }
      })(),
      // …and feeds a channel B opened.
      (async () => {
        const opened = await bToA.channel('source', Buffer.alloc(0));
        if (opened.head.length > 0) arrivals.add('channel', opened.head.length);
        for await (const c of opened.stream) {
          arrivals.add('channel', c.length);
          if (performance.now() >= deadline) break;
        }
        stopped = true;
        opened.stream.reset(0);
      })(),
    ];
    // The limiter's own meter, sampled while saturated: what the sharing view shows as "used".
    const metered: number[] = [];
    const sampler = setInterval(() => {
      if (performance.now() - started > WINDOW_MS) metered.push(a.transport.sentBitsPerSec());
    }, 250);
    try {
      await Promise.all(loops);
    } finally {
      clearInterval(sampler);
      stopped = true;
    }
    const ended = performance.now();

    for (const kind of ['bulk', 'message', 'rpc-reply', 'channel']) {
      expect(arrivals.byKind.get(kind) ?? 0, `${kind} traffic flowed`).toBeGreaterThan(0);
    }
    const peak = arrivals.peakBitsPerSec(WINDOW_MS, started, ended);
    const total = [...arrivals.byKind.values()].reduce((x, y) => x + y, 0);
    const average = (total * 8000) / (ended - started);
    // Every 2 s window stays within the cap + 5 %; the average shows the senders did saturate it.
    expect(peak).toBeLessThanOrEqual(CAP * 1.05);
    expect(average).toBeGreaterThan(CAP * 0.6);
    // The meter agrees with what arrived.
    expect(metered.length).toBeGreaterThan(4);
    expect(Math.max(...metered)).toBeLessThanOrEqual(CAP * 1.15);
    const meanMetered = metered.reduce((x, y) => x + y, 0) / metered.length;
    expect(meanMetered).toBeGreaterThan(CAP * 0.6);
    expect(a.transport.bandwidthCapBitsPerSec()).toBe(CAP);
  });

  it('a cap lowered mid-transfer applies to the next bytes, and none lets traffic go at once', async () => {
    const a = await node(null);
    const b = await node();
    let received = 0;
    b.transport.router.bulk('sink', async (_meta, data) => {
      for await (const c of data) received += c.length;
      return Buffer.alloc(0);
    });
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    const chunk = randomBytes(64 * 1024);
    const send = (n: number) =>
      link.bulk(
        'sink',
        Buffer.alloc(0),
        (function* () {
          for (let i = 0; i < n; i++) yield chunk;
        })(),
      );
    await send(64); // 4 MiB uncapped
    expect(received).toBe(64 * chunk.length);
    a.transport.setBandwidthCap(2e6); // 250 kB/s
    const before = received;
    const t = performance.now();
    await send(8); // 512 KiB: at least ~2 s under the cap
    const seconds = (performance.now() - t) / 1000;
    expect(received - before).toBe(8 * chunk.length);
    expect(((received - before) * 8) / seconds).toBeLessThanOrEqual(2e6 * 1.05);
  });
});
