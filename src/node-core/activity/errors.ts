import { ErrorCode, HyperMeshError } from '../../shared/errors';

/** getReceiptTrail for a job or lease this node does not know. */
export class ActivityNotFoundError extends HyperMeshError {
  constructor(id: string) {
    super(ErrorCode.ActivityNotFound, `no job or lease ${id} is known to this node`);
  }
}
