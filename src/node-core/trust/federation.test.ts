import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../../shared/network';
import type { HyperMeshNode, NodeConfig } from '../node';
import { useNodes } from '../testing/nodes';
import { useTempDirs } from '../testing/temp-dir';
import { until } from '../testing/until';
import type { CaService } from './ca-service';
import { SplitViewError } from './errors';
import type { FederationDocument } from './federation';

const tempDir = useTempDirs();
const start = useNodes();

const caNode = (name: string, extra: Partial<NodeConfig> = {}) =>
  start({ dataDir: tempDir(), authority: { name }, ...extra });

/** A second CA node with the same keys as `ca` but a log of its own (a forked CA, or one acting alone). */
async function sameKeysAs(ca: HyperMeshNode, name: string): Promise<HyperMeshNode> {
  const dir = tempDir();
  mkdirSync(join(dir, 'trust'), { recursive: true });
  copyFileSync(join(ca.dataDir, 'trust', 'ca.json'), join(dir, 'trust', 'ca.json'));
  return caNode(name, { dataDir: dir });
}

async function memberOf(ca: HyperMeshNode): Promise<HyperMeshNode> {
  const node = await start({ dataDir: tempDir() });
  // Off: these tests watch TrustChain's own connections and gossip, which the mesh's would blur.
  await node.api.updateSettings({
    trust: { caAddress: formatHostPort(ca.transport!.address) },
    mesh: { enabled: false },
  });
  await node.trust!.refresh();
  return node;
}

/** Every member signs the proposal (cross-certification), then each CA adopts it. */
async function federate(
  cas: CaService[],
  epoch: number,
  threshold: number,
  members = cas,
): Promise<FederationDocument> {
  const unsigned = {
    version: 1 as const,
    epoch,
    threshold,
    issuedAt: new Date().toISOString(),
    members: members.map((c) => c.memberEntry()),
  };
  const signatures = await Promise.all(members.map((c) => c.signFederationProposal(unsigned)));
  const doc = { ...unsigned, signatures };
  for (const c of cas) c.adoptFederation(doc);
  return doc;
}

async function certificateOf(node: HyperMeshNode): Promise<Uint8Array[]> {
  const chain = node.trust!.chain();
  if (!chain) throw new Error('no certificate');
  return [...chain];
}

describe('federation: k of n CAs', () => {
  it('needs co-signatures from k CAs, accepts any member, and drops a removed CA', async () => {
    const [ca1, ca2, ca3] = await Promise.all([caNode('CA one'), caNode('CA two'), caNode('CA three')]);
    const [a1, a2, a3] = [ca1.authority!, ca2.authority!, ca3.authority!];
    await federate([a1, a2, a3], 2, 2);
    // Each CA re-certifies its own node under the new threshold (co-signed by another member over STOQ).
    await Promise.all([ca1.trust!.refresh(), ca2.trust!.refresh(), ca3.trust!.refresh()]);
    expect((await ca1.api.getTrustStatus()).certificate?.cosigners.length).toBeGreaterThanOrEqual(2);

    const x = await memberOf(ca1);
    const z = await memberOf(ca3);
    const xs = await x.api.getTrustStatus();
    expect(xs.state).toBe('certified');
    expect(xs.federation).toMatchObject({ epoch: 2, threshold: 2 });
    expect(xs.certificate!.cosigners.length).toBeGreaterThanOrEqual(2);
    // A certificate from another member of the federation is accepted…
    const zChain = await certificateOf(z);
    expect(x.trust!.verifyChain(zChain).issuer.name).toBe('CA three');
    // …and a peer with it is a TrustChain peer over STOQ.
    const link = await x.transport!.dial(z.transport!.address, z.identity.nodeId);
    expect(link.peer.kind).toBe('trustchain');

    // One CA alone cannot mint a certificate: issued with only its own co-signature, it is refused.
    const solo = await sameKeysAs(ca1, 'CA one'); // same keys, federation of one
    const lone = await memberOf(solo);
    const loneChain = await certificateOf(lone);
    expect(() => x.trust!.verifyChain(loneChain)).toThrow(/co-signed by 1 federation CA\(s\); 2 are required/);

    // Epoch 3 removes CA three, signed by two of the three current members: its certificates stop counting.
    await federate([a1, a2], 3, 2, [a1, a2]);
    await x.trust!.refresh();
    expect((await x.api.getTrustStatus()).federation?.members.map((m) => m.name).sort()).toEqual(['CA one', 'CA two']);
    expect(() => x.trust!.verifyChain(zChain)).toThrow(/chains to no federation CA|pinned root/);
    // A node meeting the federation only now (epoch 3, without the history) still joins it.
    const late = await memberOf(ca1);
    expect((await late.api.getTrustStatus()).federation).toMatchObject({ epoch: 3, threshold: 2 });
    // CA three cannot undo that alone: an epoch signed by it only is not a valid successor.
    await expect(federate([a3], 4, 1, [a3])).rejects.toThrow(/signed by 1 of the current CAs; 2 are required/);
  }, 240_000);
});

describe('transparency: split views', () => {
  it('two clients shown different trees by the same CA find out when they compare heads', async () => {
    const ca = await caNode('Honest CA');
    // The same CA keys in a second node with its own, different log: a CA that forks its log.
    const fork = await sameKeysAs(ca, 'Honest CA');
    const a = await memberOf(ca);
    const b = await memberOf(fork);
    expect((await a.api.getTrustStatus()).certificate?.issuerCaId).toBe(
      (await b.api.getTrustStatus()).certificate?.issuerCaId,
    );

    // Each log has two entries (its CA node's certificate and one client's), with different roots.
    const link = await a.transport!.dial(b.transport!.address, b.identity.nodeId);
    await expect(a.trust!.compareWithPeer(link)).rejects.toBeInstanceOf(SplitViewError);
    const status = await a.api.getTrustStatus();
    expect(status.state).toBe('distrusted');
    expect((await a.api.getStatus()).health.map((h) => h.code)).toContain('TRUST_SPLIT_VIEW');
    // Certificates of the caught CA are no longer accepted.
    expect(() => a.trust!.verifyChain([...b.trust!.chain()!])).toThrow();
  }, 180_000);

  it('a head from a larger forked tree is caught through a failed consistency proof', async () => {
    const ca = await caNode('Honest CA');
    const fork = await sameKeysAs(ca, 'Honest CA');
    const a = await memberOf(ca);
    await memberOf(fork);
    const b = await memberOf(fork); // the fork's log now has three entries, the honest one two
    const link = await a.transport!.dial(b.transport!.address, b.identity.nodeId);
    await expect(a.trust!.compareWithPeer(link)).rejects.toBeInstanceOf(SplitViewError);
    expect((await a.api.getTrustStatus()).state).toBe('distrusted');
  }, 180_000);
});

describe('renewal', () => {
  it('renews the certificate before it expires, without a restart', async () => {
    const ca = await caNode('Short-lived CA', {
      dataDir: tempDir(),
      // Renewal is due at two thirds of the life: 8 s of margin left for a round on a busy machine.
      authority: { name: 'Short-lived CA', certificateValidityMs: 24_000 },
    });
    const a = await memberOf(ca);
    const first = (await a.api.getTrustStatus()).certificate!.chain[0]!.serial;
    const renewed = await until(
      'the member to renew its certificate',
      async () => {
        const serial = (await a.api.getTrustStatus()).certificate!.chain[0]!.serial;
        return serial !== first ? serial : undefined;
      },
      60_000,
    );
    expect(renewed).not.toBe(first);
    expect((await a.api.getTrustStatus()).state).toBe('certified');
  }, 180_000);
});
