import type { ApiReply, NodeApi } from '../../shared/api/contract';
import { validateCall } from '../../shared/api/validators';
import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { Logger } from '../logging/index';

export type Dispatch = (method: unknown, args: unknown) => Promise<ApiReply<unknown>>;

/**
 * The single entry point for every carrier (Electron IPC, loopback HTTP): validates the call, runs it, and wraps
 * the outcome in an envelope, since thrown errors do not survive IPC intact.
 */
export function createDispatch(api: NodeApi, log: Logger): Dispatch {
  return async (method, args) => {
    try {
      const call = validateCall(method, args);
      const fn = api[call.method].bind(api) as (...a: unknown[]) => Promise<unknown>;
      const value = await fn(...call.args);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof HyperMeshError) return { ok: false, error: err.toBody() };
      log.error(`API ${String(method)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error; see the node log' } };
    }
  };
}
