import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeIdentity } from '../identity/identity';
import { useTempDirs } from '../testing/temp-dir';
import { derOctetString, NODE_BINDING_OID } from '../transport/stoq/node-certificate';
import {
  CA_PQ_KEYS_OID,
  caPqPublicKeys,
  caPqSigner,
  createCertificateAuthority,
  createCsr,
  CT_PROOF_OID,
  finishCertificate,
  loadCa,
  parseNodeCertificate,
  parseRoot,
  PQ_COSIGNATURE_OID,
  pqCosign,
  pqSigningInput,
  prepareNodeCertificate,
  readCosignatures,
  serializeCa,
  verifyClassicalChain,
  verifyCosignatures,
  verifyCsr,
  verifyIntermediateCosignature,
  type CaMaterial,
  type PqCosignature,
} from './certificates';
import { TrustError } from './errors';

const tempDir = useTempDirs();

function freshIdentity(): NodeIdentity {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new NodeIdentity({
    version: 1,
    createdAt: new Date().toISOString(),
    mldsa65Seed: randomBytes(32).toString('base64'),
    p256PrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
}

/** The whole pipeline: CSR → prepare → PQ co-signatures by `cosigners` → finish. */
async function issue(
  ca: CaMaterial,
  identity: NodeIdentity,
  options: { cosigners?: CaMaterial[]; ctProof?: Uint8Array; now?: Date; validityMs?: number } = {},
): Promise<{ der: Uint8Array; signingInput: Uint8Array }> {
  const { precert, signingInput } = await prepareNodeCertificate({
    csr: await createCsr(identity),
    issuer: ca.intermediate,
    ...(options.now ? { now: options.now } : {}),
    ...(options.validityMs ? { validityMs: options.validityMs } : {}),
  });
  const cosignatures = (options.cosigners ?? [ca]).flatMap((c) => pqCosign(signingInput, caPqSigner(c)));
  const der = await finishCertificate(precert, {
    cosignatures,
    ...(options.ctProof ? { ctProof: options.ctProof } : {}),
  });
  return { der, signingInput };
}

function pem(der: Uint8Array): string {
  return new NodeX509(der).toString();
}

function trusted(...cas: CaMaterial[]): Map<string, ReturnType<typeof caPqPublicKeys>> {
  return new Map(cas.map((ca) => [ca.caId, caPqPublicKeys(ca)]));
}

function trustError(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(TrustError);
  expect(fn).toThrow(message);
}

let caA: CaMaterial;
let caB: CaMaterial;
let caC: CaMaterial;
let alice: NodeIdentity;
let bob: NodeIdentity;
let aliceCert: { der: Uint8Array; signingInput: Uint8Array };

beforeAll(async () => {
  // Falcon-1024 key generation is ~0.6 s in pure JS: three CAs for the whole file.
  [caA, caB, caC] = await Promise.all([
    createCertificateAuthority({ name: 'Alpha "CA", Inc.' }),
    createCertificateAuthority({ name: 'Beta CA' }),
    createCertificateAuthority({ name: 'Gamma CA' }),
  ]);
  alice = freshIdentity();
  bob = freshIdentity();
  aliceCert = await issue(caA, alice, { ctProof: new Uint8Array([1, 2, 3, 4]) });
});

describe('TrustChain certificates', () => {
  it('issues a node certificate that openssl accepts for TLS client and server use', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'root.pem'), pem(caA.root.certificate));
    writeFileSync(join(dir, 'intermediate.pem'), pem(caA.intermediate.certificate));
    writeFileSync(join(dir, 'node.pem'), pem(aliceCert.der));
    for (const purpose of [[], ['-purpose', 'sslclient'], ['-purpose', 'sslserver']]) {
      const out = execFileSync(
        'openssl',
        ['verify', ...purpose, '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', 'node.pem'],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(out.trim()).toBe('node.pem: OK');
    }
  });

  it('puts the expected names and extensions in root, intermediate and node certificates', () => {
    const root = new x509.X509Certificate(caA.root.certificate);
    expect(root.subjectName.getField('CN')).toEqual([`HyperMesh TrustChain root ${caA.caId.slice(0, 8)}`]);
    expect(root.subjectName.getField('O')).toEqual(['Alpha "CA", Inc.']);
    const rootBc = root.getExtension(x509.BasicConstraintsExtension);
    expect([rootBc?.ca, rootBc?.pathLength, rootBc?.critical]).toEqual([true, 1, true]);
    expect(root.getExtension(CA_PQ_KEYS_OID)?.critical).toBe(false);

    const inter = new x509.X509Certificate(caA.intermediate.certificate);
    const interBc = inter.getExtension(x509.BasicConstraintsExtension);
    expect([interBc?.ca, interBc?.pathLength]).toEqual([true, 0]);
    expect(inter.getExtension(x509.KeyUsagesExtension)?.critical).toBe(true);
    expect(inter.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
      root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    expect(inter.getExtension(PQ_COSIGNATURE_OID)?.critical).toBe(false);

    const leaf = new x509.X509Certificate(aliceCert.der);
    expect(leaf.subject).toBe(`CN=${alice.nodeId}, O=HyperMesh node`);
    expect(leaf.issuer).toBe(inter.subject);
    expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: 'url', value: `hypermesh://node/${alice.nodeId}` },
    ]);
    expect(leaf.getExtension(NODE_BINDING_OID)).not.toBeNull();
    expect(leaf.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBeGreaterThan(24 * 3600_000);
    // @peculiar/x509 keeps the given order; finish appends the co-signature and CT-proof extensions last.
    expect(leaf.extensions.map((e) => e.type).slice(-3)).toEqual([NODE_BINDING_OID, PQ_COSIGNATURE_OID, CT_PROOF_OID]);
  });

  it('verifies the chain, the intermediate co-signature and the node co-signatures', () => {
    const now = new Date();
    const chain = verifyClassicalChain(
      aliceCert.der,
      [caB.intermediate.certificate, caA.intermediate.certificate],
      [caB.root.certificate, caA.root.certificate],
      now,
    );
    expect(chain.root).toBe(caA.root.certificate);
    expect(chain.intermediate).toBe(caA.intermediate.certificate);
    const root = parseRoot(chain.root);
    expect(root).toMatchObject({ caId: caA.caId, name: caA.name });
    expect(root.mldsaPublicKey).toEqual(caA.mldsa.publicKey);
    expect(root.falconPublicKey).toEqual(caA.falcon.publicKey);
    verifyIntermediateCosignature(chain.intermediate, root);
    trustError(() => verifyIntermediateCosignature(chain.intermediate, parseRoot(caB.root.certificate)), /co-signed/);

    const parsed = parseNodeCertificate(aliceCert.der);
    expect(parsed.nodeId).toBe(alice.nodeId);
    expect(parsed.mldsaPublicKey).toEqual(alice.mldsaPublicKey);
    expect(parsed.ctProof).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(parsed.signingInput).toEqual(aliceCert.signingInput);
    expect(pqSigningInput(aliceCert.der)).toEqual(aliceCert.signingInput);
    expect(parsed.cosignatures.map((c) => c.algorithm)).toEqual([1, 2]);
    expect(parsed.issuerDn).toContain(caA.name.replace(/[",]/g, '\\$&'));
    expect(parsed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyCosignatures(parsed.signingInput, parsed.cosignatures, trusted(caA, caB))).toEqual(
      new Set([caA.caId]),
    );
  });

  it('refuses a certificate issued by another CA against our root', async () => {
    const forged = await issue(caB, alice);
    const now = new Date();
    trustError(
      () => verifyClassicalChain(forged.der, [caB.intermediate.certificate], [caA.root.certificate], now),
      /no pinned root given issued the intermediate/,
    );
    trustError(
      () => verifyClassicalChain(forged.der, [caA.intermediate.certificate], [caA.root.certificate], now),
      /no intermediate given issued the node certificate/,
    );
    // Its co-signatures are by B, whom A's trust map does not list.
    const { signingInput, cosignatures } = readCosignatures(forged.der);
    expect(verifyCosignatures(signingInput, cosignatures, trusted(caA)).size).toBe(0);
  });

  it('refuses co-signatures moved onto another TBS, and a TBS changed after signing', async () => {
    // Re-issued for Bob but carrying Alice's co-signatures: the chain is fine, the PQ signatures are not.
    const { precert } = await prepareNodeCertificate({ csr: await createCsr(bob), issuer: caA.intermediate });
    const moved = await finishCertificate(precert, { cosignatures: parseNodeCertificate(aliceCert.der).cosignatures });
    verifyClassicalChain(moved, [caA.intermediate.certificate], [caA.root.certificate], new Date());
    const parsed = parseNodeCertificate(moved);
    expect(parsed.nodeId).toBe(bob.nodeId);
    expect(verifyCosignatures(parsed.signingInput, parsed.cosignatures, trusted(caA)).size).toBe(0);

    // One bit of the serial number flipped (SEQ, SEQ, [0] version, INTEGER header: byte 20 is inside the serial).
    const tampered = new Uint8Array(aliceCert.der);
    expect([tampered[13], tampered[14]]).toEqual([0x02, 0x10]);
    tampered[20] = tampered[20]! ^ 0x01;
    trustError(
      () => verifyClassicalChain(tampered, [caA.intermediate.certificate], [caA.root.certificate], new Date()),
      /signature of the node certificate does not verify/,
    );
    const t = readCosignatures(tampered);
    expect(verifyCosignatures(t.signingInput, t.cosignatures, trusted(caA)).size).toBe(0);
  });

  it('refuses expired and not-yet-valid certificates', async () => {
    const now = new Date();
    const short = await issue(caA, alice, { now, validityMs: 3600_000 });
    const chain = [[caA.intermediate.certificate], [caA.root.certificate]] as const;
    expect(() => verifyClassicalChain(short.der, ...chain, new Date(now.getTime() + 1800_000))).not.toThrow();
    trustError(
      () => verifyClassicalChain(short.der, ...chain, new Date(now.getTime() + 3600_000 + 1000)),
      /node certificate expired at/,
    );
    trustError(
      () => verifyClassicalChain(short.der, ...chain, new Date(now.getTime() - 120_000)),
      /node certificate is not valid before/,
    );
    trustError(
      () => verifyClassicalChain(short.der, ...chain, new Date(now.getTime() + 400 * 86_400_000)),
      /expired at/,
    );
  });

  it('accepts a genuine CSR and refuses a binding from another identity or a wrong CN', async () => {
    const good = verifyCsr(await createCsr(alice));
    expect(good.nodeId).toBe(alice.nodeId);
    expect(good.mldsaPublicKey).toEqual(alice.mldsaPublicKey);

    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        alice.tlsPrivateKey().export({ type: 'pkcs8', format: 'der' }),
        alg,
        false,
        ['sign'],
      ),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        alice.tlsPublicKey.export({ type: 'spki', format: 'der' }),
        alg,
        true,
        ['verify'],
      ),
    };
    /** A CSR signed with Alice's TLS keys, naming `subject`, carrying the node binding from `bindingOf`'s CSR. */
    const forgedCsr = async (subject: NodeIdentity, bindingOf: NodeIdentity): Promise<Uint8Array> => {
      const binding = new x509.Pkcs10CertificateRequest(await createCsr(bindingOf)).getExtension(NODE_BINDING_OID);
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: `CN=${subject.nodeId}`,
        keys,
        signingAlgorithm: alg,
        extensions: binding ? [binding] : [],
      });
      return new Uint8Array(csr.rawData);
    };
    const stolen = await forgedCsr(alice, bob);
    trustError(() => verifyCsr(stolen), /binding of the CSR is not signed for its TLS key/);
    await expect(prepareNodeCertificate({ csr: stolen, issuer: caA.intermediate })).rejects.toThrow(TrustError);

    const wrongName = await forgedCsr(bob, alice);
    trustError(() => verifyCsr(wrongName), /subject names .* but its keys give NodeId/);

    const unsigned = await createCsr(alice);
    unsigned[unsigned.length - 5] = unsigned[unsigned.length - 5]! ^ 0x01; // inside the ECDSA signature
    trustError(() => verifyCsr(unsigned), /CSR signature does not verify|not valid PKCS#10/);
    trustError(() => verifyCsr(new Uint8Array([0x30, 0x00])), /not valid PKCS#10/);
  });

  it('round-trips a CA through JSON and keeps issuing verifiable certificates', async () => {
    const json = JSON.parse(JSON.stringify(serializeCa(caA))) as unknown;
    const loaded = loadCa(json);
    expect(loaded.caId).toBe(caA.caId);
    expect(loaded.root.certificate).toEqual(caA.root.certificate);
    const cert = await issue(loaded, bob);
    // Checked against the original CA's pinned root and PQ keys.
    verifyClassicalChain(cert.der, [caA.intermediate.certificate], [caA.root.certificate], new Date());
    expect(verifyCosignatures(cert.signingInput, readCosignatures(cert.der).cosignatures, trusted(caA))).toEqual(
      new Set([caA.caId]),
    );

    const serialized = serializeCa(caA);
    const other = serializeCa(caB);
    trustError(() => loadCa({ ...serialized, intermediatePrivateKey: other.intermediatePrivateKey }), /does not match/);
    trustError(() => loadCa({ ...serialized, falcon1024SecretKey: other.falcon1024SecretKey }), /do not match/);
    trustError(
      () => loadCa({ ...serialized, intermediateCertificate: other.intermediateCertificate }),
      /does not match/,
    );
    trustError(() => loadCa({ ...serialized, version: 2 }), /version/);
  });

  it('lets a federation of CAs co-sign one certificate and counts only trusted, valid pairs', async () => {
    const cert = await issue(caA, bob, { cosigners: [caA, caB, caC] });
    const parsed = parseNodeCertificate(cert.der);
    expect(parsed.cosignatures).toHaveLength(6);
    const all = trusted(caA, caB, caC);
    expect(verifyCosignatures(parsed.signingInput, parsed.cosignatures, all)).toEqual(
      new Set([caA.caId, caB.caId, caC.caId]),
    );
    const withoutB = trusted(caA, caC);
    expect(verifyCosignatures(parsed.signingInput, parsed.cosignatures, withoutB)).toEqual(
      new Set([caA.caId, caC.caId]),
    );
    // A CA whose Falcon signature is broken no longer counts: both algorithms must verify.
    const broken: PqCosignature[] = parsed.cosignatures.map((c) =>
      c.algorithm === 2 && Buffer.from(c.caIdRaw).equals(Buffer.from(caC.caIdRaw))
        ? { ...c, signature: c.signature.map((b, i) => (i === 40 ? b ^ 1 : b)) }
        : c,
    );
    expect(verifyCosignatures(parsed.signingInput, broken, all)).toEqual(new Set([caA.caId, caB.caId]));
    // Keys listed under the wrong caId do not verify anything.
    const swapped = new Map([[caA.caId, caPqPublicKeys(caB)]]);
    expect(verifyCosignatures(parsed.signingInput, parsed.cosignatures, swapped).size).toBe(0);
  });

  it('refuses a forged root whose CN or keys do not match its caId', async () => {
    trustError(() => parseRoot(caA.intermediate.certificate), /not a self-signed CA/);
    trustError(() => parseRoot(aliceCert.der), /not a self-signed CA/);
    // A root claiming CA A's name and PQ keys under another ECDSA key hashes to another caId.
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const pq = Buffer.alloc(5 + caA.mldsa.publicKey.length + caA.falcon.publicKey.length);
    pq[0] = 1;
    pq.writeUInt16BE(caA.mldsa.publicKey.length, 1);
    pq.set(caA.mldsa.publicKey, 3);
    pq.writeUInt16BE(caA.falcon.publicKey.length, 3 + caA.mldsa.publicKey.length);
    pq.set(caA.falcon.publicKey, 5 + caA.mldsa.publicKey.length);
    const impostor = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=HyperMesh TrustChain root ${caA.caId.slice(0, 8)}, O=Alpha`,
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        new x509.Extension(CA_PQ_KEYS_OID, false, derOctetString(pq)),
      ],
    });
    trustError(() => parseRoot(new Uint8Array(impostor.rawData)), /CN does not match its caId/);
  });
});

describe('serial numbers', () => {
  it('have one canonical text, whichever tool printed them', async () => {
    const { canonicalSerial } = await import('./certificates');
    expect(canonicalSerial('05B00C7B')).toBe('5b00c7b');
    expect(canonicalSerial('005b00c7b')).toBe('5b00c7b');
    expect(canonicalSerial('0')).toBe('0');
  });
});
