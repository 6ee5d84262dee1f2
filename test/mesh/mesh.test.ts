import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshStatus, RemoteAllocationView, RemoteAssetView } from '../../src/shared/mesh';
import type { AssetView } from '../../src/shared/assets';
import { LogBook } from '../../src/node-core/logging/log-book';
import { ANNOUNCE_TOPIC } from '../../src/node-core/mesh/libp2p-node';
import { createNode, type HyperMeshNode } from '../../src/node-core/node';
import { fixedHardware } from '../../src/node-core/testing/fixed-hardware';
import { FrameType, encodeCall, encodeFrame } from '../../src/node-core/transport/stoq/frames';
import { MeshProcess, until } from './cluster';

/**
 * Five nodes in five processes on ::1 (a CA that is also the mesh's one bootstrap, and four members), real STOQ,
 * real certificates, real SQLite files; the test process adds nodes of its own where a scenario needs to act on
 * the wire (a bulk transfer, a Byzantine peer).
 */
let ca: MeshProcess;
const members: MeshProcess[] = [];
const inProcess: HyperMeshNode[] = [];
const dirs: string[] = [];
let caAddress = '';

const status = (p: MeshProcess) => p.call<MeshStatus>('getMeshStatus');
const nodeIdOf = async (p: MeshProcess) => (await p.call<{ nodeId: string }>('getStatus')).nodeId;

async function joinMesh(p: MeshProcess): Promise<void> {
  await p.call('updateSettings', { trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
  await until(`${p.name} to be certified`, async () => {
    const trust = await p.call<{ state: string }>('getTrustStatus');
    return trust.state === 'certified';
  });
}

/** A node in this process, certified by the CA and on the mesh: the test drives its wire directly. */
async function localNode(): Promise<HyperMeshNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hypermesh-mesh-local-'));
  dirs.push(dataDir);
  const node = createNode(
    { dataDir, listen: { host: '::1', port: 0 }, timing: { mesh: { intervalMs: 1_000 } } },
    { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }) },
  );
  inProcess.push(node);
  await node.start();
  await node.api.updateSettings({ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
  await until('the local node to be certified', async () => {
    await node.trust!.refresh().catch(() => undefined);
    return node.trust!.chain() !== null;
  });
  return node;
}

beforeAll(async () => {
  ca = new MeshProcess('ca', 0, ['trust', 'serve', '--name', 'Mesh Test CA']);
  await ca.start();
  caAddress = ca.stoqAddress;
  for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
    const p = new MeshProcess(name, 0);
    members.push(p);
  }
  await Promise.all(members.map((p) => p.start()));
  await Promise.all(members.map((p) => joinMesh(p)));
}, 120_000);

afterAll(async () => {
  await Promise.all(inProcess.map((n) => n.stop()));
  await Promise.all([ca, ...members].map((p) => p.stop()));
  for (const p of [ca, ...members]) p.removeData();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a five-process mesh on ::1', () => {
  it('every node discovers all the others from one bootstrap address', async () => {
    const everyone = await Promise.all([ca, ...members].map(nodeIdOf));
    for (const p of members) {
      const own = await nodeIdOf(p);
      const view = await until(`${p.name} to know every node`, async () => {
        const s = await status(p);
        // Known with the libp2p PeerId bound to its NodeId (through STOQ or its signed announcement).
        const known = new Set(s.peers.filter((peer) => peer.peerId?.startsWith('12D3KooW')).map((peer) => peer.nodeId));
        return everyone.every((id) => id === own || known.has(id)) ? s : undefined;
      });
      expect(view.state).toBe('running');
      expect(view.dhtPeers).toBeGreaterThan(0);
      expect(new Set(view.peers.map((peer) => peer.peerId)).size).toBe(view.peers.length);
    }
  });

  it('finds a shared asset by search, with filters, and allocates it across the mesh', async () => {
    const [alpha, bravo, charlie] = members as [MeshProcess, MeshProcess, MeshProcess];
    await bravo.call('updateSettings', {
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      allocation: { cpu: 50, memory: 2 },
      rewards: { minimumRatePerHour: '0.5' },
    });
    const bravoId = await nodeIdOf(bravo);
    const memory = await until('bravo\u2019s memory to be found by charlie', async () => {
      const hits = await charlie.call<RemoteAssetView[]>('searchAssets', { kind: 'memory' });
      return hits.find((h) => h.owner === bravoId);
    });
    expect(memory).toMatchObject({ kind: 'memory', privacyLevel: 'FullPublic', pricePerHour: '0.5' });
    await until('alpha to see both of bravo\u2019s assets', async () => {
      const hits = await alpha.call<RemoteAssetView[]>('searchAssets', {});
      return hits.filter((h) => h.owner === bravoId).length === 2;
    });
    // Filters: kind, capacity, price.
    expect(await charlie.call<RemoteAssetView[]>('searchAssets', { kind: 'gpu' })).toEqual([]);
    expect(
      (await charlie.call<RemoteAssetView[]>('searchAssets', { maxPricePerHour: '0.4' })).filter(
        (h) => h.owner === bravoId,
      ),
    ).toEqual([]);
    expect(
      await charlie.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu', minCapacity: memory.capacity.allowed }),
    ).toEqual([]);

    const lease = await charlie.call<RemoteAllocationView>('allocateRemote', {
      assetId: memory.assetId,
      amount: 64 * 2 ** 20,
      durationMs: 600_000,
    });
    expect(lease).toMatchObject({ owner: bravoId, kind: 'memory', amount: 64 * 2 ** 20, ownerProofVerified: true });
    const bravoMemory = (await bravo.call<AssetView[]>('getAssets')).find((a) => a.kind === 'memory');
    expect(bravoMemory).toMatchObject({ leases: 1, inUse: 64 * 2 ** 20 });
  });

  it('a node killed mid-transfer loses nothing, and rejoins the mesh when restarted', async () => {
    const [, bravo, , delta] = members as [MeshProcess, MeshProcess, MeshProcess, MeshProcess];
    const bravoId = await nodeIdOf(bravo);
    const deltaId = await nodeIdOf(delta);
    // Delta holds a lease on bravo's CPU and knows bravo's assets before it dies.
    const cpu = await until('delta to find bravo\u2019s CPU', async () =>
      (await delta.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' })).find((h) => h.owner === bravoId),
    );
    const lease = await delta.call<RemoteAllocationView>('allocateRemote', {
      assetId: cpu.assetId,
      amount: 1,
      durationMs: 600_000,
    });
    const peersBefore = (await status(delta)).peers.length;

    const sender = await localNode();
    const link = await sender.transport!.dial({ host: '::1', port: delta.stoqPort }, deltaId);
    const seed = randomBytes(64 * 1024);
    let sent = 0;
    async function* data(total: number): AsyncGenerator<Buffer> {
      for (sent = 0; sent < total; sent += seed.length) yield seed;
    }
    const transfer = link.bulk('stoq.digest', Buffer.alloc(0), data(512 * 1024 * 1024), { timeoutMs: 60_000 });
    await until('the transfer to be under way', async () => sent > 8 * 1024 * 1024);
    await delta.kill();
    // The sender learns of it cleanly: an error, not a hang.
    await expect(transfer).rejects.toThrow();
    expect(sent).toBeLessThan(512 * 1024 * 1024);

    // Back on a port of its own choosing (its old one may have been taken meanwhile); its announcement says where.
    delta.stoqPort = 0;
    await delta.start();
    // Nothing lost: the lease, the peer book and the announcements it had were in SQLite.
    expect((await delta.call<RemoteAllocationView[]>('getRemoteAllocations')).map((l) => l.leaseId)).toContain(
      lease.leaseId,
    );
    expect((await status(delta)).peers.length).toBeGreaterThanOrEqual(peersBefore);
    expect(
      (await delta.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' })).some((h) => h.owner === bravoId),
    ).toBe(true);
    // Back on the mesh: connected to others again, and others see it connected.
    await until('delta to be connected again', async () => (await status(delta)).peers.some((p) => p.connected));
    await until('bravo to see delta connected again', async () =>
      (await status(bravo)).peers.some((p) => p.nodeId === deltaId && p.connected),
    );
    // The transfer, tried again, completes with the right digest.
    const again = await sender.transport!.dial({ host: '::1', port: delta.stoqPort }, deltaId);
    const total = 32 * 1024 * 1024;
    const expected = createHash('sha256');
    for (let n = 0; n < total; n += seed.length) expected.update(seed);
    const answer = JSON.parse(
      Buffer.from(await again.bulk('stoq.digest', Buffer.alloc(0), data(total))).toString(),
    ) as {
      sha256: string;
    };
    expect(answer.sha256).toBe(expected.digest('hex'));
  }, 180_000);

  it('a Byzantine node: forged and replayed announcements, forged proofs and oversized frames are refused', async () => {
    const [alpha, bravo, charlie] = members as [MeshProcess, MeshProcess, MeshProcess];
    const bravoId = await nodeIdOf(bravo);
    const liar = await localNode();
    const liarId = liar.identity.nodeId;
    const pubsub = await until('the liar to join gossip', async () => {
      const ps = liar.mesh?.libp2p?.services.pubsub;
      return ps && ps.getSubscribers(ANNOUNCE_TOPIC).length >= 2 ? ps : undefined;
    });
    // The liar records bravo's genuine announcement as it passes.
    let captured: Uint8Array | undefined;
    pubsub.addEventListener('message', (evt) => {
      const text = Buffer.from(evt.detail.data).toString();
      if (text.includes(bravoId) && text.includes('"assets":[{')) captured = evt.detail.data;
    });
    // A change makes bravo announce at once.
    await bravo.call('updateSettings', { rewards: { minimumRatePerHour: '0.75' } });
    const genuine = await until('bravo\u2019s announcement to pass the liar', async () => captured);
    const parsed = JSON.parse(Buffer.from(genuine).toString()) as {
      body: { assets: { capacity: { allowed: number } }[]; nodeId: string; seq: number };
      chainRef?: string;
    };
    // Nodes pass announcements on in compact form: the chain's digest in place of the chain.
    expect(parsed.chainRef).toMatch(/^[0-9a-f]{64}$/);

    let round = 0;
    const forgeries = () => {
      round++;
      // 1. bravo's announcement with its capacity inflated: the signature no longer holds.
      const inflated = structuredClone(parsed);
      inflated.body.assets[0]!.capacity.allowed += 1_000 + round;
      inflated.body.seq += round;
      // 2. bravo's NodeId under the liar's own certificate and a signature by the liar.
      const { chainRef: _bravosChain, ...unchained } = structuredClone(parsed);
      const impostor = { ...unchained, chain: liar.trust!.chain()!.map((c) => Buffer.from(c).toString('base64')) };
      impostor.body.seq += 10_000 + round;
      // 3. junk.
      return [inflated, impostor, `not an announcement ${round}`].map((x) =>
        new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x)),
      );
    };
    const penalized = await until('charlie to penalize the liar', async () => {
      for (const bytes of forgeries()) await pubsub.publish(ANNOUNCE_TOPIC, bytes).catch(() => undefined);
      const peer = (await status(charlie)).peers.find((p) => p.nodeId === liarId);
      return peer && peer.rejected >= 2 ? peer : undefined;
    });
    expect(penalized.trustScore).toBeLessThan(0.5);
    expect(penalized.lastRejection).toMatch(/announcement|signature|certificate/);
    // What charlie holds of bravo is bravo's own word, not the inflated one.
    const bravoAssets = (await charlie.call<RemoteAssetView[]>('searchAssets', {})).filter((h) => h.owner === bravoId);
    expect(bravoAssets.map((a) => a.capacity.allowed).sort()).toEqual(
      parsed.body.assets.map((a) => a.capacity.allowed).sort(),
    );

    // Bravo withdraws; the liar replays its earlier (still unexpired, validly signed) announcement, re-serialized
    // so gossip does not drop it as a duplicate. Honest nodes keep the newer one.
    await bravo.call('updateSettings', { privacyLevel: 'Private' });
    await until('charlie to see bravo\u2019s withdrawal', async () =>
      (await charlie.call<RemoteAssetView[]>('searchAssets', {})).every((h) => h.owner !== bravoId),
    );
    await pubsub
      .publish(ANNOUNCE_TOPIC, new TextEncoder().encode(JSON.stringify(parsed, null, 1)))
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await charlie.call<RemoteAssetView[]>('searchAssets', {})).filter((h) => h.owner === bravoId)).toEqual([]);

    // Forged proofs: an allocation request whose consensus proof was tampered with, and one made for another owner.
    await alpha.call('updateSettings', {
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      allocation: { cpu: 50 },
    });
    const alphaId = await nodeIdOf(alpha);
    // Asked of alpha itself: by now honest nodes have cut the liar off the gossip.
    const alphaCpu = await until('alpha to register its CPU', async () => {
      const cpu = (await alpha.call<AssetView[]>('getAssets')).find((a) => a.kind === 'cpu');
      return cpu?.registration.state === 'registered' && cpu.assetId ? { assetId: cpu.assetId } : undefined;
    });
    const link = await liar.transport!.dial({ host: '::1', port: alpha.stoqPort }, alphaId);
    const request = { assetId: alphaCpu.assetId, amount: 1, durationMs: 60_000 };
    const body = JSON.parse(Buffer.from(await liar.assets!.allocationRequest(alphaId, request)).toString()) as {
      proof: string;
    };
    const proofBytes = Buffer.from(body.proof, 'base64');
    proofBytes[proofBytes.length - 100]! ^= 0xff;
    const tampered = Buffer.from(JSON.stringify({ ...body, proof: proofBytes.toString('base64') }));
    await expect(link.request('assets.allocate', tampered)).rejects.toThrow();
    const forOther = await liar.assets!.allocationRequest(bravoId, request);
    await expect(link.request('assets.allocate', forOther)).rejects.toThrow(/proof|subject|counterparty/i);
    expect((await alpha.call<AssetView[]>('getAssets')).find((a) => a.kind === 'cpu')).toMatchObject({ leases: 0 });

    // Oversized frames: a 2 MiB request frame header is refused before its bytes are held; alpha keeps serving.
    const stream = link.connection.openStream();
    const head = encodeFrame(FrameType.Request, encodeCall('assets.list', Buffer.alloc(0)));
    head.writeUInt32BE(2 * 1024 * 1024, 2);
    await stream.write(head).catch(() => undefined);
    await expect(stream.read()).rejects.toThrow();
    expect(Buffer.from(await link.request('stoq.ping', Buffer.from('still here'))).toString()).toBe('still here');

    // Honest nodes are unaffected: charlie finds and allocates alpha's CPU, and still trusts alpha.
    const found = await until('charlie to find alpha\u2019s CPU', async () =>
      (await charlie.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' })).find((h) => h.owner === alphaId),
    );
    const lease = await charlie.call<RemoteAllocationView>('allocateRemote', {
      assetId: found.assetId,
      amount: 1,
      durationMs: 60_000,
    });
    expect(lease.ownerProofVerified).toBe(true);
    const alphaSeen = (await status(charlie)).peers.find((p) => p.nodeId === alphaId);
    expect(alphaSeen?.trustScore).toBeGreaterThanOrEqual(0.5);
    expect(alphaSeen?.rejected).toBe(0);
  }, 180_000);
});
