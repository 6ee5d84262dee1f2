// TrustChain certificates: reading DER (node certificates, roots, co-signatures, the NodeId binding).
import { createHash, createPublicKey, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { falcon1024 } from '@noble/post-quantum/falcon.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asnX509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { base32 } from '../identity/index';
import { deriveNodeId } from '../identity/index';
import { BINDING_CONTEXT, NODE_BINDING_OID, readDerOctetString } from '../transport/index';
import { TrustError } from './errors';
import {
  CA_ID_BYTES,
  CA_ID_TAG,
  CA_PQ_KEYS_OID,
  CT_PROOF_OID,
  type CaPqPublicKeys,
  type CosignedContent,
  OID_CN,
  OID_ECDSA_SHA256,
  OID_O,
  PQ_COSIGNATURE_OID,
  type ParsedNodeCertificate,
  type ParsedRoot,
  PqAlgorithm,
  type PqCosignature,
} from './certificate-types';

/** The precertificate TBS: the TBSCertificate DER without the co-signature and CT-proof extensions. */
export function pqSigningInput(certDer: Uint8Array): Uint8Array {
  return signingInputOf(parseAsn(certDer, 'the certificate'));
}

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

export function computeCaId(mldsaPublicKey: Uint8Array, falconPublicKey: Uint8Array, rootSpki: Uint8Array): Uint8Array {
  const h = createHash('sha256').update(CA_ID_TAG).update(mldsaPublicKey).update(falconPublicKey).update(rootSpki);
  return new Uint8Array(h.digest());
}

/** Verifies the node binding (same format as the self-signed node certificate) against the TLS key. */
export function verifyBinding(
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

function unwrapOctetString(der: Uint8Array, what: string): Uint8Array {
  try {
    return new Uint8Array(readDerOctetString(der));
  } catch {
    throw new TrustError(`${what} is not a well-formed OCTET STRING`);
  }
}

export function parseAsn(der: Uint8Array, what: string): asnX509.Certificate {
  try {
    return AsnConvert.parse(der, asnX509.Certificate);
  } catch {
    throw new TrustError(`${what} is not valid X.509`);
  }
}

/** Parsed and restricted to ECDSA with SHA-256 (node:crypto would verify whatever algorithm the DER names). */
export function parseChecked(der: Uint8Array, what: string): asnX509.Certificate {
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

export function keyUsage(cert: asnX509.Certificate, what: string): number | undefined {
  const value = extensionValue(cert, asnX509.id_ce_keyUsage, what);
  if (!value) return undefined;
  try {
    return AsnConvert.parse(value, asnX509.KeyUsage).toNumber();
  } catch {
    throw new TrustError(`the KeyUsage of ${what} is malformed`);
  }
}

export function subjectKeyId(cert: asnX509.Certificate, what: string): string {
  const value = extensionValue(cert, asnX509.id_ce_subjectKeyIdentifier, what);
  if (!value) throw new TrustError(`${what} has no SubjectKeyIdentifier`);
  return Buffer.from(AsnConvert.parse(value, asnX509.SubjectKeyIdentifier).buffer).toString('hex');
}

/** A serial number's canonical text: lowercase hex without leading zeros, as openssl and node:crypto print it. */
export function canonicalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

export function serialHex(serial: ArrayBuffer): string {
  return canonicalSerial(Buffer.from(serial).toString('hex'));
}

export function nodeX509(der: Uint8Array, what: string): NodeX509 {
  try {
    return new NodeX509(der);
  } catch {
    throw new TrustError(`${what} is not valid X.509`);
  }
}

export function p256Key(spki: ArrayBuffer | Uint8Array, what: string): KeyObject {
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
