import type { NodeApi } from '../../shared/api/contract';
import { requirePart, type ApiPartContext } from '../api/index';
import { LedgerUnavailableError } from '../ledger/index';
import { activityItems, receiptTrail } from './assemble';
import type { ActivitySources } from './sources';

export type ActivityApi = Pick<NodeApi, 'getActivity' | 'getReceiptTrail' | 'getReconciliation'>;

/** The Activity page's calls (read-only): assembled from the vm, mesh, proxy and ledger subsystems. */
export function activityApi(ctx: ApiPartContext<ActivitySources>, now: () => number = Date.now): ActivityApi {
  const sources = () => requirePart(ctx, () => new Error('unreachable: the node is its own source'));
  return {
    getActivity: async (query) => activityItems(sources(), query, now()),
    getReceiptTrail: async (id) => receiptTrail(sources(), id),
    getReconciliation: async () => {
      const ledger = sources().ledger;
      if (!ledger)
        throw new LedgerUnavailableError(
          'The Caesar ledger needs the peer transport and TrustChain, which are not running.',
        );
      return ledger.reconciliation();
    },
  };
}
