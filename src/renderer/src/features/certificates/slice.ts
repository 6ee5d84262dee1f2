import type { ResolvedName, TrustStatus } from '../../../../shared/trust';
import { messageOf, type Slice } from '../../state/kit';
import type { AppState } from '../../store';

/** A name looked up through the CA's signed registry, with the CA's name when the federation knows it. */
export type NameResolution =
  | { readonly verified: true; readonly record: ResolvedName; readonly caName: string | null }
  | { readonly verified: false; readonly name: string; readonly reason: string };

export interface CertificatesState {
  /** TrustChain as the node sees it, for the Certificates page. */
  readonly trust: TrustStatus | undefined;
  /** Why the last getTrustStatus failed, when the node answered with an error. */
  readonly trustError: string | undefined;
  readonly refreshTrust: () => Promise<void>;
  /** Asks the node which node a HyperMesh name belongs to, verified through TrustChain; never rejects. */
  readonly resolveName: (name: string) => Promise<NameResolution>;
}

export const createCertificatesSlice: Slice<AppState, CertificatesState> = ({ api, set, loadInto }) => ({
  trust: undefined,
  trustError: undefined,

  // The node answered but could not say (a TrustChain error): keep the page and say why. Else it is gone.
  refreshTrust: () => loadInto(() => api.getTrustStatus(), 'trust', { key: 'trustError', as: 'message' }),

  async resolveName(name) {
    const [resolved, trust] = await Promise.allSettled([api.resolveName(name), api.getTrustStatus()]);
    if (resolved.status === 'rejected') return { verified: false, name, reason: messageOf(resolved.reason) };
    const record = resolved.value;
    const members = trust.status === 'fulfilled' ? (trust.value.federation?.members ?? []) : [];
    const caName = members.find((m) => m.caId === record.caId)?.name ?? null;
    if (trust.status === 'fulfilled') set({ trust: trust.value });
    return { verified: true, record, caName };
  },
});
