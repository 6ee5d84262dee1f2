import * as asnX509 from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { PqAlgorithm, parseNodeCertificate, type PqCosignature } from './certificates';
import { TrustError } from './errors';
import type { TrustedCa } from './federation';
import { verifyNow } from '../crypto';
import { b64, decodeJson, revocationSigningInput, str, type RevocationListJson } from './protocol';

/**
 * What a co-signer checks of a certificate another federation CA is issuing (docs/trust.md, "Co-signing"). Pure
 * policy: the clock and what the co-signer remembers come in.
 */
export const COSIGN_BOUNDS = {
  /** Longest node certificate another CA will co-sign (a day plus clock skew). */
  maxValidityMs: 25 * 3600_000,
  /** How far in the future a notBefore may lie (clocks of two CAs disagree a little). */
  futureSkewMs: 5 * 60_000,
  /** How far in the past a notBefore may lie: issuers backdate by a minute; more is an old or replayed request. */
  maxAgeMs: 10 * 60_000,
} as const;

export interface Precertificate {
  readonly nodeId: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The node, validity and binding of a precertificate TBS (what co-signers and auditors look at). */
export function inspectPrecertificate(signingInput: Uint8Array): Precertificate {
  let tbs: asnX509.TBSCertificate;
  try {
    tbs = AsnConvert.parse(signingInput, asnX509.TBSCertificate);
  } catch {
    throw new TrustError('the precertificate is not a TBSCertificate');
  }
  // Wrapped with an empty signature only to reuse the certificate parser (binding and NodeId checks).
  const wrapped = new asnX509.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: tbs.signature,
    signatureValue: new ArrayBuffer(0),
  });
  const parsed = parseNodeCertificate(new Uint8Array(AsnConvert.serialize(wrapped)));
  return { nodeId: parsed.nodeId, notBefore: parsed.notBefore, notAfter: parsed.notAfter };
}

/** Refuses a validity a co-signer must not vouch for: too long, starting too late or too early, already over. */
export function checkCosignValidity(p: Precertificate, now: number, bounds = COSIGN_BOUNDS): void {
  const from = p.notBefore.getTime();
  const to = p.notAfter.getTime();
  if (to <= from) throw new TrustError('co-signing refused: the certificate ends before it starts');
  if (to - from > bounds.maxValidityMs)
    throw new TrustError('co-signing refused: the certificate would be valid for more than a day');
  if (from > now + bounds.futureSkewMs)
    throw new TrustError(`co-signing refused: the certificate starts in the future (${p.notBefore.toISOString()})`);
  if (from < now - bounds.maxAgeMs)
    throw new TrustError(`co-signing refused: the certificate started too long ago (${p.notBefore.toISOString()})`);
  if (to < now) throw new TrustError('co-signing refused: the certificate has expired');
}

/** The newest revocation list a co-signer has seen from a CA, and every NodeId that CA ever listed as revoked. */
export interface SeenRevocations {
  readonly sequence: number;
  readonly nodeIds: readonly string[];
}

/**
 * Checks the requesting CA's signed revocation list (sent with the request) and returns what to remember of it:
 * the newest sequence and every NodeId it ever listed. Refused: a list not signed by that CA, and one older than a
 * list seen before (a CA cannot take a revocation back by replaying an old list). The caller refuses a subject
 * among the returned NodeIds.
 */
export function learnRevocations(
  member: TrustedCa,
  list: RevocationListJson,
  seen: SeenRevocations | undefined,
): SeenRevocations {
  if (list.caId !== member.caId) throw new TrustError('co-signing refused: the revocation list is of another CA');
  const { signature, ...unsigned } = list;
  if (
    !verifyNow('ml-dsa-65', Buffer.from(signature, 'base64'), revocationSigningInput(unsigned), member.mldsaPublicKey)
  )
    throw new TrustError('co-signing refused: the revocation list is not signed by the requesting CA');
  if (seen && list.sequence < seen.sequence) {
    throw new TrustError(
      `co-signing refused: ${member.name} sent revocation list ${list.sequence}, older than ${seen.sequence}`,
    );
  }
  const nodeIds = new Set([...(seen?.nodeIds ?? []), ...list.nodeIds]);
  return { sequence: Math.max(list.sequence, seen?.sequence ?? 0), nodeIds: [...nodeIds].sort() };
}

export function parseSeenRevocations(value: unknown): SeenRevocations | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { sequence, nodeIds } = value as Record<string, unknown>;
  if (typeof sequence !== 'number' || !Array.isArray(nodeIds)) return undefined;
  return { sequence, nodeIds: nodeIds.filter((n): n is string => typeof n === 'string') };
}

/** Parses a co-signing reply from another CA. */
export function parseCosignReply(body: Uint8Array | Record<string, unknown>): PqCosignature[] {
  const o = body instanceof Uint8Array ? decodeJson(body, 'the co-signing reply') : body;
  const list = o.cosignatures;
  if (!Array.isArray(list) || list.length > 4) throw new TrustError('the co-signing reply has no co-signatures');
  return list.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw new TrustError('a co-signature is malformed');
    const e = entry as Record<string, unknown>;
    const alg = e.alg;
    if (alg !== PqAlgorithm.MlDsa65 && alg !== PqAlgorithm.Falcon1024)
      throw new TrustError('unknown co-signature algorithm');
    const caIdHex = str(e, 'caIdRaw', 'a co-signature', 64);
    if (!/^[0-9a-f]{64}$/.test(caIdHex)) throw new TrustError('a co-signature has a malformed caId');
    return {
      caIdRaw: new Uint8Array(Buffer.from(caIdHex, 'hex')),
      algorithm: alg,
      signature: b64(e, 'signature', 'a co-signature', 20_000),
    };
  });
}
