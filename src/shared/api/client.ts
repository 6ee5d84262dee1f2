import { ErrorCode, HyperMeshError, RemoteError } from '../errors';
import {
  NODE_API_METHODS,
  type ApiArgs,
  type ApiReply,
  type ApiResult,
  type NodeApi,
  type NodeApiMethod,
} from './contract';

/** One carrier's call: Electron IPC through the preload, loopback HTTP with the token, or dispatch in-process. */
export type ApiCall = (method: NodeApiMethod, args: readonly unknown[]) => Promise<ApiReply<unknown>>;

/**
 * Calls one method over a carrier, typed by the contract. A failed reply becomes a RemoteError carrying the node's
 * code and reason; a carrier that cannot reach the node becomes NODE_NOT_RUNNING (not a RemoteError).
 */
export async function invoke<M extends NodeApiMethod>(
  call: ApiCall,
  method: M,
  args: ApiArgs<M>,
): Promise<ApiResult<M>> {
  let reply: ApiReply<unknown>;
  try {
    reply = await call(method, args);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new HyperMeshError(ErrorCode.NodeNotRunning, `cannot reach the node: ${why}`, { cause: err });
  }
  if (!reply.ok) throw new RemoteError(reply.error);
  // The node validated the arguments and answers with the method's result type (the contract's promise).
  return reply.value as ApiResult<M>;
}

/**
 * The whole NodeApi over a carrier, built from NODE_API_METHODS: a method added to the contract is on every client
 * (UI, CLI, tests) without another edit.
 */
export function createNodeApiClient(call: ApiCall): NodeApi {
  const client: Partial<Record<NodeApiMethod, (...args: never[]) => Promise<unknown>>> = {};
  for (const method of NODE_API_METHODS) {
    client[method] = (...args: never[]) => invoke(call, method, args as ApiArgs<typeof method>);
  }
  // Every method is present (the loop above runs over the list the contract checks against NodeApi).
  return client as NodeApi;
}
