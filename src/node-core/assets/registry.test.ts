import { afterEach, describe, expect, it } from 'vitest';
import { formatHostPort } from '../../shared/network';
import { decodeConsensusProof } from '../consensus';
import { LogBook } from '../logging/log-book';
import { createNode, type HyperMeshNode, type NodeConfig } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { useTempDirs } from '../testing/temp-dir';
import { parseAssetId } from './asset-id';

const tempDir = useTempDirs();
const running: HyperMeshNode[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function start(config: Omit<NodeConfig, 'listen' | 'dataDir'>): Promise<HyperMeshNode> {
  const node = createNode(
    { dataDir: tempDir(), listen: { host: '::1', port: 0 }, ...config },
    { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }) },
  );
  running.push(node);
  await node.start();
  return node;
}

describe('asset registry in the node', () => {
  it('registers shared resources with verified four-part proofs, and announces them only as privacy allows', async () => {
    const ca = await start({ authority: { name: 'Asset CA' } });
    const node = await start({});
    await node.api.updateSettings({ trust: { caAddress: formatHostPort(ca.transport!.address) } });
    await node.trust!.refresh();
    await node.assets!.ready;

    // Nothing shared by default: nothing registered, nothing announced.
    let views = await node.api.getAssets();
    expect(views.map((v) => v.kind)).toEqual(['cpu', 'gpu', 'memory', 'storage', 'bandwidth']);
    expect(views.every((v) => v.registration.state === 'not-shared' && v.assetId === null)).toBe(true);
    expect(views.find((v) => v.kind === 'gpu')).toMatchObject({ present: false });

    await node.api.updateSettings({
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      allocation: { cpu: 25, memory: 1 },
    });
    await node.assets!.settled();
    views = await node.api.getAssets();
    const cpu = views.find((v) => v.kind === 'cpu')!;
    expect(cpu).toMatchObject({ total: 8, allowed: 2, registration: { state: 'registered' } });
    expect(cpu.registration.proofs).toEqual({ space: true, stake: true, work: true, time: true });
    expect(parseAssetId(cpu.assetId!)).toMatchObject({ kind: 'cpu', owner: node.identity.nodeId });
    const memory = views.find((v) => v.kind === 'memory')!;
    expect(memory.allowed).toBe(Math.floor((32 * 2 ** 30) / 100));
    expect(memory.registration.state).toBe('registered');
    // The cap is enforced by the adapter: more than the allowed share is refused.
    const adapter = node.assets!.adapter('memory')!;
    expect(() => adapter.allocate({ amount: memory.allowed + 1, durationMs: 60_000, consumer: 'x' })).toThrow(
      /asked for \d+ bytes but/,
    );

    // A peer asks what this node announces: at FullPublic, both registered assets, with proofs.
    const peer = await start({});
    await peer.api.updateSettings({ trust: { caAddress: formatHostPort(ca.transport!.address) } });
    await peer.trust!.refresh();
    const link = await peer.transport!.dial(node.transport!.address, node.identity.nodeId);
    const list = () =>
      link
        .request('assets.list', new Uint8Array())
        .then(
          (b) =>
            JSON.parse(Buffer.from(b).toString()) as { assets: { announcement: { kind: string }; proof: string }[] },
        );
    const announced = await list();
    expect(announced.assets.map((a) => a.announcement.kind).sort()).toEqual(['cpu', 'memory']);
    expect(decodeConsensusProof(Buffer.from(announced.assets[0]!.proof, 'base64')).subject.operation).toBe(
      'registration',
    );

    // Private: never announced, to anyone.
    await node.api.updateSettings({ privacyLevel: 'Private' });
    expect((await list()).assets).toEqual([]);
    expect((await node.api.getAssets()).every((v) => v.visibility.startsWith('nobody'))).toBe(true);
  }, 180_000);

  it('allocates over STOQ: both sides prove the allocation, caps hold, a replayed proof is refused, a lease is given back', async () => {
    const ca = await start({ authority: { name: 'Asset CA' } });
    const certified = async () => {
      const n = await start({});
      await n.api.updateSettings({ trust: { caAddress: formatHostPort(ca.transport!.address) } });
      await n.trust!.refresh();
      await n.assets!.ready;
      return n;
    };
    const owner = await certified();
    const consumer = await certified();
    await owner.api.updateSettings({ privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 25 } });
    await owner.assets!.settled();
    const cpu = (await owner.api.getAssets()).find((v) => v.kind === 'cpu')!;
    const assetId = cpu.assetId!;
    const link = await consumer.transport!.dial(owner.transport!.address, owner.identity.nodeId);

    const granted = await consumer.assets!.requestAllocation(link, { assetId, amount: 1, durationMs: 60_000 });
    expect(granted.lease).toMatchObject({ kind: 'cpu', amount: 1, consumer: consumer.identity.nodeId });
    expect(granted.ownerProof.nodeId).toBe(owner.identity.nodeId);
    expect((await owner.api.getAssets()).find((v) => v.kind === 'cpu')).toMatchObject({ inUse: 1, leases: 1 });

    // The same proof cannot buy a second lease.
    const body = await consumer.assets!.allocationRequest(owner.identity.nodeId, {
      assetId,
      amount: 1,
      durationMs: 60_000,
    });
    await link.request('assets.allocate', body);
    await expect(link.request('assets.allocate', body)).rejects.toThrow(/already used/);
    // More than the cap (2 of 8 cores; both held now) is refused by the owner's adapter.
    await expect(consumer.assets!.requestAllocation(link, { assetId, amount: 1, durationMs: 60_000 })).rejects.toThrow(
      /asked for 1 slots?|over|no more|available/,
    );
    // A lease given back frees its slot at once; only its holder can give it back, and only once.
    const release = (from: typeof link, leaseId: unknown) =>
      from.request('assets.release', Buffer.from(JSON.stringify({ leaseId })));
    const released = (reply: Uint8Array) =>
      (JSON.parse(Buffer.from(reply).toString()) as { released: boolean }).released;
    const stranger = await ca.transport!.dial(owner.transport!.address, owner.identity.nodeId);
    expect(released(await release(stranger, granted.lease.id))).toBe(false);
    expect((await owner.api.getAssets()).find((v) => v.kind === 'cpu')).toMatchObject({ inUse: 2, leases: 2 });
    await expect(release(link, 42)).rejects.toThrow(/leaseId must be a string/);
    await expect(link.request('assets.release', Buffer.from('{'))).rejects.toThrow(/not valid JSON/);
    expect(await consumer.assets!.requestRelease(link, granted.lease.id)).toBe(true);
    expect((await owner.api.getAssets()).find((v) => v.kind === 'cpu')).toMatchObject({ inUse: 1, leases: 1 });
    expect(await consumer.assets!.requestRelease(link, granted.lease.id)).toBe(false);
    const again = await consumer.assets!.requestAllocation(link, { assetId, amount: 1, durationMs: 60_000 });
    expect(again.lease.id).not.toBe(granted.lease.id);
    // The owner's registration proof replayed as an allocation proof: refused with the reason.
    const listed = JSON.parse(Buffer.from(await link.request('assets.list', new Uint8Array())).toString()) as {
      assets: { proof: string }[];
    };
    const replay = Buffer.from(
      JSON.stringify({ assetId, amount: 1, durationMs: 1000, proof: listed.assets[0]!.proof }),
    );
    await expect(link.request('assets.allocate', replay)).rejects.toThrow(/replay/);
    // Once the owner goes Private, its assets are offered to nobody.
    await owner.api.updateSettings({ privacyLevel: 'Private' });
    await expect(consumer.assets!.requestAllocation(link, { assetId, amount: 1, durationMs: 1000 })).rejects.toThrow(
      /not offered/,
    );
  }, 180_000);

  it('explains that registration waits for a TrustChain certificate', async () => {
    const node = await start({});
    await node.assets!.ready;
    await node.api.updateSettings({ trust: { caAddress: '' }, privacyLevel: 'FullPublic', allocation: { cpu: 50 } });
    await node.assets!.settled();
    const cpu = (await node.api.getAssets()).find((v) => v.kind === 'cpu')!;
    expect(cpu.registration.state).toBe('failed');
    expect(cpu.registration.problem).toMatch(/waiting for a TrustChain certificate/);
    expect(cpu.assetId).toBeNull();
  });
});
