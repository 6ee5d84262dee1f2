import { createHash } from 'node:crypto';
import {
  parseNodeCertificate,
  parseRoot,
  verifyClassicalChain,
  verifyCosignatures,
  verifyIntermediateCosignature,
} from './certificates';
import { decodeCtProof, type CtProof } from './ct-proof';
import { sthSigningInput, type SignedTreeHead } from './ct-log';
import { TrustError } from './errors';
import type { TrustedCa, TrustedFederation } from './federation';
import { leafHash, verifyInclusion, verifyNow } from '../crypto';

/** A node certificate that passed every TrustChain check. */
export interface VerifiedNodeCertificate {
  readonly nodeId: string;
  /** The node's ML-DSA-65 key, from its (verified) binding. */
  readonly mldsaPublicKey: Uint8Array;
  /** The CA whose intermediate issued it (and whose log holds it). */
  readonly issuer: TrustedCa;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly sha256: string;
  /** The federation CAs whose post-quantum co-signatures hold. */
  readonly cosigners: readonly string[];
  readonly ct: CtProof;
  /** The signed tree head the certificate was logged under. */
  readonly head: SignedTreeHead;
}

export interface NodeVerificationContext {
  readonly federation: TrustedFederation;
  readonly now: Date;
  isRevoked(caId: string, serialHex: string): boolean;
  /** CAs caught showing a split view: nothing they issued or logged is accepted. */
  readonly distrusted?: ReadonlySet<string>;
}

// Intermediates and tree heads repeat across many peers: their post-quantum checks are done once.
const checkedIntermediates = new Set<string>();
const checkedHeads = new Set<string>();

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The hybrid check of a TrustChain node certificate: the classical X.509 chain to a federation root, the CA's
 * post-quantum co-signature on the intermediate, the NodeId binding, post-quantum co-signatures from at least
 * `threshold` federation CAs (the issuer among them), an inclusion proof in the issuer's transparency log under a
 * head it signed, and the revocation list. Throws TrustError naming the first check that failed.
 */
export function verifyNodeCertificate(
  chain: readonly Uint8Array[],
  ctx: NodeVerificationContext,
): VerifiedNodeCertificate {
  const leaf = chain[0];
  if (!leaf) throw new TrustError('no certificate was presented');
  const members = [...ctx.federation.members.values()].filter((m) => !ctx.distrusted?.has(m.caId));
  const { root, intermediate } = verifyClassicalChain(
    leaf,
    chain.slice(1),
    members.map((m) => m.rootDer),
    ctx.now,
  );
  const issuer = members.find((m) => Buffer.compare(m.rootDer, root) === 0);
  if (!issuer) throw new TrustError('the certificate chains to no federation CA');
  const interKey = `${issuer.caId}:${sha256(intermediate)}`;
  if (!checkedIntermediates.has(interKey)) {
    verifyIntermediateCosignature(intermediate, parseRoot(issuer.rootDer));
    checkedIntermediates.add(interKey);
  }
  const parsed = parseNodeCertificate(leaf);
  const trusted = new Map(members.map((m) => [m.caId, m]));
  const cosigners = verifyCosignatures(parsed.signingInput, parsed.cosignatures, trusted);
  if (!cosigners.has(issuer.caId)) {
    throw new TrustError(`the certificate lacks valid post-quantum co-signatures of its issuer ${issuer.name}`);
  }
  if (cosigners.size < ctx.federation.threshold) {
    throw new TrustError(
      `the certificate is co-signed by ${cosigners.size} federation CA(s); ${ctx.federation.threshold} are required`,
    );
  }
  if (!parsed.ctProof) throw new TrustError('the certificate carries no transparency-log proof (it was not logged)');
  const ct = decodeCtProof(parsed.ctProof);
  if (Buffer.compare(ct.logId, issuer.caIdRaw) !== 0) {
    throw new TrustError("the certificate's transparency proof is from a log other than its issuer's");
  }
  const head: SignedTreeHead = {
    logId: ct.logId,
    treeSize: ct.treeSize,
    timestamp: ct.timestamp,
    rootHash: ct.rootHash,
    signature: ct.signature,
  };
  verifyHead(head, issuer);
  if (!verifyInclusion(leafHash(parsed.signingInput), ct.leafIndex, ct.treeSize, ct.path, ct.rootHash)) {
    throw new TrustError('the transparency-log inclusion proof does not match the certificate');
  }
  if (ctx.isRevoked(issuer.caId, parsed.serialHex)) {
    throw new TrustError(`the certificate (serial ${parsed.serialHex}) was revoked by ${issuer.name}`);
  }
  return {
    nodeId: parsed.nodeId,
    mldsaPublicKey: parsed.mldsaPublicKey,
    issuer,
    serialHex: parsed.serialHex,
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    sha256: parsed.sha256,
    cosigners: [...cosigners],
    ct,
    head,
  };
}

/** Throws unless `head` is signed by the log key of `ca` (its ML-DSA-65 key). */
export function verifyHead(head: SignedTreeHead, ca: TrustedCa): void {
  if (Buffer.compare(head.logId, ca.caIdRaw) !== 0) throw new TrustError(`a tree head is not from ${ca.name}'s log`);
  const input = sthSigningInput(head);
  const key = `${ca.caId}:${sha256(input)}:${sha256(head.signature)}`;
  if (checkedHeads.has(key)) return;
  if (!verifyNow('ml-dsa-65', head.signature, input, ca.mldsaPublicKey)) {
    throw new TrustError(`a tree head of ${ca.name}'s transparency log has an invalid signature`);
  }
  if (checkedHeads.size > 10_000) checkedHeads.clear();
  checkedHeads.add(key);
}
