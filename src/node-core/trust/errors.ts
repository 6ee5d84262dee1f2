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
