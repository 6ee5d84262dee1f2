import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import {
  PeerVerificationError,
  createSelfSignedVerifier,
  type PeerIdentity,
  type PeerVerifier,
} from '../transport/index';
import { canonicalSerial, parseNodeCertificate } from './certificates';
import type { SignedTreeHead } from './ct-log';
import { federationSigningInput, type TrustedCa, type TrustedFederation } from './federation';
import { verifyNodeCertificate, type VerifiedNodeCertificate } from './verify-node';

/**
 * Chains that passed the full check, shared by every verifier in the process (a test or benchmark runs many nodes in
 * one): the check is a pure function of the chain, the federation and the distrusted CAs, which make up the key.
 * Validity times and revocation are what change, and each verifier checks them on every use.
 */
const verifiedChains = new Map<string, VerifiedNodeCertificate>();
const MAX_VERIFIED_CHAINS = 20_000;

/** What STOQ knows of a peer whose TrustChain certificate passed every check. */
export function trustChainIdentity(v: VerifiedNodeCertificate): PeerIdentity {
  return {
    nodeId: v.nodeId,
    certificateSha256: v.sha256,
    notAfter: v.notAfter,
    kind: 'trustchain',
    caId: v.issuer.caId,
    serialHex: v.serialHex,
  };
}

/**
 * STOQ's peer verifier once TrustChain is in play. A CA-issued chain is checked in full against the trusted
 * federation (forged, expired, revoked and unlogged certificates are refused). A self-signed node certificate is
 * still accepted as proof of the peer's own keys, marked `self-signed`: the router decides what such a peer may
 * call. Before this node trusts any CA, a CA-issued chain is marked `unanchored` and checked later (bootstrap).
 */
export class TrustChainVerifier implements PeerVerifier {
  private fed: TrustedFederation | null = null;
  private readonly revoked = new Map<string, ReadonlySet<string>>();
  readonly distrusted = new Set<string>();
  /** Every verified tree head seen in a peer's certificate, for the auditor. */
  onHead: ((head: SignedTreeHead, ca: TrustedCa) => void) | undefined;
  private readonly selfSigned;
  /** Identifies the trusted federation in the shared cache's keys. */
  private federationKey = '';

  constructor(private readonly now: () => number = Date.now) {
    this.selfSigned = createSelfSignedVerifier({ now: () => new Date(this.now()) });
  }

  get federation(): TrustedFederation | null {
    return this.fed;
  }

  setFederation(federation: TrustedFederation | null): void {
    this.fed = federation;
    this.federationKey = federation
      ? createHash('sha256')
          .update(federationSigningInput(federation.document))
          .update(JSON.stringify([...federation.members.values()].map((m) => [m.caId, sha256Hex(m.rootDer)])))
          .digest('hex')
      : '';
  }

  setRevoked(caId: string, serials: ReadonlySet<string>): void {
    this.revoked.set(caId, serials);
  }

  isRevoked(caId: string, serialHex: string): boolean {
    return this.revoked.get(caId)?.has(canonicalSerial(serialHex)) ?? false;
  }

  /**
   * Full TrustChain check of a chain (leaf first); throws TrustError. Cached per certificate, not per decision.
   * `at` checks validity at another time than now (a ledger block is checked at its own time).
   */
  verifyChain(chain: readonly Uint8Array[], at?: number): VerifiedNodeCertificate {
    const fed = this.fed;
    if (!fed) throw new PeerVerificationError('this node trusts no certificate authority yet');
    const leaf = chain[0];
    if (!leaf) throw new PeerVerificationError('the peer presented no certificate');
    const key = [
      this.federationKey,
      [...this.distrusted].sort().join(','),
      createHash('sha256')
        .update(leaf)
        .update(chain[1] ?? new Uint8Array())
        .digest('hex'),
    ].join('|');
    const cached = verifiedChains.get(key);
    const now = at ?? this.now();
    if (cached) {
      const r = cached;
      if (now < r.notBefore.getTime() || now > r.notAfter.getTime())
        throw new PeerVerificationError(`the certificate is not valid now (valid until ${r.notAfter.toISOString()})`);
      if (this.isRevoked(r.issuer.caId, r.serialHex))
        throw new PeerVerificationError(`the certificate (serial ${r.serialHex}) was revoked by ${r.issuer.name}`);
      return r;
    }
    const result = verifyNodeCertificate(chain, {
      federation: fed,
      now: new Date(now),
      isRevoked: (caId, serial) => this.isRevoked(caId, serial),
      distrusted: this.distrusted,
    });
    if (verifiedChains.size >= MAX_VERIFIED_CHAINS) verifiedChains.clear();
    verifiedChains.set(key, result);
    return result;
  }

  verifyPresented(chain: readonly Uint8Array[], handshakeLeaf: Uint8Array, current: PeerIdentity): PeerIdentity {
    // Before this node trusts any CA it cannot check a chain: the peer stays what its own keys proved.
    if (!this.fed) return current;
    let v: VerifiedNodeCertificate;
    try {
      v = this.verifyChain(chain);
    } catch (err) {
      throw err instanceof PeerVerificationError ? err : new PeerVerificationError((err as Error).message);
    }
    const spki = (der: Uint8Array) => new NodeX509(der).publicKey.export({ type: 'spki', format: 'der' });
    if (!spki(chain[0] as Uint8Array).equals(spki(handshakeLeaf)))
      throw new PeerVerificationError(
        'the presented certificate is for a key other than the one the peer connected with',
      );
    if (v.nodeId !== current.nodeId)
      throw new PeerVerificationError(
        `the presented certificate is for ${v.nodeId}, not the connected ${current.nodeId}`,
      );
    this.onHead?.(v.head, v.issuer);
    return trustChainIdentity(v);
  }

  verify(chain: readonly Uint8Array[], expectedNodeId?: string): PeerIdentity {
    const leaf = chain[0];
    if (!leaf) throw new PeerVerificationError('the peer presented no certificate');
    let cert: NodeX509;
    try {
      cert = new NodeX509(leaf);
    } catch {
      throw new PeerVerificationError('the peer certificate is not valid X.509');
    }
    if (cert.issuer === cert.subject) return { ...this.selfSigned.verify(chain, expectedNodeId), kind: 'self-signed' };
    const sha = createHash('sha256').update(leaf).digest('hex');
    let identity: PeerIdentity;
    if (!this.fed) {
      let parsed;
      try {
        parsed = parseNodeCertificate(leaf);
      } catch (err) {
        throw new PeerVerificationError((err as Error).message);
      }
      identity = {
        nodeId: parsed.nodeId,
        certificateSha256: sha,
        notAfter: parsed.notAfter,
        kind: 'unanchored',
        chain,
      };
    } else {
      let v: VerifiedNodeCertificate;
      try {
        v = this.verifyChain(chain);
      } catch (err) {
        throw err instanceof PeerVerificationError ? err : new PeerVerificationError((err as Error).message);
      }
      this.onHead?.(v.head, v.issuer);
      identity = trustChainIdentity(v);
    }
    if (expectedNodeId !== undefined && identity.nodeId !== expectedNodeId) {
      throw new PeerVerificationError(
        `the peer's certificate is for NodeId ${identity.nodeId}, not the ${expectedNodeId} that was dialed`,
      );
    }
    return identity;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
