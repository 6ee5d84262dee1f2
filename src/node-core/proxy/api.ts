import type { NodeApi } from '../../shared/api/contract';
import { requirePart, type ApiPartContext } from '../api/index';
import { ProxyError } from './errors';
import type { ProxyService } from './service';

export type MemoryApi = Pick<
  NodeApi,
  | 'getProxyStatus'
  | 'allocateRemoteMemory'
  | 'writeRemoteMemory'
  | 'readRemoteMemory'
  | 'flushRemoteMemory'
  | 'freeRemoteMemory'
  | 'revokeMapping'
>;

/** The memory proxy, or UNAVAILABLE while it is off. */
export function requireProxy(ctx: ApiPartContext<ProxyService>): ProxyService {
  return requirePart(
    ctx,
    () => new ProxyError('UNAVAILABLE', 'the memory proxy needs the peer transport, which is not running'),
  );
}

/** The Memory page's calls: the memory proxy's part of the NodeApi. */
export function memoryApi(ctx: ApiPartContext<ProxyService>): MemoryApi {
  const proxy = () => requireProxy(ctx);
  return {
    getProxyStatus: async () => proxy().status(),
    allocateRemoteMemory: async (request) => proxy().allocate(request, AbortSignal.timeout(120_000)),
    writeRemoteMemory: async (address, offset, data) => {
      const bytes = Buffer.from(data, 'base64');
      await proxy().pool(address).write(offset, bytes);
      return { written: bytes.length };
    },
    readRemoteMemory: async (address, offset, length) => {
      const bytes = await proxy().pool(address).read(offset, length);
      return { data: Buffer.from(bytes).toString('base64') };
    },
    flushRemoteMemory: async (address) => ({ pages: await proxy().pool(address).flush() }),
    freeRemoteMemory: async (address) => {
      await proxy().free(address);
      return { freed: true as const };
    },
    revokeMapping: async (address) => proxy().revoke(address),
  };
}
