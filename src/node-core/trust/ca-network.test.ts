import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors';
import { formatHostPort } from '../../shared/network';
import { LogBook } from '../logging/log-book';
import { createNode, type HyperMeshNode, type NodeConfig } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { useTempDirs } from '../testing/temp-dir';
import { TrustMethod, decodeJson, encodeJson } from './protocol';

const tempDir = useTempDirs();
const running: HyperMeshNode[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function start(config: Omit<NodeConfig, 'listen'>): Promise<HyperMeshNode> {
  const node = createNode(
    { ...config, listen: { host: '::1', port: 0 } },
    { hardware: fixedHardware(), logBook: new LogBook({ echo: !!process.env.HM_DEBUG }) },
  );
  running.push(node);
  await node.start();
  return node;
}

async function stop(node: HyperMeshNode): Promise<void> {
  running.splice(running.indexOf(node), 1);
  await node.stop();
}

/** A node pointed at `caAddress` (mesh off: these tests watch TrustChain's own connections). */
async function memberAt(caAddress: string, dataDir = tempDir()): Promise<HyperMeshNode> {
  const node = await start({ dataDir });
  await node.api.updateSettings({ trust: { caAddress }, mesh: { enabled: false } });
  return node;
}

const addressOf = (node: HyperMeshNode) => formatHostPort(node.transport!.address);
const serialOf = async (node: HyperMeshNode) => (await node.api.getTrustStatus()).certificate?.chain[0]?.serial;

describe("the CA's node statement", () => {
  it('a node that relays the CA bundle is refused before its federation is pinned', async () => {
    const ca = await start({ dataDir: tempDir(), authority: { name: 'Real CA' } });
    // A certified node of that CA, serving the CA's genuine bundle as its own.
    const relay = await memberAt(addressOf(ca));
    await relay.trust!.refresh();
    expect((await relay.api.getTrustStatus()).state).toBe('certified');
    relay.transport!.router.rpc(TrustMethod.Bundle, () => encodeJson(ca.authority!.bundle()));

    const victim = await memberAt(addressOf(relay));
    await expect(victim.trust!.refresh()).rejects.toThrow(/names node .* but the bundle came from .*not the CA's node/);
    expect(victim.trust!.federation).toBeNull();
    expect((await victim.api.getTrustStatus()).state).toBe('self-signed');

    // The CA's own node passes the same check.
    await victim.api.updateSettings({ trust: { caAddress: addressOf(ca) } });
    await victim.trust!.refresh();
    expect((await victim.api.getTrustStatus()).state).toBe('certified');
  });
});

describe('re-issuing over STOQ', () => {
  it('a node (and the CA node) that lost its certificate files gets the same certificate back, not a new one', async () => {
    const caDir = tempDir();
    let ca = await start({ dataDir: caDir, authority: { name: 'Keeping CA' } });
    const memberDir = tempDir();
    let member = await memberAt(addressOf(ca), memberDir);
    await member.trust!.refresh();
    const serial = await serialOf(member);
    expect(serial).toBeDefined();
    const issued = ca.authority!.stats().issued;

    await stop(member);
    rmSync(join(memberDir, 'certs'), { recursive: true, force: true });
    member = await start({ dataDir: memberDir });
    await member.trust!.refresh();
    expect((await member.api.getTrustStatus()).state).toBe('certified');
    expect(await serialOf(member)).toBe(serial);
    expect(ca.authority!.stats().issued).toBe(issued);

    // The CA node itself, restarted without its files, certifies itself with the certificate it holds.
    const caSerial = await serialOf(ca);
    await stop(ca);
    rmSync(join(caDir, 'certs'), { recursive: true, force: true });
    ca = await start({ dataDir: caDir, authority: { name: 'Keeping CA' } });
    expect((await ca.api.getTrustStatus()).state).toBe('certified');
    expect(await serialOf(ca)).toBe(caSerial);
    expect(ca.authority!.stats().issued).toBe(issued);
  }, 180_000);
});

describe('per-peer rate limits at the CA', () => {
  it('trust.register, trust.cosign and trust.issue answer CA_RATE_LIMITED with the time to wait, per calling node', async () => {
    const slow = { capacity: 2, refillMs: 3600_000 };
    const ca = await start({
      dataDir: tempDir(),
      authority: { name: 'Strict CA', limits: { names: slow, cosign: slow, issueCalls: slow } },
    });
    const member = await memberAt(addressOf(ca));
    await member.trust!.refresh();
    // Calls the CA refuses anyway (a reserved name) still count: the limit comes before any other work.
    for (let i = 0; i < 2; i++) await expect(member.api.registerName('trust')).rejects.toThrow(/reserved/);
    const err = await member.api.registerName('trust').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CaRateLimited });
    const retryAfterMs = (err as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(3600_000);

    const garbage = encodeJson({ caId: 'x', signingInput: 'AA==', signature: 'AA==' });
    const askFrom = async (node: HyperMeshNode, method: string = TrustMethod.Cosign, body = garbage) => {
      const link = await node.transport!.dialUnverified(ca.transport!.address);
      return link.request(method, body).then(
        (reply) => decodeJson(reply, 'reply'),
        (e: unknown) => (e as Error).message,
      );
    };
    const other = await memberAt('');
    expect(await askFrom(other)).toMatch(/revocation list/);
    expect(await askFrom(other)).toMatch(/revocation list/);
    expect(await askFrom(other)).toMatchObject({ refused: { code: ErrorCode.CaRateLimited } });
    // Another node has a bucket of its own.
    expect(await askFrom(member)).toMatch(/revocation list/);

    const notCsr = Buffer.from('not a CSR');
    expect(await askFrom(other, TrustMethod.Issue, notCsr)).toMatch(/CSR|certification request|parse/i);
    expect(await askFrom(other, TrustMethod.Issue, notCsr)).toMatch(/CSR|certification request|parse/i);
    expect(await askFrom(other, TrustMethod.Issue, notCsr)).toMatchObject({
      refused: { code: ErrorCode.CaRateLimited },
    });
  });
});
