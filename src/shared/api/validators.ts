import { ErrorCode, HyperMeshError, ValidationError } from '../errors';
import { describeValue } from '../validate';
import { NODE_API_ARGS, isNodeApiMethod, type NodeApiMethod } from './contract';

/** Checks a call from an untrusted caller (any UI is one) and returns its arguments typed for the method. */
export function validateCall(method: unknown, args: unknown): { method: NodeApiMethod; args: readonly unknown[] } {
  if (!isNodeApiMethod(method)) {
    throw new HyperMeshError(ErrorCode.UnknownMethod, `unknown API method ${describeValue(method)}`);
  }
  if (!Array.isArray(args)) {
    throw new ValidationError([{ path: 'args', message: `args must be a list, got ${describeValue(args)}` }]);
  }
  return { method, args: NODE_API_ARGS[method](args) };
}
