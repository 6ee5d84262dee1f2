import type { LogQuery, NodeApi, NodeStatus } from '../shared/api/contract';
import type { HardwareInfo } from '../shared/hardware';
import type { NetworkStats } from '../shared/network';
import type { Settings, SettingsPatch } from '../shared/settings';
import type { AssetRegistry } from './assets/index';
import type { NodeSharing } from './governor/index';
import type { HardwareProbe } from './hardware/index';
import type { LogBook } from './logging/index';
import { resolveServiceAddress, TransportError, type Transport } from './transport/index';

/** The calls the node answers itself; the subsystems answer theirs (each folder's api.ts). */
export type NodeOwnApi = Pick<
  NodeApi,
  | 'getStatus'
  | 'getSettings'
  | 'updateSettings'
  | 'getHardware'
  | 'getUsage'
  | 'pauseSharing'
  | 'resumeSharing'
  | 'getNetworkStats'
  | 'getAssets'
  | 'connectPeer'
  | 'getLogs'
>;

/** What those calls read of the node: its state as it is at the moment of each call. */
export interface NodeOwnParts {
  ensureRunning(): void;
  status(): NodeStatus;
  settings(): Settings;
  updateSettings(patch: SettingsPatch): Settings;
  readHardware(): Promise<HardwareInfo>;
  readonly hardware: HardwareProbe;
  readonly logBook: LogBook;
  sharing(): NodeSharing | undefined;
  requireSharing(): NodeSharing;
  transport(): Transport | undefined;
  assets(): AssetRegistry | undefined;
}

/** How long a peer has to answer connectPeer's dial. */
const CONNECT_TIMEOUT_MS = 15_000;

// async throughout, so that every failure, even a synchronous one, reaches the caller as a rejection.
export function nodeOwnApi(node: NodeOwnParts): NodeOwnApi {
  return {
    getStatus: async () => node.status(),
    getSettings: async () => node.settings(),
    updateSettings: async (patch) => node.updateSettings(patch),
    getHardware: async () => node.readHardware(),
    getUsage: async () => {
      node.ensureRunning();
      const usage = await node.hardware.usage();
      const sharing = node.sharing();
      return sharing ? { ...usage, sharing: sharing.view() } : usage;
    },
    pauseSharing: async (request) => node.requireSharing().pause(request),
    resumeSharing: async () => node.requireSharing().resume(),
    getNetworkStats: async () => {
      node.ensureRunning();
      return node.transport()?.stats() ?? idleNetworkStats();
    },
    getAssets: async () => {
      node.ensureRunning();
      return node.assets()?.views() ?? [];
    },
    connectPeer: async (address: string) => {
      node.ensureRunning();
      const transport = node.transport();
      if (!transport) throw new TransportError('the peer transport is not running');
      const target = await resolveServiceAddress(address, { ipv4: node.settings().network.ipv4 });
      const link = await transport.dial(target, undefined, AbortSignal.timeout(CONNECT_TIMEOUT_MS));
      return { nodeId: link.peer.nodeId, identity: link.peer.kind ?? 'self-signed' };
    },
    getLogs: async (query: LogQuery) => {
      node.ensureRunning();
      return node.logBook.query(query);
    },
  };
}

/** The network as a node without a peer transport sees it: nothing listening, nothing moving. */
function idleNetworkStats(): NetworkStats {
  return {
    listening: null,
    udpPath: null,
    pinnedTier: null,
    bandwidthCapBitsPerSec: null,
    totals: { bytesSent: 0, bytesReceived: 0, sendBitsPerSec: 0, receiveBitsPerSec: 0, connections: 0, openStreams: 0 },
    connections: [],
    sampledAt: new Date().toISOString(),
  };
}
