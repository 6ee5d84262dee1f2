import type { ProvidedMappingView, ProxyStatusView, RemoteMemoryRequest, UsedPoolView } from '../../../../shared/proxy';
import type { ActionResult, NodeFailure, Slice } from '../../state/kit';
import type { AppState } from '../../store';

export interface MemoryState {
  /** The memory proxy: mappings this node provides and pools it uses, as last known (kept when a later call fails). */
  readonly proxy: ProxyStatusView | undefined;
  /** Why the last getProxyStatus failed, when the node answered with an error. */
  readonly proxyError: NodeFailure | undefined;
  readonly refreshProxy: () => Promise<void>;
  /** Allocates remote memory; resolves with the pool or the node's error (never rejects). */
  readonly allocateRemoteMemory: (request: RemoteMemoryRequest) => Promise<ActionResult<UsedPoolView>>;
  readonly flushRemoteMemory: (address: string) => Promise<ActionResult<{ readonly pages: number }>>;
  readonly freeRemoteMemory: (address: string) => Promise<ActionResult<{ readonly freed: true }>>;
  /** Revokes a mapping this node provides; resolves with the mapping as it now is, or the node's error. */
  readonly revokeMapping: (address: string) => Promise<ActionResult<ProvidedMappingView>>;
}

export const createMemorySlice: Slice<AppState, MemoryState> = ({ api, get, loadInto, act }) => {
  // After each action the proxy status is asked again, so that the page shows what it did.
  const refresh = () => get().refreshProxy();
  return {
    proxy: undefined,
    proxyError: undefined,

    // An error from the node keeps the page and the last known status; no answer: it is gone.
    refreshProxy: () => loadInto(() => api.getProxyStatus(), 'proxy', { key: 'proxyError', as: 'failure' }),

    allocateRemoteMemory: (request) => act(() => api.allocateRemoteMemory(request), refresh),
    flushRemoteMemory: (address) => act(() => api.flushRemoteMemory(address), refresh),
    freeRemoteMemory: (address) => act(() => api.freeRemoteMemory(address), refresh),
    revokeMapping: (address) => act(() => api.revokeMapping(address), refresh),
  };
};
