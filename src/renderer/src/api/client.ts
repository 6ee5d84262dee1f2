import type { ApiResult, NodeApi, NodeApiMethod } from '../../../shared/api/contract';
import { ErrorCode, HyperMeshError, RemoteError } from '../../../shared/errors';
import type { ApiTransport } from './transport';

/** The typed NodeApi over a transport: failed replies become RemoteError with the node's code and message. */
export function createApiClient(transport: ApiTransport): NodeApi {
  const call = async <M extends NodeApiMethod>(method: M, args: readonly unknown[]): Promise<ApiResult<M>> => {
    let reply;
    try {
      reply = await transport.call(method, args);
    } catch (err) {
      throw new HyperMeshError(ErrorCode.NodeNotRunning, `cannot reach the node: ${(err as Error).message}`);
    }
    if (!reply.ok) throw new RemoteError(reply.error);
    return reply.value as ApiResult<M>;
  };
  return {
    getStatus: () => call('getStatus', []),
    getSettings: () => call('getSettings', []),
    updateSettings: (patch) => call('updateSettings', [patch]),
    getHardware: () => call('getHardware', []),
    getUsage: () => call('getUsage', []),
    pauseSharing: (request) => call('pauseSharing', [request]),
    resumeSharing: () => call('resumeSharing', []),
    getLogs: (query) => call('getLogs', [query]),
    getNetworkStats: () => call('getNetworkStats', []),
    getTrustStatus: () => call('getTrustStatus', []),
    getAssets: () => call('getAssets', []),
    connectPeer: (address) => call('connectPeer', [address]),
    resolveName: (name) => call('resolveName', [name]),
    registerName: (name) => call('registerName', [name]),
    releaseName: (name) => call('releaseName', [name]),
    revokeCertificate: (serial, reason) => call('revokeCertificate', [serial, reason]),
    federationMember: () => call('federationMember', []),
    signFederation: (document) => call('signFederation', [document]),
    adoptFederation: (document) => call('adoptFederation', [document]),
    getMeshStatus: () => call('getMeshStatus', []),
    searchAssets: (query) => call('searchAssets', [query]),
    allocateRemote: (request) => call('allocateRemote', [request]),
    getRemoteAllocations: () => call('getRemoteAllocations', []),
    getWallet: () => call('getWallet', []),
    getWalletHistory: (query) => call('getWalletHistory', [query]),
    getEarnings: (days) => call('getEarnings', [days]),
    sendTokens: (request) => call('sendTokens', [request]),
    lockStake: (request) => call('lockStake', [request]),
    unlockStake: (requestId) => call('unlockStake', [requestId]),
    getProxyStatus: () => call('getProxyStatus', []),
    allocateRemoteMemory: (request) => call('allocateRemoteMemory', [request]),
    writeRemoteMemory: (address, offset, data) => call('writeRemoteMemory', [address, offset, data]),
    readRemoteMemory: (address, offset, length) => call('readRemoteMemory', [address, offset, length]),
    flushRemoteMemory: (address) => call('flushRemoteMemory', [address]),
    freeRemoteMemory: (address) => call('freeRemoteMemory', [address]),
    revokeMapping: (address) => call('revokeMapping', [address]),
    runJob: (request) => call('runJob', [request]),
    getJobs: (query) => call('getJobs', [query]),
  };
}
