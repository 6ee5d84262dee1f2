import { ErrorCode, HyperMeshError } from '../../shared/errors';

export class MeshError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.Transport, message);
  }
}

/** An allocation over what the owner's share allows now: refused with the stable code OVER_QUOTA. */
export class OverQuotaError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.OverQuota, message);
  }
}
