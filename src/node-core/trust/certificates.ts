import 'reflect-metadata';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as signDigest,
  timingSafeEqual,
  verify as verifyDigest,
  webcrypto,
  X509Certificate as NodeX509,
  type KeyObject,
} from 'node:crypto';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asnX509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { base32 } from '../identity/base32';
import { deriveNodeId, type NodeIdentity } from '../identity/identity';
import {
  BINDING_CONTEXT,
  derOctetString,
  NODE_BINDING_OID,
  nodeSigningKeys,
  readDerOctetString,
} from '../transport/stoq/node-certificate';
import { TrustError } from './errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/*
 * OIDs: sub-arcs of the node binding's random 2.25 arc (the ASN.1 library encodes them fine; arcs stay below 2^53).
 * All three extensions are non-critical so that standard X.509 stacks (openssl, quiche) ignore them.
 */
/** Root certificate: the CA's post-quantum public keys, authenticated by pinning the root. */
export const CA_PQ_KEYS_OID = `${NODE_BINDING_OID}.1`;
/** Post-quantum co-signatures over the precertificate TBS, one pair (ML-DSA-65 + Falcon-1024) per CA. */
export const PQ_COSIGNATURE_OID = `${NODE_BINDING_OID}.2`;
/** Certificate-transparency inclusion proof; an opaque payload defined by the CT log module. */
export const CT_PROOF_OID = `${NODE_BINDING_OID}.3`;

/**
 * Domain separation for the PQ co-signatures: the CA's PQ keys sign other things too (e.g. log tree heads), so a
 * certificate signature must never be replayable as one of those.
 */
export const PQ_COSIGN_CONTEXT = Buffer.from('hypermesh/trustchain/pq-cosign/v1\0');
const CA_ID_TAG = Buffer.from('hypermesh/ca-id/v1\0');

export const PqAlgorithm = { MlDsa65: 1, Falcon1024: 2 } as const;
export type PqAlgorithm = (typeof PqAlgorithm)[keyof typeof PqAlgorithm];

export const DEFAULT_NODE_VALIDITY_MS = 24 * 3600_000;
const ROOT_VALIDITY_MS = 10 * 365 * 86_400_000;
const INTERMEDIATE_VALIDITY_MS = 365 * 86_400_000;
/** notBefore is backdated so that peers whose clocks lag a little still accept a fresh certificate. */
const CLOCK_SKEW_MS = 60_000;

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };
const NODE_ORGANIZATION = 'HyperMesh node';
const CA_ID_BYTES = 32;
const MAX_PQ_EXTENSION = 0xffff;

export interface PqCosignature {
  /** SHA-256 caId of the signing CA (the bytes before base32). */
  readonly caIdRaw: Uint8Array;
  readonly algorithm: PqAlgorithm;
  readonly signature: Uint8Array;
}

export interface PqKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** What a PQ signer (worker thread, other CA) needs; no classical keys. */
export interface CaPqSigner {
  readonly caIdRaw: Uint8Array;
  readonly mldsaSecretKey: Uint8Array;
  readonly falconSecretKey: Uint8Array;
}

export interface CaPqPublicKeys {
  readonly mldsaPublicKey: Uint8Array;
  readonly falconPublicKey: Uint8Array;
}

export interface IntermediateIssuer {
  /** DER of the intermediate certificate. */
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface CaMaterial {
  readonly name: string;
  /** base32 of caIdRaw. */
  readonly caId: string;
  readonly caIdRaw: Uint8Array;
  readonly root: { readonly certificate: Uint8Array; readonly privateKey: KeyObject };
  readonly intermediate: IntermediateIssuer;
  readonly mldsa: PqKeyPair;
  readonly falcon: PqKeyPair;
}

/** A TBSCertificate waiting for its PQ co-signatures and CT proof. Stays with the issuer (holds its key). */
export interface PreparedCertificate {
  /** DER of the TBSCertificate without the co-signature and CT-proof extensions. */
  readonly tbs: Uint8Array;
  readonly issuerPrivateKey: KeyObject;
}

export interface VerifiedCsr {
  readonly nodeId: string;
  /** DER SubjectPublicKeyInfo of the node's TLS key. */
  readonly spki: Uint8Array;
  readonly mldsaPublicKey: Uint8Array;
  /** extnValue of the node binding extension, copied verbatim into the certificate. */
  readonly bindingExtension: Uint8Array;
}

export interface CosignedContent {
  /** pqSigningInput(cert): what the CT log records and what the PQ co-signatures cover. */
  readonly signingInput: Uint8Array;
  readonly cosignatures: readonly PqCosignature[];
  readonly ctProof?: Uint8Array;
}

export interface ParsedNodeCertificate extends CosignedContent {
  readonly nodeId: string;
  readonly mldsaPublicKey: Uint8Array;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuerDn: string;
  /** SHA-256 of the certificate DER, hex. */
  readonly sha256: string;
}

export interface ParsedRoot extends CaPqPublicKeys {
  readonly caId: string;
  readonly caIdRaw: Uint8Array;
  /** The CA's name (the root's O attribute). */
  readonly name: string;
  readonly notAfter: Date;
}

/** JSON form of a CA for its own key file (secret: the caller writes it with mode 0600). */
export interface SerializedCaV1 {
  readonly version: 1;
  readonly name: string;
  readonly caId: string;
  readonly rootCertificate: string;
  readonly rootPrivateKey: string;
  readonly intermediateCertificate: string;
  readonly intermediatePrivateKey: string;
  /** base64; public keys are derived from them on load. */
  readonly mldsa65SecretKey: string;
  readonly falcon1024SecretKey: string;
}

// ---------------------------------------------------------------------------------------------------------------
// CSR

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

/** Checks proof of possession of the TLS key (CSR signature) and of the ML-DSA key (binding); gives the NodeId. */
export function verifyCsr(der: Uint8Array, expectedNodeId?: string): VerifiedCsr {
  let req: CertificationRequest;
  try {
    req = AsnConvert.parse(der, CertificationRequest);
  } catch {
    throw new TrustError('the CSR is not valid PKCS#10');
  }
  const info = req.certificationRequestInfo;
  if (req.signatureAlgorithm.algorithm !== OID_ECDSA_SHA256 || !req.certificationRequestInfoRaw) {
    throw new TrustError(`the CSR is signed with ${req.signatureAlgorithm.algorithm}, not ECDSA with SHA-256`);
  }
  const key = p256Key(AsnConvert.serialize(info.subjectPKInfo), 'the CSR');
  let signed: boolean;
  try {
    signed = verifyDigest(
      'sha256',
      new Uint8Array(req.certificationRequestInfoRaw),
      key,
      new Uint8Array(req.signature),
    );
  } catch {
    signed = false;
  }
  if (!signed) throw new TrustError('the CSR signature does not verify: no proof of possession of the TLS key');
  const requested = info.attributes.filter((a) => a.type === OID_EXTENSION_REQUEST);
  const first = requested[0]?.values[0];
  if (requested.length !== 1 || requested[0]?.values.length !== 1 || !first) {
    throw new TrustError('the CSR must carry exactly one extensionRequest');
  }
  let extensions: asnX509.Extensions;
  try {
    extensions = AsnConvert.parse(first, asnX509.Extensions);
  } catch {
    throw new TrustError('the CSR extensionRequest is malformed');
  }
  const bindings = extensions.filter((e) => e.extnID === NODE_BINDING_OID);
  if (bindings.length !== 1 || !bindings[0]) throw new TrustError('the CSR must carry exactly one NodeId binding');
  const bindingExtension = new Uint8Array(bindings[0].extnValue.buffer);
  const cn = new x509.Name(AsnConvert.serialize(info.subject)).getField(OID_CN);
  // Cheap before costly: a CSR for another node than the one asking is refused before the post-quantum check.
  if (expectedNodeId !== undefined && (cn.length !== 1 || cn[0] !== expectedNodeId)) {
    throw new TrustError(`the CSR is for NodeId ${cn.join(',') || '(none)'}, but ${expectedNodeId} asked`);
  }
  const { nodeId, mldsaPublicKey } = verifyBinding(bindingExtension, key, 'the CSR');
  if (cn.length !== 1 || cn[0] !== nodeId) {
    throw new TrustError(`the CSR subject names ${cn.join(',') || 'no NodeId'}, but its keys give NodeId ${nodeId}`);
  }
  const spki = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  return { nodeId, spki, mldsaPublicKey, bindingExtension };
}

// ---------------------------------------------------------------------------------------------------------------
// Issuance: prepare (classical TBS) → PQ co-signatures and CT log elsewhere → finish (extensions + ECDSA signature)

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

/** The precertificate TBS: the TBSCertificate DER without the co-signature and CT-proof extensions. */
export function pqSigningInput(certDer: Uint8Array): Uint8Array {
  return signingInputOf(parseAsn(certDer, 'the certificate'));
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

/**
 * The CAs (base32 caIds, the keys of `trustedCas`) for which both an ML-DSA-65 and a Falcon-1024 co-signature verify.
 * Entries from unknown CAs or with bad signatures simply do not count; the caller requires k of n.
 */
export function verifyCosignatures(
  signingInput: Uint8Array,
  entries: readonly PqCosignature[],
  trustedCas: ReadonlyMap<string, CaPqPublicKeys>,
): Set<string> {
  const message = Buffer.concat([PQ_COSIGN_CONTEXT, signingInput]);
  const verified = new Map<string, Set<PqAlgorithm>>();
  for (const entry of entries) {
    const caId = base32(entry.caIdRaw);
    const keys = trustedCas.get(caId);
    if (!keys) continue;
    const done = verified.get(caId) ?? new Set<PqAlgorithm>();
    if (done.has(entry.algorithm)) continue;
    if (pqVerify(entry, message, keys)) {
      done.add(entry.algorithm);
      verified.set(caId, done);
    }
  }
  const result = new Set<string>();
  for (const [caId, algs] of verified) if (algs.size === 2) result.add(caId);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Certificate authority

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

// ---------------------------------------------------------------------------------------------------------------
// Parsing and verification

/** The co-signed content of any TrustChain certificate (node or intermediate). */
export function readCosignatures(certDer: Uint8Array): CosignedContent {
  return cosignedContent(parseAsn(certDer, 'the certificate'));
}

/** Reads a TrustChain node certificate; the NodeId comes from the (verified) binding and must match the CN. */
export function parseNodeCertificate(der: Uint8Array): ParsedNodeCertificate {
  const what = 'the node certificate';
  const cert = parseAsn(der, what);
  const tbs = cert.tbsCertificate;
  const key = p256Key(AsnConvert.serialize(tbs.subjectPublicKeyInfo), what);
  const binding = extensionValue(cert, NODE_BINDING_OID, what);
  if (!binding) throw new TrustError('the node certificate carries no NodeId binding');
  const { nodeId, mldsaPublicKey } = verifyBinding(binding, key, what);
  const cn = new x509.Name(tbs.subject).getField(OID_CN);
  if (cn.length !== 1 || cn[0] !== nodeId) {
    throw new TrustError(`the node certificate names ${cn.join(',') || 'no NodeId'}, but its keys give ${nodeId}`);
  }
  return {
    nodeId,
    mldsaPublicKey,
    serialHex: serialHex(tbs.serialNumber),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    issuerDn: new x509.Name(tbs.issuer).toString(),
    sha256: createHash('sha256').update(der).digest('hex'),
    ...cosignedContent(cert),
  };
}

/**
 * Classical path check: the leaf is signed by one of `intermediates`, which is signed by one of `roots` (pinned by
 * exact DER); all valid at `now`; the intermediate is a CA allowed to sign certificates and the leaf is not a CA.
 * Returns the DER of the root and intermediate that were used.
 */
export function verifyClassicalChain(
  leafDer: Uint8Array,
  intermediates: readonly Uint8Array[],
  roots: readonly Uint8Array[],
  now: Date,
): { root: Uint8Array; intermediate: Uint8Array } {
  const what = 'the node certificate';
  const leaf = nodeX509(leafDer, what);
  checkValidity(leaf, now, what);
  if (leaf.ca) throw new TrustError('the node certificate claims to be a CA');
  const usage = keyUsage(parseChecked(leafDer, what), what);
  if (usage === undefined || (usage & asnX509.KeyUsageFlags.digitalSignature) === 0) {
    throw new TrustError('the node certificate does not allow digitalSignature');
  }
  const intermediate = findIssuer(leaf, intermediates, what, 'intermediate');
  checkCa(intermediate, now, 'the intermediate');
  const root = findIssuer(intermediate.cert, roots, 'the intermediate', 'pinned root');
  checkCa(root, now, 'the root');
  return { root: root.der, intermediate: intermediate.der };
}

/** Reads a pinned root: its CA's post-quantum keys and the caId they, with the root key, hash to. */
export function parseRoot(der: Uint8Array): ParsedRoot {
  const cert = nodeX509(der, 'the root');
  if (!cert.ca || !cert.checkIssued(cert) || !cert.verify(cert.publicKey)) {
    throw new TrustError('the root is not a self-signed CA certificate');
  }
  const parsed = parseAsn(der, 'the root');
  const ext = extensionValue(parsed, CA_PQ_KEYS_OID, 'the root');
  if (!ext) throw new TrustError('the root carries no post-quantum CA keys');
  const { mldsaPublicKey, falconPublicKey } = decodePqKeys(ext);
  const spki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
  const caIdRaw = computeCaId(mldsaPublicKey, falconPublicKey, spki);
  const caId = base32(caIdRaw);
  const subject = new x509.Name(parsed.tbsCertificate.subject);
  const cn = subject.getField(OID_CN);
  if (cn.length !== 1 || cn[0] !== `HyperMesh TrustChain root ${caId.slice(0, 8)}`) {
    throw new TrustError(`the root's CN does not match its caId ${caId}`);
  }
  const name = subject.getField(OID_O)[0];
  if (name === undefined) throw new TrustError('the root has no organization name');
  const notAfter = parsed.tbsCertificate.validity.notAfter.getTime();
  return { caId, caIdRaw, mldsaPublicKey, falconPublicKey, name, notAfter };
}

/** Throws unless the intermediate carries valid co-signatures by its own CA's PQ keys (from the pinned root). */
export function verifyIntermediateCosignature(intermediateDer: Uint8Array, root: ParsedRoot): void {
  const { signingInput, cosignatures } = readCosignatures(intermediateDer);
  if (!verifyCosignatures(signingInput, cosignatures, new Map([[root.caId, root]])).has(root.caId)) {
    throw new TrustError(`the intermediate is not co-signed by the post-quantum keys of CA ${root.caId}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Internals

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

function cosignedContent(cert: asnX509.Certificate): CosignedContent {
  const cosig = extensionValue(cert, PQ_COSIGNATURE_OID, 'the certificate');
  const ct = extensionValue(cert, CT_PROOF_OID, 'the certificate');
  const cosignatures = cosig ? decodeCosignatures(unwrapOctetString(cosig, 'the co-signature extension')) : [];
  const ctProof = ct ? unwrapOctetString(ct, 'the CT-proof extension') : undefined;
  return { signingInput: signingInputOf(cert), cosignatures, ...(ctProof ? { ctProof } : {}) };
}

function signingInputOf(cert: asnX509.Certificate): Uint8Array {
  const tbs = cert.tbsCertificate;
  const all = tbs.extensions ?? [];
  const kept = all.filter((e) => e.extnID !== PQ_COSIGNATURE_OID && e.extnID !== CT_PROOF_OID);
  // Untouched TBS: use the received bytes rather than a re-encoding of them.
  if (kept.length === all.length && cert.tbsCertificateRaw) return new Uint8Array(cert.tbsCertificateRaw);
  const stripped = new asnX509.TBSCertificate({ ...tbs });
  if (kept.length > 0) stripped.extensions = new asnX509.Extensions(kept);
  else delete stripped.extensions;
  return new Uint8Array(AsnConvert.serialize(stripped));
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

function decodeCosignatures(payload: Uint8Array): PqCosignature[] {
  if (payload[0] !== 1 || payload.length < 2) throw new TrustError('unknown co-signature extension version');
  const count = payload[1]!;
  const out: PqCosignature[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + CA_ID_BYTES + 3 > payload.length) throw new TrustError('the co-signature extension is truncated');
    const caIdRaw = payload.slice(at, at + CA_ID_BYTES);
    const algorithm = payload[at + CA_ID_BYTES]!;
    const len = (payload[at + CA_ID_BYTES + 1]! << 8) | payload[at + CA_ID_BYTES + 2]!;
    at += CA_ID_BYTES + 3;
    if (algorithm !== PqAlgorithm.MlDsa65 && algorithm !== PqAlgorithm.Falcon1024) {
      throw new TrustError(`unknown co-signature algorithm ${algorithm}`);
    }
    if (at + len > payload.length) throw new TrustError('the co-signature extension is truncated');
    out.push({ caIdRaw, algorithm, signature: payload.slice(at, at + len) });
    at += len;
  }
  if (at !== payload.length) throw new TrustError('the co-signature extension has trailing bytes');
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

function decodePqKeys(extnValue: Uint8Array): CaPqPublicKeys {
  const v = unwrapOctetString(extnValue, 'the root PQ-keys extension');
  if (v[0] !== 1 || v.length < 5) throw new TrustError('unknown root PQ-keys extension version');
  const mlLen = (v[1]! << 8) | v[2]!;
  const falconAt = 3 + mlLen;
  const fLen = ((v[falconAt] ?? 0) << 8) | (v[falconAt + 1] ?? 0);
  if (
    mlLen !== ml_dsa65.lengths.publicKey ||
    fLen !== falcon1024.lengths.publicKey ||
    falconAt + 2 + fLen !== v.length
  ) {
    throw new TrustError('the root PQ-keys extension has wrong key lengths');
  }
  return { mldsaPublicKey: v.slice(3, falconAt), falconPublicKey: v.slice(falconAt + 2) };
}

function computeCaId(mldsaPublicKey: Uint8Array, falconPublicKey: Uint8Array, rootSpki: Uint8Array): Uint8Array {
  const h = createHash('sha256').update(CA_ID_TAG).update(mldsaPublicKey).update(falconPublicKey).update(rootSpki);
  return new Uint8Array(h.digest());
}

/** Verifies the node binding (same format as the self-signed node certificate) against the TLS key. */
function verifyBinding(
  extnValue: Uint8Array,
  tlsKey: KeyObject,
  what: string,
): { nodeId: string; mldsaPublicKey: Uint8Array } {
  const binding = unwrapOctetString(extnValue, `the NodeId binding of ${what}`);
  if (binding[0] !== 1 || binding.length < 3) throw new TrustError(`unknown NodeId binding version in ${what}`);
  const pubLen = (binding[1]! << 8) | binding[2]!;
  if (pubLen !== ml_dsa65.lengths.publicKey || binding.length <= 3 + pubLen) {
    throw new TrustError(`the NodeId binding of ${what} is malformed`);
  }
  const mldsaPublicKey = binding.slice(3, 3 + pubLen);
  const signature = binding.subarray(3 + pubLen);
  const spki = tlsKey.export({ type: 'spki', format: 'der' });
  let ok: boolean;
  try {
    ok = ml_dsa65.verify(signature, Buffer.concat([BINDING_CONTEXT, spki]), mldsaPublicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new TrustError(`the NodeId binding of ${what} is not signed for its TLS key`);
  return { nodeId: deriveNodeId(mldsaPublicKey, tlsKey), mldsaPublicKey };
}

function pqVerify(entry: PqCosignature, message: Uint8Array, keys: CaPqPublicKeys): boolean {
  try {
    return entry.algorithm === PqAlgorithm.MlDsa65
      ? ml_dsa65.verify(entry.signature, message, keys.mldsaPublicKey)
      : falcon1024.verify(entry.signature, message, keys.falconPublicKey);
  } catch {
    return false; // malformed signature or key lengths
  }
}

function opaqueExtension(oid: string, payload: Uint8Array): asnX509.Extension {
  if (payload.length > MAX_PQ_EXTENSION) throw new TrustError(`the ${oid} extension payload exceeds 64 KiB`);
  return new asnX509.Extension({ extnID: oid, critical: false, extnValue: new OctetString(derOctetString(payload)) });
}

function unwrapOctetString(der: Uint8Array, what: string): Uint8Array {
  try {
    return new Uint8Array(readDerOctetString(der));
  } catch {
    throw new TrustError(`${what} is not a well-formed OCTET STRING`);
  }
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

function parseAsn(der: Uint8Array, what: string): asnX509.Certificate {
  try {
    return AsnConvert.parse(der, asnX509.Certificate);
  } catch {
    throw new TrustError(`${what} is not valid X.509`);
  }
}

/** Parsed and restricted to ECDSA with SHA-256 (node:crypto would verify whatever algorithm the DER names). */
function parseChecked(der: Uint8Array, what: string): asnX509.Certificate {
  const cert = parseAsn(der, what);
  const alg = cert.signatureAlgorithm.algorithm;
  if (alg !== OID_ECDSA_SHA256 || cert.tbsCertificate.signature.algorithm !== alg) {
    throw new TrustError(`${what} is signed with ${alg}, not ECDSA with SHA-256`);
  }
  return cert;
}

/*
 * Extensions are read straight from the ASN.1: x509.X509Certificate.getExtension() instantiates every extension
 * and costs milliseconds on a certificate carrying ~20 KB of co-signatures.
 */
function extensionValue(cert: asnX509.Certificate, oid: string, what: string): Uint8Array | undefined {
  const found = (cert.tbsCertificate.extensions ?? []).filter((e) => e.extnID === oid);
  if (found.length > 1) throw new TrustError(`${what} repeats extension ${oid}`);
  return found[0] ? new Uint8Array(found[0].extnValue.buffer) : undefined;
}

function keyUsage(cert: asnX509.Certificate, what: string): number | undefined {
  const value = extensionValue(cert, asnX509.id_ce_keyUsage, what);
  if (!value) return undefined;
  try {
    return AsnConvert.parse(value, asnX509.KeyUsage).toNumber();
  } catch {
    throw new TrustError(`the KeyUsage of ${what} is malformed`);
  }
}

function subjectKeyId(cert: asnX509.Certificate, what: string): string {
  const value = extensionValue(cert, asnX509.id_ce_subjectKeyIdentifier, what);
  if (!value) throw new TrustError(`${what} has no SubjectKeyIdentifier`);
  return Buffer.from(AsnConvert.parse(value, asnX509.SubjectKeyIdentifier).buffer).toString('hex');
}

/** A serial number's canonical text: lowercase hex without leading zeros, as openssl and node:crypto print it. */
export function canonicalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

function serialHex(serial: ArrayBuffer): string {
  return canonicalSerial(Buffer.from(serial).toString('hex'));
}

function nodeX509(der: Uint8Array, what: string): NodeX509 {
  try {
    return new NodeX509(der);
  } catch {
    throw new TrustError(`${what} is not valid X.509`);
  }
}

function p256Key(spki: ArrayBuffer | Uint8Array, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(new Uint8Array(spki)), format: 'der', type: 'spki' });
  } catch {
    throw new TrustError(`${what} has an unreadable public key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TrustError(`${what} key is not ECDSA P-256`);
  }
  return key;
}

function assertKeyMatches(privateKey: KeyObject, certDer: Uint8Array, what: string): void {
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCert = nodeX509(certDer, what).publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) throw new TrustError(`the private key of ${what} does not match its certificate`);
}

function checkValidity(cert: NodeX509, now: Date, what: string): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from) throw new TrustError(`${what} is not valid before ${from.toISOString()}`);
  if (now > to) throw new TrustError(`${what} expired at ${to.toISOString()}`);
}

interface Candidate {
  readonly der: Uint8Array;
  readonly cert: NodeX509;
}

/** The candidate that issued `child` (names and key identifiers chain, and its key verifies the signature). */
function findIssuer(child: NodeX509, candidates: readonly Uint8Array[], childWhat: string, role: string): Candidate {
  let named = false;
  for (const der of candidates) {
    const cert = nodeX509(der, `the ${role}`);
    // checkIssued: issuer name == subject, AKI/SKI agree, and keyCertSign if the issuer has KeyUsage.
    if (!child.checkIssued(cert)) continue;
    named = true;
    if (child.verify(cert.publicKey)) return { der, cert };
  }
  throw new TrustError(
    named
      ? `the signature of ${childWhat} does not verify under its ${role}`
      : `no ${role} given issued ${childWhat} (${child.issuer.replace(/\n/g, ', ')})`,
  );
}

function checkCa(candidate: Candidate, now: Date, what: string): void {
  checkValidity(candidate.cert, now, what);
  if (!candidate.cert.ca) throw new TrustError(`${what} is not a CA certificate`);
  const usage = keyUsage(parseChecked(candidate.der, what), what);
  if (usage === undefined || (usage & asnX509.KeyUsageFlags.keyCertSign) === 0) {
    throw new TrustError(`${what} is not allowed to sign certificates (KeyUsage)`);
  }
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
