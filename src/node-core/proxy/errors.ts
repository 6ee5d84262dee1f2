import { ErrorCode, HyperMeshError } from '../../shared/errors';

/** Why a proxy access was refused; stable codes the consumer (and the UI) can switch on. */
export type ProxyFailure =
  | 'UNKNOWN_ADDRESS'
  | 'OUT_OF_BOUNDS'
  | 'PERMISSION'
  | 'FREED'
  | 'EXPIRED'
  | 'REVOKED'
  | 'NOT_YOURS'
  | 'INTEGRITY'
  | 'UNAVAILABLE';

export class ProxyError extends HyperMeshError {
  constructor(
    readonly failure: ProxyFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.ProxyRefused, `${failure}: ${message}`, options);
  }
}
