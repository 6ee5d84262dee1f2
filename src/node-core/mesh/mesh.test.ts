import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../../shared/network';
import type { HyperMeshNode } from '../node';
import { openDatabase } from '../store/database';
import { certify, useNodes } from '../testing/nodes';
import { until } from '../testing/until';
import { chainDigest, decodeChainAnswer, encodeChainRequest, encodeSyncRequest } from './announcement';
import { ANNOUNCE_TOPIC } from './libp2p-node';
import { MESH_CHAIN_METHOD, MESH_SYNC_METHOD } from './mesh';

const start = useNodes({ timing: { mesh: { intervalMs: 500 } } });

describe('mesh over STOQ', () => {
  it('discovers every node from one bootstrap, spreads signed announcements, and allocates across the mesh', async () => {
    const ca = await start({ authority: { name: 'Mesh CA' } });
    const caAddress = formatHostPort(ca.transport!.address);
    const members: HyperMeshNode[] = [];
    for (let i = 0; i < 3; i++) {
      const n = await start({});
      await certify(n, caAddress);
      members.push(n);
    }
    const [owner, consumer, third] = members as [HyperMeshNode, HyperMeshNode, HyperMeshNode];

    // Each node ends up knowing all the others (the CA included), though it was told only of the CA.
    for (const n of members) {
      await until(`node ${n.identity.nodeIdShort} to know all peers`, async () => {
        const status = await n.api.getMeshStatus();
        const known = new Set(status.peers.map((p) => p.nodeId));
        return [ca, ...members].every((m) => m === n || known.has(m.identity.nodeId));
      });
    }
    const status = await consumer.api.getMeshStatus();
    expect(status.state).toBe('running');
    expect(status.peerId).toMatch(/^12D3KooW/);
    expect(status.peers.find((p) => p.nodeId === owner.identity.nodeId)?.peerId).toBe(
      owner.mesh!.libp2p!.peerId.toString(),
    );

    // The owner shares CPU publicly: the consumer (and the third node) find it by search.
    await owner.assets!.ready;
    await owner.api.updateSettings({ privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 25 } });
    await owner.assets!.settled();
    const found = await until('the announcement to reach the consumer', async () => {
      const hits = await consumer.api.searchAssets({ kind: 'cpu' });
      return hits.find((h) => h.owner === owner.identity.nodeId);
    });
    expect(found).toMatchObject({ kind: 'cpu', capacity: { unit: 'slots', allowed: 2 }, privacyLevel: 'FullPublic' });
    await until('the third node to see it too', async () =>
      (await third.api.searchAssets({})).some((h) => h.owner === owner.identity.nodeId),
    );
    expect(await consumer.api.searchAssets({ kind: 'memory' })).toEqual([]);
    expect(await consumer.api.searchAssets({ minCapacity: 3 })).toEqual([]);

    await consumer.assets!.ready;
    const lease = await consumer.api.allocateRemote({ assetId: found.assetId, amount: 1, durationMs: 60_000 });
    expect(lease).toMatchObject({ owner: owner.identity.nodeId, amount: 1, unit: 'slots', ownerProofVerified: true });
    expect((await owner.api.getAssets()).find((v) => v.kind === 'cpu')).toMatchObject({ inUse: 1, leases: 1 });
    expect((await consumer.api.getRemoteAllocations()).map((l) => l.leaseId)).toEqual([lease.leaseId]);
    await expect(
      consumer.api.allocateRemote({ assetId: found.assetId, amount: 3, durationMs: 60_000 }),
    ).rejects.toThrow(/at most 2 slots/);

    // Going Private withdraws the asset: the next announcement lists nothing.
    await owner.api.updateSettings({ privacyLevel: 'Private' });
    await until('the withdrawal to reach the consumer', async () =>
      (await consumer.api.searchAssets({})).every((h) => h.owner !== owner.identity.nodeId),
    );
  });

  it('refuses forged announcements and lowers the trust score of the peer that sent them', async () => {
    const ca = await start({ authority: { name: 'Mesh CA' } });
    const caAddress = formatHostPort(ca.transport!.address);
    const honest = await start({});
    const liar = await start({});
    for (const n of [honest, liar]) await certify(n, caAddress);
    await until('the liar to be connected to the honest node', async () =>
      (await honest.api.getMeshStatus()).peers.some((p) => p.nodeId === liar.identity.nodeId && p.connected),
    );
    const honestPeer = honest.mesh!.libp2p!.peerId;
    const pubsub = liar.mesh!.libp2p!.services.pubsub;
    await until('the honest node to subscribe at the liar', () =>
      pubsub.getSubscribers(ANNOUNCE_TOPIC).some((p) => p.equals(honestPeer)) ? true : undefined,
    );
    let round = 0;
    const liarView = await until('the liar to be penalized', async () => {
      // New bytes each round (gossip refuses to publish a message twice), in case the first went unheard.
      round++;
      const junk = [
        new TextEncoder().encode(`not json at all ${round}`),
        new TextEncoder().encode(
          JSON.stringify({ body: { v: 1, nodeId: honest.identity.nodeId, round }, chain: [], signature: '' }),
        ),
        new Uint8Array(70_000).fill(0x7b - (round % 2)),
      ];
      for (const bytes of junk) await pubsub.publish(ANNOUNCE_TOPIC, bytes).catch(() => undefined);
      const peer = (await honest.api.getMeshStatus()).peers.find((p) => p.nodeId === liar.identity.nodeId);
      return peer && peer.rejected >= 2 ? peer : undefined;
    });
    expect(liarView.trustScore).toBeLessThan(0.5);
    expect(liarView.lastRejection).toMatch(/announcement/);
    expect(await honest.api.searchAssets({})).toEqual([]);
  }, 180_000);

  it('a node that joins late pulls the announcements made before it came (sync), and bad sync requests are refused', async () => {
    // Announcements travel in compact form (the chain's digest), so the late node also asks for the chains.
    // No periodic re-announcement: what the late node learns, it learns by sync on connect.
    const quiet = { timing: { mesh: { intervalMs: 500, announceIntervalMs: 3_600_000 } } };
    const ca = await start({ authority: { name: 'Mesh CA' }, ...quiet });
    const caAddress = formatHostPort(ca.transport!.address);
    const owner = await start(quiet);
    await certify(owner, caAddress);
    await owner.assets!.ready;
    await owner.api.updateSettings({ privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 25 } });
    await owner.assets!.settled();
    await until('the CA to hold the owner’s announcement', async () =>
      ca.mesh!.search({}).some((h) => h.owner === owner.identity.nodeId),
    );

    const late = await start(quiet);
    await certify(late, caAddress);
    const hit = await until('the late node to find the owner’s asset', async () =>
      (await late.api.searchAssets({ kind: 'cpu' })).find((h) => h.owner === owner.identity.nodeId),
    );
    expect(hit).toMatchObject({ kind: 'cpu', privacyLevel: 'FullPublic' });
    expect(owner.mesh!.status().lastAnnouncedAt).not.toBeNull();

    // The sync call checks what it is asked: a malformed request gets an error, not a crash or an answer.
    const link = await late.transport!.dial(owner.transport!.address, owner.identity.nodeId);
    await expect(link.request(MESH_SYNC_METHOD, new TextEncoder().encode('{"have":[1,2]}'))).rejects.toThrow(
      /sync request/,
    );
    await expect(link.request(MESH_SYNC_METHOD, new TextEncoder().encode('not json'))).rejects.toThrow(/not JSON/);
    // Asked with everything held, it answers with nothing (one flag byte).
    const everything = new Map([[owner.identity.nodeId, Number.MAX_SAFE_INTEGER]]);
    for (const h of late.mesh!.search({})) if (h.owner) everything.set(h.owner, Number.MAX_SAFE_INTEGER);
    everything.set(ca.identity.nodeId, Number.MAX_SAFE_INTEGER);
    expect((await link.request(MESH_SYNC_METHOD, encodeSyncRequest(everything))).length).toBe(1);

    // Chains are given by digest: the owner's own, none for a digest it does not know, an error for a bad request.
    const ownChain = owner.trust!.chain()!;
    const unknown = chainDigest([new Uint8Array([1])]);
    const chains = decodeChainAnswer(
      await link.request(MESH_CHAIN_METHOD, encodeChainRequest([chainDigest(ownChain), unknown])),
    );
    expect([...chains.values()]).toEqual([ownChain.map((c) => Uint8Array.from(c))]);
    await expect(link.request(MESH_CHAIN_METHOD, encodeChainRequest(['nope']))).rejects.toThrow(/invalid digest/);

    // Announcements survive a restart (stored with their chains); a stored row that no longer reads is dropped.
    const dir = late.dataDir;
    await late.stop();
    const db = openDatabase(join(dir, 'hypermesh.db'));
    const insert = db.prepare(
      'INSERT INTO mesh_announcements (node_id, seq, body, expires_at, received_at) VALUES (?, ?, ?, ?, ?)',
    );
    const soon = Date.now() + 60_000;
    insert.run('garbage-row', 1, '{not json', soon, Date.now());
    insert.run('bad-row', 1, JSON.stringify({ body: { v: 1 }, chain: ['AAAA'], signature: 'AAAA' }), soon, Date.now());
    db.close();
    const again = await start({ ...quiet, dataDir: dir });
    expect(again.mesh!.search({ kind: 'cpu' }).map((h) => h.owner)).toContain(owner.identity.nodeId);
    expect(await again.api.getLogs({ text: 'could not be read', minLevel: 'warn', limit: 10 })).toHaveLength(2);
  }, 180_000);
});
