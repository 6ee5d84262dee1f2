import { ErrorCode, HyperMeshError } from '../../shared/errors';

/**
 * A certificate, proof, signature or trust document that does not hold; the message says which check failed.
 * Defined here, below trust/, because the Merkle and post-quantum helpers throw it too (trust/errors re-exports it).
 */
export class TrustError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.Trust, message);
  }
}
