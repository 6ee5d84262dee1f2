import type { ApiArgs, ApiReply, ApiResult, NodeApiMethod } from '../shared/api/contract';
import { invoke, type ApiCall } from '../shared/api/client';
import { RemoteError } from '../shared/errors';
import { createDispatch } from './api/index';
import { createNode } from './node';
import { readRuntimeInfo } from './runtime-file';

/** The loopback HTTP carrier: `POST /api/call` with the node's token (docs/architecture.md, "carriers"). */
export function httpCall(origin: string, token: string, timeoutMs: number): ApiCall {
  return async (method, args) => {
    const res = await fetch(`${origin}/api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, args }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return (await res.json()) as ApiReply<unknown>;
  };
}

/**
 * One call, typed by the contract, to the node running on `dataDir`; undefined when none runs (no api.json, or the
 * file was left by a node that is gone and its port now answers nothing or something else). The node's own
 * refusals are thrown as RemoteError.
 */
export async function callRunningNode<M extends NodeApiMethod>(
  dataDir: string,
  method: M,
  args: ApiArgs<M>,
  timeoutMs = 10_000,
): Promise<ApiResult<M> | undefined> {
  const info = readRuntimeInfo(dataDir);
  if (!info) return undefined;
  try {
    return await invoke(httpCall(info.origin, info.token, timeoutMs), method, args);
  } catch (err) {
    if (err instanceof RemoteError) throw err;
    return undefined;
  }
}

/** Runs one call against the running node if there is one, else against the stored state directly. */
export async function withNodeApi<M extends 'getSettings' | 'updateSettings' | 'pauseSharing' | 'resumeSharing'>(
  dataDir: string,
  method: M,
  args: ApiArgs<M>,
): Promise<ApiResult<M>> {
  const remote = await callRunningNode(dataDir, method, args);
  if (remote !== undefined) return remote;
  const node = createNode({ dataDir });
  await node.start();
  try {
    return await invoke(createDispatch(node.api, node.log), method, args);
  } finally {
    await node.stop();
  }
}
