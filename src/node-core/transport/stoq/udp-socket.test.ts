import { afterEach, describe, expect, it } from 'vitest';
import { LogBook } from '../../logging/log-book';
import { until } from '../../testing/until';
import { loadUdpAddon, openUdpSocket, type HostPort, type StoqUdpSocket } from './udp-socket';

// Runs in both projects of vitest.config.ts: once on the addon (where it is built), once with STOQ_UDP=dgram.
const log = new LogBook().logger('udp');
const sockets: StoqUdpSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});

async function open(onPacket: (packet: Buffer, from: HostPort) => void): Promise<StoqUdpSocket> {
  const socket = await openUdpSocket({ host: '::1', port: 0, dualStack: false, log, onPacket });
  sockets.push(socket);
  return socket;
}

/** Writes datagrams the way a connection does: in place, committed one by one, flushed at the end of the pass. */
function sendAll(socket: StoqUdpSocket, datagrams: Buffer[], to: HostPort): void {
  for (const d of datagrams) {
    const out = socket.datagramBuffer(1350);
    d.copy(out);
    socket.commit(d.length, to);
  }
  socket.flush();
}

describe('STOQ UDP socket', () => {
  it('uses the path the environment asks for', async () => {
    const socket = await open(() => undefined);
    if (process.env.STOQ_UDP === 'dgram' || loadUdpAddon() === null) expect(socket.path).toBe('dgram');
    else expect(['gso', 'mmsg']).toContain(socket.path);
  });

  it('delivers batched datagrams whole, in order, with their source; short ones end a batch', async () => {
    const got: { data: Buffer; from: HostPort }[] = [];
    const receiver = await open((packet, from) => got.push({ data: Buffer.from(packet), from }));
    const sender = await open(() => undefined);
    // Full-size runs broken by short datagrams, and a batch longer than one GSO send can carry.
    const sizes = [...Array<number>(50).fill(1350), 700, 1350, 1350, 20, ...Array<number>(10).fill(1200), 1350];
    const datagrams = sizes.map((size, i) => Buffer.alloc(size, i));
    sendAll(sender, datagrams, receiver.address);
    await until('all datagrams to arrive', () => got.length >= datagrams.length, 60_000);
    expect(got.map((g) => g.data.length)).toEqual(sizes);
    got.forEach((g, i) => expect(g.data.equals(datagrams[i] as Buffer)).toBe(true));
    expect(new Set(got.map((g) => `${g.from.host}|${g.from.port}`))).toEqual(new Set([`::1|${sender.address.port}`]));
    expect(receiver.state.received).toBe(sizes.length);
  });

  it('sends to two peers from one pass without mixing their datagrams', async () => {
    const a: Buffer[] = [];
    const b: Buffer[] = [];
    const ra = await open((p) => a.push(Buffer.from(p)));
    const rb = await open((p) => b.push(Buffer.from(p)));
    const sender = await open(() => undefined);
    for (let i = 0; i < 6; i++) {
      const out = sender.datagramBuffer(1350);
      out.fill(i);
      sender.commit(1000, i % 2 === 0 ? ra.address : rb.address);
    }
    sender.flush();
    await until('both peers to receive', () => a.length >= 3 && b.length >= 3, 60_000);
    expect(a.map((d) => d[0])).toEqual([0, 2, 4]);
    expect(b.map((d) => d[0])).toEqual([1, 3, 5]);
  });

  it('refuses an address in use with a code, and drops sends to addresses it cannot reach', async () => {
    const first = await open(() => undefined);
    await expect(
      openUdpSocket({ host: '::1', port: first.address.port, dualStack: false, log, onPacket: () => undefined }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(() => first.sendOne(Buffer.from('x'), { host: 'not-an-address', port: 1 })).not.toThrow();
    await first.close();
    expect(first.state.closed).toBe(true);
    expect(() => first.sendOne(Buffer.from('x'), { host: '::1', port: 9 })).not.toThrow();
  });
});
