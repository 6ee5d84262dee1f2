import type {
  AssetSearchQuery,
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
} from '../../../../shared/mesh';
import type { ActionResult, Slice } from '../../state/kit';
import type { AppState } from '../../store';

export interface MarketplaceState {
  /** Leases this node holds on peers' assets. */
  readonly remoteAllocations: readonly RemoteAllocationView[] | undefined;
  readonly remoteAllocationsError: string | undefined;
  readonly refreshRemoteAllocations: () => Promise<void>;
  /** Looks for peers' assets on the mesh; resolves with what was found or why not (never rejects). */
  readonly searchAssets: (query: AssetSearchQuery) => Promise<ActionResult<readonly RemoteAssetView[]>>;
  /** Allocates part of a peer's asset; resolves with the lease or why it was refused (never rejects). */
  readonly allocateRemote: (request: RemoteAllocationRequest) => Promise<ActionResult<RemoteAllocationView>>;
}

export const createMarketplaceSlice: Slice<AppState, MarketplaceState> = ({ api, get, loadInto, act }) => ({
  remoteAllocations: undefined,
  remoteAllocationsError: undefined,

  refreshRemoteAllocations: () =>
    loadInto(() => api.getRemoteAllocations(), 'remoteAllocations', { key: 'remoteAllocationsError', as: 'message' }),

  searchAssets: (query) => act(() => api.searchAssets(query)),
  allocateRemote: (request) =>
    act(
      () => api.allocateRemote(request),
      () => get().refreshRemoteAllocations(),
    ),
});
