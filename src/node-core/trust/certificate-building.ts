// TrustChain certificates: building (CSRs, issuance, the CA and its key file).
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as signDigest,
  timingSafeEqual,
  X509Certificate as NodeX509,
  type KeyObject,
} from 'node:crypto';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asnX509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { base32 } from '../identity/index';
import type { NodeIdentity } from '../identity/index';
import { derOctetString, NODE_BINDING_OID, nodeSigningKeys } from '../transport/index';
import { TrustError } from './errors';
import {
  CA_ID_BYTES,
  CA_PQ_KEYS_OID,
  CLOCK_SKEW_MS,
  CT_PROOF_OID,
  type CaMaterial,
  type CaPqPublicKeys,
  type CaPqSigner,
  DEFAULT_NODE_VALIDITY_MS,
  INTERMEDIATE_VALIDITY_MS,
  type IntermediateIssuer,
  MAX_PQ_EXTENSION,
  NODE_ORGANIZATION,
  OID_CN,
  OID_ECDSA_SHA256,
  OID_O,
  PQ_COSIGNATURE_OID,
  PQ_COSIGN_CONTEXT,
  PqAlgorithm,
  type PqCosignature,
  type PreparedCertificate,
  ROOT_VALIDITY_MS,
  SIGNING_ALGORITHM,
  type SerializedCaV1,
  type VerifiedCsr,
} from './certificate-types';
import { computeCaId, nodeX509, parseAsn, parseRoot, pqSigningInput, subjectKeyId } from './certificate-parsing';
import { verifyCsr, verifyIntermediateCosignature } from './certificate-verification';

/** PKCS#10 request signed by the node's TLS key, carrying the NodeId binding (signed by its ML-DSA key). */
export async function createCsr(identity: NodeIdentity): Promise<Uint8Array> {
  // Same binding format as the self-signed node certificate, so both verifiers read one format.
  const { alg, privateKey, publicKey, binding } = await nodeSigningKeys(identity);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: distinguishedName([[OID_CN, identity.nodeId]]),
    keys: { privateKey, publicKey },
    signingAlgorithm: alg,
    extensions: [new x509.Extension(NODE_BINDING_OID, false, derOctetString(binding))],
  });
  return new Uint8Array(csr.rawData);
}

export async function prepareNodeCertificate(params: {
  csr: Uint8Array;
  issuer: IntermediateIssuer;
  validityMs?: number;
  now?: Date;
  /** verifyCsr(csr), if the caller has already checked it (saves a post-quantum verification). */
  verified?: VerifiedCsr;
}): Promise<{ precert: PreparedCertificate; signingInput: Uint8Array }> {
  const { issuer } = params;
  const now = (params.now ?? new Date()).getTime();
  const request = params.verified ?? verifyCsr(params.csr);
  const issuerCert = parseAsn(issuer.certificate, 'the intermediate');
  assertKeyMatches(issuer.privateKey, issuer.certificate, 'the intermediate');
  const issuerNotAfter = issuerCert.tbsCertificate.validity.notAfter.getTime();
  // Never outlive the issuer: a leaf past its intermediate's notAfter would fail every chain check anyway.
  const notAfter = Math.min(now + (params.validityMs ?? DEFAULT_NODE_VALIDITY_MS), issuerNotAfter.getTime());
  if (notAfter <= now) throw new TrustError(`the intermediate expired at ${issuerNotAfter.toISOString()}`);
  const tbs = await buildTbs({
    subject: distinguishedName([
      [OID_CN, request.nodeId],
      [OID_O, NODE_ORGANIZATION],
    ]),
    issuer: new x509.Name(issuerCert.tbsCertificate.subject),
    spki: request.spki,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.AuthorityKeyIdentifierExtension(subjectKeyId(issuerCert, 'the intermediate')),
      await x509.SubjectKeyIdentifierExtension.create(request.spki),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `hypermesh://node/${request.nodeId}` }]),
      new x509.Extension(NODE_BINDING_OID, false, request.bindingExtension),
    ],
  });
  return { precert: { tbs, issuerPrivateKey: issuer.privateKey }, signingInput: tbs };
}

/** Adds the co-signature and CT-proof extensions, signs with the issuer's key and returns the certificate DER. */
export async function finishCertificate(
  prepared: PreparedCertificate,
  extras: { cosignatures: readonly PqCosignature[]; ctProof?: Uint8Array },
): Promise<Uint8Array> {
  const tbs = AsnConvert.parse(prepared.tbs, asnX509.TBSCertificate);
  const extensions = tbs.extensions ?? new asnX509.Extensions();
  if (extensions.some((e) => e.extnID === PQ_COSIGNATURE_OID || e.extnID === CT_PROOF_OID)) {
    throw new TrustError('the prepared certificate already carries co-signatures or a CT proof');
  }
  if (extras.cosignatures.length > 0) {
    extensions.push(opaqueExtension(PQ_COSIGNATURE_OID, encodeCosignatures(extras.cosignatures)));
  }
  if (extras.ctProof) extensions.push(opaqueExtension(CT_PROOF_OID, extras.ctProof));
  if (extensions.length > 0) tbs.extensions = extensions;
  const der = signTbs(tbs, prepared.issuerPrivateKey);
  // The co-signatures cover the prepared bytes: any re-encoding drift would make them unverifiable.
  if (!bytesEqual(pqSigningInput(der), prepared.tbs)) {
    throw new TrustError('the finished certificate no longer re-encodes to the co-signed TBS');
  }
  return der;
}

/** One CA's co-signatures (ML-DSA-65 and Falcon-1024) over a signing input. Slow (tens of ms): worker material. */
export function pqCosign(signingInput: Uint8Array, signer: CaPqSigner): PqCosignature[] {
  if (signer.caIdRaw.length !== CA_ID_BYTES) throw new TrustError('a caId is 32 bytes');
  const message = Buffer.concat([PQ_COSIGN_CONTEXT, signingInput]);
  return [
    {
      caIdRaw: signer.caIdRaw,
      algorithm: PqAlgorithm.MlDsa65,
      signature: ml_dsa65.sign(message, signer.mldsaSecretKey),
    },
    {
      caIdRaw: signer.caIdRaw,
      algorithm: PqAlgorithm.Falcon1024,
      signature: falcon1024.sign(message, signer.falconSecretKey),
    },
  ];
}

export async function createCertificateAuthority(params: { name: string; now?: Date }): Promise<CaMaterial> {
  const name = checkCaName(params.name);
  const now = (params.now ?? new Date()).getTime();
  const mldsa = ml_dsa65.keygen();
  const falcon = falcon1024.keygen();
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootSpki = new Uint8Array(root.publicKey.export({ type: 'spki', format: 'der' }));
  const caIdRaw = computeCaId(mldsa.publicKey, falcon.publicKey, rootSpki);
  const caId = base32(caIdRaw);
  const rootName = distinguishedName([
    [OID_CN, `HyperMesh TrustChain root ${caId.slice(0, 8)}`],
    [OID_O, name],
  ]);
  const rootTbs = await buildTbs({
    subject: rootName,
    issuer: rootName,
    spki: rootSpki,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + ROOT_VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootSpki),
      new x509.Extension(CA_PQ_KEYS_OID, false, derOctetString(encodePqKeys(mldsa.publicKey, falcon.publicKey))),
    ],
  });
  const rootDer = signTbs(AsnConvert.parse(rootTbs, asnX509.TBSCertificate), root.privateKey);
  const base = {
    name,
    caId,
    caIdRaw,
    root: { certificate: rootDer, privateKey: root.privateKey },
    mldsa,
    falcon,
  };
  return { ...base, intermediate: await issueIntermediate(base, now) };
}

/** A fresh intermediate key and certificate under the same root (yearly rotation). */
export async function renewIntermediate(ca: CaMaterial, now: Date = new Date()): Promise<CaMaterial> {
  return { ...ca, intermediate: await issueIntermediate(ca, now.getTime()) };
}

export function caPqSigner(ca: CaMaterial): CaPqSigner {
  return { caIdRaw: ca.caIdRaw, mldsaSecretKey: ca.mldsa.secretKey, falconSecretKey: ca.falcon.secretKey };
}

export function caPqPublicKeys(ca: CaMaterial): CaPqPublicKeys {
  return { mldsaPublicKey: ca.mldsa.publicKey, falconPublicKey: ca.falcon.publicKey };
}

export function serializeCa(ca: CaMaterial): SerializedCaV1 {
  const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    version: 1,
    name: ca.name,
    caId: ca.caId,
    rootCertificate: new NodeX509(ca.root.certificate).toString(),
    rootPrivateKey: pkcs8(ca.root.privateKey),
    intermediateCertificate: new NodeX509(ca.intermediate.certificate).toString(),
    intermediatePrivateKey: pkcs8(ca.intermediate.privateKey),
    mldsa65SecretKey: Buffer.from(ca.mldsa.secretKey).toString('base64'),
    falcon1024SecretKey: Buffer.from(ca.falcon.secretKey).toString('base64'),
  };
}

/** Loads a serialized CA and checks that every key matches its certificate, so a mixed-up file fails here. */
export function loadCa(value: unknown): CaMaterial {
  const v = value as Partial<Record<keyof SerializedCaV1, unknown>> | null;
  if (typeof v !== 'object' || v === null || v.version !== 1) throw new TrustError('unknown CA file version');
  const text = (field: keyof SerializedCaV1): string => {
    const s = v[field];
    if (typeof s !== 'string' || s.length === 0) throw new TrustError(`the CA file has no ${field}`);
    return s;
  };
  const rootCertificate = pemCertificate(text('rootCertificate'), 'root');
  const intermediateCertificate = pemCertificate(text('intermediateCertificate'), 'intermediate');
  const rootKey = pemPrivateKey(text('rootPrivateKey'), 'root');
  const intermediateKey = pemPrivateKey(text('intermediatePrivateKey'), 'intermediate');
  const root = parseRoot(rootCertificate);
  if (root.caId !== text('caId') || root.name !== text('name')) {
    throw new TrustError('the CA file names a caId or name other than its root certificate');
  }
  assertKeyMatches(rootKey, rootCertificate, 'the root');
  assertKeyMatches(intermediateKey, intermediateCertificate, 'the intermediate');
  const inter = new NodeX509(intermediateCertificate);
  if (!inter.checkIssued(new NodeX509(rootCertificate)) || !inter.verify(createPublicKey(rootKey))) {
    throw new TrustError('the intermediate in the CA file was not issued by its root');
  }
  verifyIntermediateCosignature(intermediateCertificate, root);
  const mldsaSecretKey = new Uint8Array(Buffer.from(text('mldsa65SecretKey'), 'base64'));
  const falconSecretKey = new Uint8Array(Buffer.from(text('falcon1024SecretKey'), 'base64'));
  const mldsaPublicKey = derivePublicKey(() => ml_dsa65.getPublicKey(mldsaSecretKey), 'ML-DSA-65');
  const falconPublicKey = derivePublicKey(() => falcon1024.getPublicKey(falconSecretKey), 'Falcon-1024');
  if (!bytesEqual(mldsaPublicKey, root.mldsaPublicKey) || !bytesEqual(falconPublicKey, root.falconPublicKey)) {
    throw new TrustError('the post-quantum secret keys in the CA file do not match its root certificate');
  }
  return {
    name: root.name,
    caId: root.caId,
    caIdRaw: root.caIdRaw,
    root: { certificate: rootCertificate, privateKey: rootKey },
    intermediate: { certificate: intermediateCertificate, privateKey: intermediateKey },
    mldsa: { publicKey: mldsaPublicKey, secretKey: mldsaSecretKey },
    falcon: { publicKey: falconPublicKey, secretKey: falconSecretKey },
  };
}

async function issueIntermediate(
  ca: Pick<CaMaterial, 'name' | 'caId' | 'caIdRaw' | 'root' | 'mldsa' | 'falcon'>,
  now: number,
): Promise<IntermediateIssuer> {
  const rootCert = parseAsn(ca.root.certificate, 'the root');
  const rootNotAfter = rootCert.tbsCertificate.validity.notAfter.getTime();
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' }));
  const tbs = await buildTbs({
    subject: distinguishedName([
      [OID_CN, `HyperMesh TrustChain intermediate ${ca.caId.slice(0, 8)}`],
      [OID_O, ca.name],
    ]),
    issuer: new x509.Name(rootCert.tbsCertificate.subject),
    spki,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(Math.min(now + INTERMEDIATE_VALIDITY_MS, rootNotAfter.getTime())),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.AuthorityKeyIdentifierExtension(subjectKeyId(rootCert, 'the root')),
      await x509.SubjectKeyIdentifierExtension.create(spki),
    ],
  });
  // Co-signed by the CA's PQ keys: a forged ECDSA root signature alone cannot mint an intermediate.
  const cosignatures = pqCosign(tbs, {
    caIdRaw: ca.caIdRaw,
    mldsaSecretKey: ca.mldsa.secretKey,
    falconSecretKey: ca.falcon.secretKey,
  });
  const certificate = await finishCertificate({ tbs, issuerPrivateKey: ca.root.privateKey }, { cosignatures });
  return { certificate, privateKey: key.privateKey };
}

/** TBSCertificate DER built by @peculiar/x509; its placeholder signature is discarded (signTbs signs for real). */
async function buildTbs(params: {
  subject: x509.Name;
  issuer: x509.Name;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}): Promise<Uint8Array> {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, and a non-zero first byte keeps all 16 bytes
  const draft = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: params.subject,
    issuer: params.issuer,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    publicKey: params.spki,
    signingAlgorithm: SIGNING_ALGORITHM,
    signature: new Uint8Array(64),
    extensions: params.extensions,
  });
  const raw = AsnConvert.parse(draft.rawData, asnX509.Certificate).tbsCertificateRaw;
  if (!raw) throw new TrustError('the X.509 library produced no TBSCertificate');
  return new Uint8Array(raw);
}

/** ECDSA P-256 / SHA-256 over the TBS as it serializes, then the whole certificate. */
function signTbs(tbs: asnX509.TBSCertificate, key: KeyObject): Uint8Array {
  if (tbs.signature.algorithm !== OID_ECDSA_SHA256) throw new TrustError('only ECDSA with SHA-256 is issued');
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signatureValue = new Uint8Array(signDigest('sha256', tbsDer, key)).buffer; // DER ECDSA-Sig-Value
  const cert = new asnX509.Certificate({ tbsCertificate: tbs, signatureAlgorithm: tbs.signature, signatureValue });
  return new Uint8Array(AsnConvert.serialize(cert));
}

function encodeCosignatures(entries: readonly PqCosignature[]): Uint8Array {
  if (entries.length > 255) throw new TrustError('at most 255 co-signatures fit in a certificate');
  const parts: Buffer[] = [Buffer.from([1, entries.length])];
  for (const e of entries) {
    if (e.caIdRaw.length !== CA_ID_BYTES) throw new TrustError('a co-signature caId is 32 bytes');
    const head = Buffer.alloc(3);
    head[0] = e.algorithm;
    head.writeUInt16BE(e.signature.length, 1);
    parts.push(Buffer.from(e.caIdRaw), head, Buffer.from(e.signature));
  }
  const out = Buffer.concat(parts);
  if (out.length > MAX_PQ_EXTENSION) throw new TrustError('the co-signatures exceed 64 KiB');
  return out;
}

function encodePqKeys(mldsaPublicKey: Uint8Array, falconPublicKey: Uint8Array): Uint8Array {
  const out = Buffer.alloc(5 + mldsaPublicKey.length + falconPublicKey.length);
  out[0] = 1;
  out.writeUInt16BE(mldsaPublicKey.length, 1);
  out.set(mldsaPublicKey, 3);
  out.writeUInt16BE(falconPublicKey.length, 3 + mldsaPublicKey.length);
  out.set(falconPublicKey, 5 + mldsaPublicKey.length);
  return out;
}

function opaqueExtension(oid: string, payload: Uint8Array): asnX509.Extension {
  if (payload.length > MAX_PQ_EXTENSION) throw new TrustError(`the ${oid} extension payload exceeds 64 KiB`);
  return new asnX509.Extension({ extnID: oid, critical: false, extnValue: new OctetString(derOctetString(payload)) });
}

function distinguishedName(attributes: readonly (readonly [string, string])[]): x509.Name {
  // Built from ASN.1 classes: x509.Name's JSON/string parser mangles quotes, backslashes and a leading '#'.
  const name = new asnX509.Name(
    attributes.map(
      ([type, value]) =>
        new asnX509.RelativeDistinguishedName([
          new asnX509.AttributeTypeAndValue({ type, value: new asnX509.AttributeValue({ utf8String: value }) }),
        ]),
    ),
  );
  return new x509.Name(AsnConvert.serialize(name));
}

function checkCaName(name: string): string {
  const trimmed = name.trim();
  // 64 = ub-organization-name (RFC 5280); control characters would confuse logs and DN printers.
  if (trimmed.length === 0 || trimmed.length > 64 || /\p{Cc}/u.test(trimmed)) {
    throw new TrustError('a CA name is 1–64 printable characters');
  }
  return trimmed;
}

function assertKeyMatches(privateKey: KeyObject, certDer: Uint8Array, what: string): void {
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCert = nodeX509(certDer, what).publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) throw new TrustError(`the private key of ${what} does not match its certificate`);
}

function derivePublicKey(derive: () => Uint8Array, alg: string): Uint8Array {
  try {
    return derive();
  } catch {
    throw new TrustError(`the ${alg} secret key in the CA file is malformed`);
  }
}

function pemCertificate(pem: string, what: string): Uint8Array {
  try {
    return new Uint8Array(new NodeX509(pem).raw);
  } catch {
    throw new TrustError(`the ${what} certificate in the CA file is unreadable`);
  }
}

function pemPrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TrustError(`the ${what} private key in the CA file is unreadable`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
