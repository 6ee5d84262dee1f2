import { X509Certificate } from 'node:crypto';
import type { TrustSettings } from '../../shared/settings';
import type { TrustStatus } from '../../shared/trust';
import type { CaService } from './ca-service';
import { canonicalSerial } from './certificates';
import type { TrustedFederation } from './federation';
import type { VerifiedNodeCertificate } from './verify-node';

function describe(cert: Uint8Array) {
  const c = new X509Certificate(cert);
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: canonicalSerial(c.serialNumber),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    sha256: c.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

export interface TrustStatusInput {
  readonly trust: TrustSettings;
  readonly federation: TrustedFederation | null;
  readonly current: {
    readonly chain: readonly Uint8Array[];
    readonly verified: VerifiedNodeCertificate;
    readonly renewsAt: number;
  } | null;
  readonly authority: CaService | null;
  readonly revoked: boolean;
  readonly splitView: string | null;
  readonly problem: string | null;
  readonly lastRefreshAt: number | null;
  readonly revocationSequence: number | null;
  readonly now: number;
}

/** The TrustClient's state as the API shows it (the Trust page, `hypermesh status`). */
export function trustStatus(input: TrustStatusInput): TrustStatus {
  const { trust, authority, splitView } = input;
  const fed = input.federation;
  const cur = input.current;
  const valid = cur !== null && input.now < cur.verified.notAfter.getTime();
  const state: TrustStatus['state'] =
    splitView !== null
      ? 'distrusted'
      : input.revoked
        ? 'revoked'
        : valid
          ? 'certified'
          : trust.caAddress === '' && !authority
            ? 'off'
            : 'self-signed';
  return {
    state,
    caAddress: authority ? 'this node' : trust.caAddress,
    problem: splitView ?? input.problem,
    certificate: cur
      ? {
          chain: [...cur.chain, cur.verified.issuer.rootDer].map(describe),
          issuerCaId: cur.verified.issuer.caId,
          issuerName: cur.verified.issuer.name,
          renewsAt: new Date(cur.renewsAt).toISOString(),
          cosigners: cur.verified.cosigners.map((id) => fed?.members.get(id)?.name ?? id),
          transparency: {
            leafIndex: cur.verified.ct.leafIndex,
            treeSize: cur.verified.ct.treeSize,
            headTimestamp: new Date(cur.verified.ct.timestamp).toISOString(),
            inclusionVerified: true,
          },
        }
      : null,
    federation: fed
      ? {
          epoch: fed.epoch,
          threshold: fed.threshold,
          members: [...fed.members.values()].map((m) => ({
            caId: m.caId,
            name: m.name,
            address: m.address,
            issuedOurCertificate: cur?.verified.issuer.caId === m.caId,
          })),
        }
      : null,
    authority: authority ? { caId: authority.caId, name: authority.ca.name, ...authority.stats() } : null,
    lastRefreshAt: input.lastRefreshAt === null ? null : new Date(input.lastRefreshAt).toISOString(),
    revocationListSequence: cur ? input.revocationSequence : null,
  };
}
