import type { NodeApi } from '../../../shared/api/contract';
import { createNodeApiClient } from '../../../shared/api/client';
import type { ApiTransport } from './transport';

/**
 * The typed NodeApi over a transport, generated from the contract: failed replies become RemoteError with the
 * node's code and reason, an unreachable node NODE_NOT_RUNNING.
 */
export function createApiClient(transport: ApiTransport): NodeApi {
  return createNodeApiClient((method, args) => transport.call(method, args));
}
