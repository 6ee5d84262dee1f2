import { request } from 'node:http';
import type { ApiArgs, ApiReply, ApiResult, NodeApiMethod } from '../shared/api/contract';
import { invoke, type ApiCall } from '../shared/api/client';
import { ErrorCode, HyperMeshError, RemoteError } from '../shared/errors';
import { createDispatch } from './api/index';
import { createNode } from './node';
import { readRuntimeInfo } from './runtime-file';

/**
 * The loopback HTTP carrier: `POST /api/call` with the node's token (docs/architecture.md, "carriers"). It is
 * node:http, not fetch: fetch gives up on a reply whose headers take 300 s (undici's headersTimeout), and `job run`
 * waits for its job, up to the job's wall limit (an hour at most). Only `timeoutMs` bounds a call.
 */
export function httpCall(origin: string, token: string, timeoutMs: number): ApiCall {
  return (method, args) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ method, args });
      const req = request(
        `${origin}/api/call`,
        {
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiReply<unknown>);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/** What a failed call says about the node: gone (nothing listens, or something else answers), or silent. */
function noAnswer(err: unknown, method: string, timeoutMs: number): HyperMeshError | undefined {
  const cause = err instanceof Error ? (err.cause as { name?: string; code?: string } | undefined) : undefined;
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') {
    return new HyperMeshError(
      ErrorCode.NodeNoAnswer,
      `the node gave no answer to ${method} within ${Math.round(timeoutMs / 1000)} s`,
      { cause, reason: 'timeout' },
    );
  }
  if (cause?.code === 'ECONNRESET' || cause?.code === 'EPIPE') {
    return new HyperMeshError(ErrorCode.NodeNoAnswer, `the connection to the node broke during ${method}`, {
      cause,
      reason: 'connection',
    });
  }
  return undefined;
}

/**
 * One call, typed by the contract, to the node running on `dataDir`; undefined when none runs (no api.json, or the
 * file was left by a node that is gone and its port now answers nothing or something else). The node's own
 * refusals are thrown as RemoteError; a node that does not answer in time, or breaks the connection, as
 * NODE_NO_ANSWER (it is not "not running").
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
    const silent = noAnswer(err, method, timeoutMs);
    if (silent) throw silent;
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
