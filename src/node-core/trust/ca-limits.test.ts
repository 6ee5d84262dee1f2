import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors';
import { loadOrCreateIdentity, type NodeIdentity } from '../identity/identity';
import { LogBook } from '../logging/log-book';
import { useTestDatabases } from '../testing/databases';
import { useTempDirs } from '../testing/temp-dir';
import { CaService, type CaLimits } from './ca-service';
import { createCertificateAuthority, createCsr, prepareNodeCertificate, type CaMaterial } from './certificates';
import { AlreadyCertifiedError, CaRefusedError } from './errors';
import { createInlinePqSigner } from '../crypto';
import { COSIGN_REQUEST_CONTEXT, type CosignRequest, type RevocationListJson } from './protocol';
import { TokenBuckets } from './rate-limit';

const tempDir = useTempDirs();
const openDb = useTestDatabases();

const HOUR = 3600_000;
const signer = createInlinePqSigner();

/** A clock the test moves by hand. */
function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function caService(
  name: string,
  options: {
    now: () => number;
    limits?: Partial<CaLimits>;
    material?: CaMaterial;
    isDistrusted?: (caId: string) => boolean;
    requestCosignatures?: ConstructorParameters<typeof CaService>[0]['requestCosignatures'];
  },
): Promise<CaService> {
  const db = openDb(join(tempDir(), 'ca.db'));
  const service = new CaService({
    db,
    ca: options.material ?? (await createCertificateAuthority({ name })),
    signer,
    log: new LogBook().logger('ca'),
    nodeId: 'x',
    address: null,
    now: options.now,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.isDistrusted ? { isDistrusted: options.isDistrusted } : {}),
    ...(options.requestCosignatures ? { requestCosignatures: options.requestCosignatures } : {}),
  });
  await service.init();
  return service;
}

async function issueTo(ca: CaService, id: NodeIdentity) {
  return ca.issue(await createCsr(id), id.nodeId);
}

async function refusal(promise: Promise<unknown>): Promise<CaRefusedError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaRefusedError);
  return err as CaRefusedError;
}

describe('re-issuing to a NodeId', () => {
  it('refuses a second certificate while the first is valid, hands the first back, and renews in the window', async () => {
    const t = clock();
    const ca = await caService('Reissue CA', { now: t.now });
    const id = loadOrCreateIdentity(tempDir());
    const first = await issueTo(ca, id);
    expect(ca.log.size).toBe(1);

    const err = await refusal(issueTo(ca, id));
    expect(err.code).toBe(ErrorCode.AlreadyCertified);
    expect(err).toBeInstanceOf(AlreadyCertifiedError);
    expect(Buffer.from((err as AlreadyCertifiedError).current.certificate)).toEqual(Buffer.from(first.certificate));
    // Renewal opens with 40 % of the 24 h (plus the minute of backdating) left: about 14.4 h from now.
    expect(err.retryAfterMs).toBeGreaterThan(14 * HOUR);
    expect(err.retryAfterMs).toBeLessThan(15 * HOUR);
    expect(err.toBody().details?.retryAfterMs).toBe(err.retryAfterMs);
    expect(ca.log.size).toBe(1); // nothing logged for the refusal

    // Once the window opens, the renewal is issued.
    t.advance(err.retryAfterMs!);
    const renewed = await issueTo(ca, id);
    expect(Buffer.from(renewed.certificate)).not.toEqual(Buffer.from(first.certificate));
    expect(ca.log.size).toBe(2);
    // And the renewed one stops the next.
    expect((await refusal(issueTo(ca, id))).code).toBe(ErrorCode.AlreadyCertified);
  });

  it('a revoked certificate gets no successor for the same keys, and another NodeId is unaffected', async () => {
    const t = clock();
    const ca = await caService('Revoking CA', { now: t.now });
    const id = loadOrCreateIdentity(tempDir());
    await issueTo(ca, id);
    ca.revoke(ca.issuedTo(id.nodeId)[0]!.serial, 'key compromise');
    await expect(issueTo(ca, id)).rejects.toThrow(/was revoked \(key compromise\)/);
    await issueTo(ca, loadOrCreateIdentity(tempDir()));
    expect(ca.log.size).toBe(2);
  });

  it('limits certificates per NodeId per day, with the time to wait as data', async () => {
    const t = clock();
    // A renewal window that is always open isolates the daily limit.
    const ca = await caService('Limited CA', {
      now: t.now,
      limits: { issue: { renewalFraction: 1, perWindow: 3, windowMs: 24 * HOUR } },
    });
    const id = loadOrCreateIdentity(tempDir());
    const other = loadOrCreateIdentity(tempDir());
    for (let i = 0; i < 3; i++) {
      await issueTo(ca, id);
      t.advance(HOUR);
    }
    const err = await refusal(issueTo(ca, id));
    expect(err.code).toBe(ErrorCode.CaRateLimited);
    // The first of the three leaves the window 24 h after it was issued (backdated a minute): about 21 h from now.
    expect(err.retryAfterMs).toBeGreaterThan(20 * HOUR);
    expect(err.retryAfterMs).toBeLessThanOrEqual(21 * HOUR);
    expect(ca.log.size).toBe(3);
    await issueTo(ca, other); // the limit is per NodeId
    t.advance(err.retryAfterMs!);
    await issueTo(ca, id);
    expect(ca.log.size).toBe(5);
  });

  it('two concurrent requests for one NodeId: one certificate', async () => {
    const ca = await caService('Concurrent CA', { now: Date.now });
    const id = loadOrCreateIdentity(tempDir());
    const csr = await createCsr(id);
    const results = await Promise.allSettled([ca.issue(csr, id.nodeId), ca.issue(csr, id.nodeId)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(CaRefusedError);
    expect(ca.log.size).toBe(1);
  });
});

describe('token buckets', () => {
  it('allows a burst, then one per refill, and says how long to wait', () => {
    const t = clock(1_000_000);
    const b = new TokenBuckets({ capacity: 3, refillMs: 1000 }, t.now);
    expect([b.take('a'), b.take('a'), b.take('a')].every((r) => r.ok)).toBe(true);
    expect(b.take('a')).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(b.take('b').ok).toBe(true); // per key
    t.advance(400);
    expect(b.take('a')).toEqual({ ok: false, retryAfterMs: 600 });
    t.advance(600);
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a').ok).toBe(false);
    // A clock that steps back gives nothing back.
    t.advance(-10_000);
    expect(b.take('a').ok).toBe(false);
    // A long pause refills to the capacity, not beyond.
    t.advance(1_000_000);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')].map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it('refuses nonsense limits', () => {
    expect(() => new TokenBuckets({ capacity: 0, refillMs: 1 }, Date.now)).toThrow(RangeError);
    expect(() => new TokenBuckets({ capacity: 1, refillMs: 0 }, Date.now)).toThrow(RangeError);
  });
});

/** Two CAs in a federation with threshold 2: `a` issues, `b` co-signs (called directly, as over STOQ). */
async function federation(t: ReturnType<typeof clock>, distrusted = new Set<string>()) {
  const cosigner: { b?: CaService } = {};
  const a = await caService('Requesting CA', {
    now: t.now,
    requestCosignatures: (_member, request) => cosigner.b!.cosign(request),
  });
  const b = (cosigner.b = await caService('Co-signing CA', {
    now: t.now,
    isDistrusted: (caId) => distrusted.has(caId),
  }));
  const unsigned = {
    version: 1 as const,
    epoch: 2,
    threshold: 2,
    issuedAt: new Date(t.now()).toISOString(),
    members: [a.memberEntry(), b.memberEntry()],
  };
  const signatures = await Promise.all([a, b].map((c) => c.signFederationProposal(unsigned)));
  for (const c of [a, b]) c.adoptFederation({ ...unsigned, signatures });
  return { a, b };
}

/** A co-signing request from `a` as it would send it, for a certificate of `id` starting at `at`. */
async function requestFrom(
  a: CaService,
  id: NodeIdentity,
  at: number,
  options: { validityMs?: number; revocations?: RevocationListJson } = {},
): Promise<CosignRequest> {
  const { signingInput } = await prepareNodeCertificate({
    csr: await createCsr(id),
    issuer: a.ca.intermediate,
    now: new Date(at),
    ...(options.validityMs ? { validityMs: options.validityMs } : {}),
  });
  const sig = await signer.sign(
    'ml-dsa-65',
    Buffer.concat([Buffer.from(COSIGN_REQUEST_CONTEXT), signingInput]),
    a.ca.mldsa.secretKey,
  );
  return {
    caId: a.caId,
    signingInput: Buffer.from(signingInput).toString('base64'),
    signature: Buffer.from(sig).toString('base64'),
    revocations: options.revocations ?? (await a.revocationList()),
  };
}

describe('the co-signer', () => {
  it('co-signs a certificate starting now, and refuses one starting in the future, long ago, or too long', async () => {
    const t = clock();
    const { a, b } = await federation(t);
    const id = loadOrCreateIdentity(tempDir());
    await issueTo(a, id); // the whole path: a gathers b's co-signatures
    expect(await b.cosign(await requestFrom(a, id, t.now()))).toHaveLength(2);
    await expect(b.cosign(await requestFrom(a, id, t.now() + HOUR))).rejects.toThrow(/starts in the future/);
    await expect(b.cosign(await requestFrom(a, id, t.now() - HOUR))).rejects.toThrow(/started too long ago/);
    await expect(b.cosign(await requestFrom(a, id, t.now(), { validityMs: 30 * HOUR }))).rejects.toThrow(
      /valid for more than a day/,
    );
  });

  it('refuses a subject the requesting CA revoked, even when shown an older list without the revocation', async () => {
    const t = clock();
    const { a, b } = await federation(t);
    const id = loadOrCreateIdentity(tempDir());
    await issueTo(a, id);
    const before = await a.revocationList();
    a.revoke(a.issuedTo(id.nodeId)[0]!.serial, 'key compromise');
    await expect(b.cosign(await requestFrom(a, id, t.now()))).rejects.toThrow(/revoked a certificate of/);
    // Replaying the list from before the revocation does not take it back.
    await expect(b.cosign(await requestFrom(a, id, t.now(), { revocations: before }))).rejects.toThrow(/older than 1/);
    // A list that is not a's is refused; other subjects are still co-signed.
    const forged = { ...(await a.revocationList()), nodeIds: [] };
    const other = loadOrCreateIdentity(tempDir());
    await expect(b.cosign(await requestFrom(a, other, t.now(), { revocations: forged }))).rejects.toThrow(
      /not signed by the requesting CA/,
    );
    expect(await b.cosign(await requestFrom(a, other, t.now()))).toHaveLength(2);
  });

  it('co-signs nothing for a CA it caught showing a split view', async () => {
    const t = clock();
    const distrusted = new Set<string>();
    const { a, b } = await federation(t, distrusted);
    const id = loadOrCreateIdentity(tempDir());
    expect(await b.cosign(await requestFrom(a, id, t.now()))).toHaveLength(2);
    distrusted.add(a.caId);
    await expect(b.cosign(await requestFrom(a, id, t.now()))).rejects.toThrow(/split view/);
    await expect(issueTo(a, id)).rejects.toThrow(/only 0 of the 1 other CAs needed co-signed/);
  });
});
