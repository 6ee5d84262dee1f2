// TrustChain certificates: verification (CSRs, classical chains, post-quantum co-signatures).
import { verify as verifyDigest, X509Certificate as NodeX509 } from 'node:crypto';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asnX509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { base32 } from '../identity/index';
import { NODE_BINDING_OID } from '../transport/index';
import { TrustError } from './errors';
import {
  type CaPqPublicKeys,
  OID_CN,
  OID_ECDSA_SHA256,
  OID_EXTENSION_REQUEST,
  PQ_COSIGN_CONTEXT,
  type ParsedRoot,
  PqAlgorithm,
  type PqCosignature,
  type VerifiedCsr,
} from './certificate-types';
import { keyUsage, nodeX509, p256Key, parseChecked, readCosignatures, verifyBinding } from './certificate-parsing';

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

/** Throws unless the intermediate carries valid co-signatures by its own CA's PQ keys (from the pinned root). */
export function verifyIntermediateCosignature(intermediateDer: Uint8Array, root: ParsedRoot): void {
  const { signingInput, cosignatures } = readCosignatures(intermediateDer);
  if (!verifyCosignatures(signingInput, cosignatures, new Map([[root.caId, root]])).has(root.caId)) {
    throw new TrustError(`the intermediate is not co-signed by the post-quantum keys of CA ${root.caId}`);
  }
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
