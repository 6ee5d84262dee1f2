import { ErrorCode, HyperMeshError } from '../../shared/errors';

import type { ProxyFailure } from '../../shared/proxy';

export type { ProxyFailure };

export class ProxyError extends HyperMeshError {
  constructor(
    readonly failure: ProxyFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.ProxyRefused, `${failure}: ${message}`, { ...options, reason: failure });
  }
}
