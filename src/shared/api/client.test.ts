import { describe, expect, it } from 'vitest';
import { ErrorCode, HyperMeshError, RemoteError } from '../errors';
import { createNodeApiClient, invoke, type ApiCall } from './client';
import { NODE_API_METHODS, type ApiReply } from './contract';

describe('the client built from the contract', () => {
  it('has every method of NODE_API_METHODS and sends each under its own name with its arguments', async () => {
    const seen: [string, readonly unknown[]][] = [];
    const call: ApiCall = async (method, args) => {
      seen.push([method, args]);
      return { ok: true, value: method };
    };
    const client = createNodeApiClient(call);
    expect(Object.keys(client).sort()).toEqual([...NODE_API_METHODS].sort());
    for (const method of NODE_API_METHODS) {
      const fn = Reflect.get(client, method) as (...args: unknown[]) => Promise<unknown>;
      await expect(fn('a', 2)).resolves.toBe(method);
    }
    expect(seen).toHaveLength(NODE_API_METHODS.length);
    expect(seen[0]).toEqual([NODE_API_METHODS[0], ['a', 2]]);
    const sent = await createNodeApiClient(call).writeRemoteMemory('fd48:4d00:0:0:0:0:0:1', 4096, 'AAAA');
    expect(sent).toBe('writeRemoteMemory');
    expect(seen.at(-1)).toEqual(['writeRemoteMemory', ['fd48:4d00:0:0:0:0:0:1', 4096, 'AAAA']]);
  });

  it('turns a refusal into a RemoteError with the code and reason as data', async () => {
    const reply: ApiReply<unknown> = {
      ok: false,
      error: { code: ErrorCode.InvalidArgument, message: 'no', reason: 'because' },
    };
    const err: unknown = await invoke(async () => reply, 'getStatus', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).code).toBe(ErrorCode.InvalidArgument);
    expect((err as RemoteError).reason).toBe('because');
  });

  it('says NODE_NOT_RUNNING (not a RemoteError) when the carrier cannot reach the node', async () => {
    const call: ApiCall = () => Promise.reject(new Error('connection refused'));
    const err: unknown = await createNodeApiClient(call)
      .getWallet()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HyperMeshError);
    expect(err).not.toBeInstanceOf(RemoteError);
    expect((err as HyperMeshError).code).toBe(ErrorCode.NodeNotRunning);
    expect((err as Error).message).toContain('connection refused');
  });
});
