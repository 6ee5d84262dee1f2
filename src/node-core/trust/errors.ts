import { ErrorCode, HyperMeshError } from '../../shared/errors';

/** A certificate, proof, signature or trust document that does not hold; the message says which check failed. */
export class TrustError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.Trust, message);
  }
}

/**
 * A log (CA) signed two tree heads that cannot both be true: same size with different roots, or no valid
 * consistency proof between them. Carries both heads as evidence.
 */
export class SplitViewError extends HyperMeshError {
  constructor(
    message: string,
    readonly evidence: readonly unknown[],
  ) {
    super(ErrorCode.SplitView, message);
  }
}

/** The CA would not register a name for this node: a per-node limit (NAME_LIMIT) or the rate limit (NAME_RATE_LIMITED). */
export class NameRefusedError extends HyperMeshError {
  constructor(code: typeof ErrorCode.NameLimit | typeof ErrorCode.NameRateLimited, message: string) {
    super(code, message);
  }
}

export function isNameRefusalCode(
  code: unknown,
): code is typeof ErrorCode.NameLimit | typeof ErrorCode.NameRateLimited {
  return code === ErrorCode.NameLimit || code === ErrorCode.NameRateLimited;
}
