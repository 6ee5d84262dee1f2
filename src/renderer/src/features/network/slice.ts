import type { NetworkStats, PeerIdentityKind } from '../../../../shared/network';
import type { MeshStatus } from '../../../../shared/mesh';
import type { ActionResult, Slice } from '../../state/kit';
import type { AppState } from '../../store';

const HISTORY_SAMPLES = 60;

export interface TrafficSample {
  readonly at: number;
  readonly sendMbps: number;
  readonly receiveMbps: number;
}

/** Who answered a dial from the Network page. */
export interface ConnectedPeer {
  readonly nodeId: string;
  readonly identity: PeerIdentityKind;
}

export interface NetworkState {
  readonly network: NetworkStats | undefined;
  /** Recent traffic samples for the Network page chart, oldest first. */
  readonly networkHistory: readonly TrafficSample[];
  /** The mesh as the node sees it (reachability, addresses, peer book), for the Network and Marketplace pages. */
  readonly mesh: MeshStatus | undefined;
  /** Why the last getMeshStatus failed, when the node answered with an error. */
  readonly meshError: string | undefined;
  readonly refreshNetwork: () => Promise<void>;
  readonly refreshMesh: () => Promise<void>;
  /** Dials a peer by address; resolves with who answered, or why it failed (never rejects). */
  readonly connectPeer: (address: string) => Promise<ActionResult<ConnectedPeer>>;
}

export const createNetworkSlice: Slice<AppState, NetworkState> = ({ api, set, get, fetched, loadInto, act }) => ({
  network: undefined,
  networkHistory: [],
  mesh: undefined,
  meshError: undefined,

  refreshNetwork: () =>
    fetched(
      () => api.getNetworkStats(),
      (network) => {
        const sample = {
          at: Date.parse(network.sampledAt),
          sendMbps: network.totals.sendBitsPerSec / 1e6,
          receiveMbps: network.totals.receiveBitsPerSec / 1e6,
        };
        set({ network, networkHistory: [...get().networkHistory, sample].slice(-HISTORY_SAMPLES) });
      },
    ),

  // An error from the node keeps the rest of the page; no answer means it is gone.
  refreshMesh: () => loadInto(() => api.getMeshStatus(), 'mesh', { key: 'meshError', as: 'message' }),

  connectPeer: (address) =>
    act(
      () => api.connectPeer(address),
      () => get().refreshNetwork(),
    ),
});
