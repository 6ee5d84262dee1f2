import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import * as x509 from '@peculiar/x509';
import { ErrorCode, HyperMeshError } from '../../../shared/errors';
import { deriveNodeId, type NodeIdentity } from '../../identity/index';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Certificate extension binding a TLS key to a NodeId. Its OID sits under 2.25 (no registration needed); the arc
 * is a random 53-bit number rather than a full UUID because the ASN.1 library cannot encode arcs past 2^53.
 * Its value is an OCTET STRING: [version 1][ML-DSA-65 public key length u16][public key][ML-DSA-65 signature over
 * BINDING_CONTEXT || the certificate's SubjectPublicKeyInfo]. Anyone can recompute the NodeId from the certificate,
 * and only the holder of the node's post-quantum key can have made the binding.
 */
export const NODE_BINDING_OID = '2.25.1838512467';
export const BINDING_CONTEXT = Buffer.from('hypermesh/stoq/node-binding/v1\0');

export interface CertificateMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certDer: Uint8Array;
}

export interface PeerIdentity {
  readonly nodeId: string;
  /** SHA-256 of the leaf certificate (hex), for logs and pinning. */
  readonly certificateSha256: string;
  readonly notAfter: Date;
  /**
   * How the peer proved who it is: `self-signed` (its own keys only), `trustchain` (a certificate from the
   * federation, fully verified) or `unanchored` (a CA-issued chain seen before this node trusts any CA; only used
   * to bootstrap). Absent means self-signed.
   */
  readonly kind?: 'self-signed' | 'trustchain' | 'unanchored';
  /** For `trustchain` peers: the issuing CA and the certificate's serial, so revocations can find the connection. */
  readonly caId?: string;
  readonly serialHex?: string;
  /** For `unanchored` peers: the chain they presented, to be checked once the CA's root is known. */
  readonly chain?: readonly Uint8Array[];
}

export class PeerVerificationError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.Transport, message);
  }
}

/** Pluggable peer verification: self-signed node certificates now, TrustChain-issued chains later. */
export interface PeerVerifier {
  /** Throws PeerVerificationError; `expectedNodeId` is the NodeId that was dialed, if any. */
  verify(chain: readonly Uint8Array[], expectedNodeId?: string): PeerIdentity;
  /**
   * Checks credentials a peer presents after the handshake (a dialing node's TrustChain chain, too large for the
   * handshake itself): they must be for the same TLS key as `handshakeLeaf` and the same NodeId as `current`.
   * Returns the upgraded identity; absent when the verifier knows no such credentials.
   */
  verifyPresented?(chain: readonly Uint8Array[], handshakeLeaf: Uint8Array, current: PeerIdentity): PeerIdentity;
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  const len = bytes.length;
  const head = len < 0x80 ? [0x04, len] : len < 0x100 ? [0x04, 0x81, len] : [0x04, 0x82, (len >> 8) & 0xff, len & 0xff];
  if (len > 0xffff) throw new Error('binding too large');
  return Buffer.concat([Buffer.from(head), bytes]);
}

export function readDerOctetString(der: Uint8Array): Uint8Array {
  if (der[0] !== 0x04) throw new PeerVerificationError('node binding is not an OCTET STRING');
  const first = der[1] ?? 0;
  let len = first;
  let offset = 2;
  if (first === 0x81) {
    len = der[2] ?? 0;
    offset = 3;
  } else if (first === 0x82) {
    len = ((der[2] ?? 0) << 8) | (der[3] ?? 0);
    offset = 4;
  } else if (first >= 0x80) throw new PeerVerificationError('node binding length is malformed');
  if (offset + len !== der.length) throw new PeerVerificationError('node binding length is malformed');
  return der.subarray(offset);
}

/**
 * The node's TLS key pair as WebCrypto keys (for certificate and CSR generators) and its NodeId binding:
 * `[1][u16 length][ML-DSA-65 public key][ML-DSA-65 signature over BINDING_CONTEXT || SPKI]`.
 */
export async function nodeSigningKeys(identity: NodeIdentity) {
  const spki = identity.tlsPublicKey.export({ type: 'spki', format: 'der' });
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    identity.tlsPrivateKey().export({ type: 'pkcs8', format: 'der' }),
    alg,
    false,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']);
  const signature = identity.sign(Buffer.concat([BINDING_CONTEXT, spki]));
  const pub = identity.mldsaPublicKey;
  const binding = Buffer.alloc(3 + pub.length + signature.length);
  binding[0] = 1;
  binding.writeUInt16BE(pub.length, 1);
  binding.set(pub, 3);
  binding.set(signature, 3 + pub.length);
  return { spki, alg, privateKey, publicKey, binding };
}

/** A self-signed certificate for the node's TLS key, carrying the NodeId binding. */
export async function createSelfSignedNodeCertificate(
  identity: NodeIdentity,
  validDays = 30,
): Promise<CertificateMaterial> {
  const keyPem = identity.tlsPrivateKeyPem();
  const { spki, alg, privateKey, publicKey, binding } = await nodeSigningKeys(identity);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createHash('sha256').update(spki).update(String(now)).digest('hex').slice(0, 30),
    name: `CN=${identity.nodeId}, O=HyperMesh node`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * 86_400_000),
    signingAlgorithm: alg,
    keys: { privateKey, publicKey },
    extensions: [
      // quiche refuses a self-signed certificate whose KeyUsage lacks keyCertSign.
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.Extension(NODE_BINDING_OID, false, derOctetString(binding)),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem, certDer: new Uint8Array(cert.rawData) };
}

const selfSignedVerified = new Map<string, { identity: PeerIdentity; notBefore: Date }>();

/**
 * Verifies a peer's self-signed node certificate: its own signature, its validity period, and the NodeId binding
 * (ML-DSA-65 signature over its TLS key). The TLS handshake has already proven the peer holds that TLS key.
 * Positive results are cached by certificate hash: verification costs a post-quantum signature check. The cache is
 * the process's (a test or benchmark runs many nodes in one): what it holds depends on the certificate alone, and the
 * validity period and the expected NodeId are checked on every use.
 */
export function createSelfSignedVerifier(options: { now?: () => Date } = {}): PeerVerifier {
  const now = options.now ?? (() => new Date());
  const cache = selfSignedVerified;
  return {
    verify(chain, expectedNodeId) {
      const leaf = chain[0];
      if (!leaf) throw new PeerVerificationError('the peer presented no certificate');
      const sha = createHash('sha256').update(leaf).digest('hex');
      let checked = cache.get(sha);
      if (!checked) {
        checked = verifyLeaf(leaf, sha);
        if (cache.size > 10_000) cache.clear();
        cache.set(sha, checked);
      }
      const { identity, notBefore } = checked;
      const t = now();
      if (t < notBefore)
        throw new PeerVerificationError(`the peer's certificate is not valid before ${notBefore.toISOString()}`);
      if (t > identity.notAfter)
        throw new PeerVerificationError(`the peer's certificate expired at ${identity.notAfter.toISOString()}`);
      if (expectedNodeId !== undefined && identity.nodeId !== expectedNodeId) {
        throw new PeerVerificationError(
          `the peer's certificate is for NodeId ${identity.nodeId}, not the ${expectedNodeId} that was dialed`,
        );
      }
      return identity;
    },
  };

  function verifyLeaf(der: Uint8Array, sha: string): { identity: PeerIdentity; notBefore: Date } {
    let cert: NodeX509;
    try {
      cert = new NodeX509(der);
    } catch {
      throw new PeerVerificationError('the peer certificate is not valid X.509');
    }
    const t = now();
    if (t < new Date(cert.validFrom) || t > new Date(cert.validTo)) {
      throw new PeerVerificationError(`the peer's certificate is not valid now (${cert.validFrom} – ${cert.validTo})`);
    }
    if (!cert.verify(cert.publicKey))
      throw new PeerVerificationError('the peer certificate is not self-signed correctly');
    const ext = new x509.X509Certificate(der).getExtension(NODE_BINDING_OID);
    if (!ext) throw new PeerVerificationError('the peer certificate carries no NodeId binding');
    const binding = readDerOctetString(new Uint8Array(ext.value));
    if (binding[0] !== 1 || binding.length < 3) throw new PeerVerificationError('unknown NodeId binding version');
    const pubLen = (binding[1]! << 8) | binding[2]!;
    const pub = binding.subarray(3, 3 + pubLen);
    const sig = binding.subarray(3 + pubLen);
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    let ok: boolean;
    try {
      ok = ml_dsa65.verify(sig, Buffer.concat([BINDING_CONTEXT, spki]), pub);
    } catch {
      ok = false;
    }
    if (!ok) throw new PeerVerificationError('the NodeId binding signature does not match the certificate key');
    const nodeId = deriveNodeId(pub, cert.publicKey);
    if (!cert.subject.includes(`CN=${nodeId}`)) {
      throw new PeerVerificationError(`the certificate names a NodeId other than the ${nodeId} its keys give`);
    }
    return {
      identity: { nodeId, certificateSha256: sha, notAfter: new Date(cert.validTo) },
      notBefore: new Date(cert.validFrom),
    };
  }
}
