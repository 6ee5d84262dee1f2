import type { NodeApi } from '../../shared/api/contract';
import type { MeshStatus } from '../../shared/mesh';
import type { ApiPartContext } from '../api/index';
import { MeshError, type Mesh } from './mesh';

export type MeshApi = Pick<NodeApi, 'getMeshStatus' | 'searchAssets' | 'allocateRemote' | 'getRemoteAllocations'>;

/** The Network and Marketplace pages' mesh calls: the mesh's part of the NodeApi (empty answers while it is off). */
export function meshApi(ctx: ApiPartContext<Mesh>): MeshApi {
  const mesh = () => {
    ctx.ensureRunning();
    return ctx.get();
  };
  return {
    getMeshStatus: async () => mesh()?.status() ?? offMesh('The mesh needs the peer transport, which is not running.'),
    searchAssets: async (query) => mesh()?.search(query) ?? [],
    allocateRemote: async (request) => {
      const running = mesh();
      if (!running) throw new MeshError('the mesh is not running');
      return running.allocate(request, AbortSignal.timeout(60_000));
    },
    getRemoteAllocations: async () => mesh()?.leases() ?? [],
  };
}

function offMesh(problem: string): MeshStatus {
  return {
    state: 'off',
    problem,
    peerId: null,
    reachability: 'unknown',
    addresses: [],
    peers: [],
    dhtPeers: 0,
    remoteAssets: 0,
    lastAnnouncedAt: null,
  };
}
