import { ErrorCode, HyperMeshError } from '../../shared/errors';

/** Why an AssetId did not parse. */
export type AssetIdProblem = 'format' | 'case' | 'version' | 'kind' | 'owner' | 'hash' | 'checksum';

/** An AssetId that does not parse; `problem` says which part is wrong, the message says how. */
export class InvalidAssetIdError extends HyperMeshError {
  readonly problem: AssetIdProblem;
  constructor(problem: AssetIdProblem, message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.problem = problem;
  }
}

/**
 * Why an allocation was refused: the request exceeds what the user's cap leaves (`over-cap`, also when the cap is
 * zero), too many consumers already hold leases (`too-many-users`), the duration exceeds the longest lease
 * (`too-long`), the machine has none of the resource (`unavailable`), or the request itself is malformed
 * (`invalid-request`: negative, NaN, zero duration, empty consumer…).
 */
export type AllocationRefusal = 'over-cap' | 'too-many-users' | 'too-long' | 'unavailable' | 'invalid-request';

export class AllocationError extends HyperMeshError {
  override readonly reason: AllocationRefusal;
  constructor(reason: AllocationRefusal, message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.reason = reason;
  }
}

/** The lease does not exist: never granted, released, or expired. */
export class LeaseNotFoundError extends HyperMeshError {
  readonly leaseId: string;
  constructor(leaseId: string) {
    super(ErrorCode.NotFound, `no active lease ${JSON.stringify(leaseId)} (never granted, released or expired)`);
    this.leaseId = leaseId;
  }
}

/**
 * A shared-storage or shared-memory access refused: past the lease's quota (`lease-quota`), past the total the user
 * allows (`total-quota`), a path that leaves the lease's directory or is malformed (`bad-path`), a symlink on the
 * way (`symlink`), a file that does not exist (`not-found`), or a memory range outside the lease (`out-of-range`).
 */
export type AccessRefusal = 'lease-quota' | 'total-quota' | 'bad-path' | 'symlink' | 'not-found' | 'out-of-range';

export class AssetAccessError extends HyperMeshError {
  override readonly reason: AccessRefusal;
  constructor(reason: AccessRefusal, message: string, options?: { cause?: unknown }) {
    super(reason === 'not-found' ? ErrorCode.NotFound : ErrorCode.InvalidArgument, message, options);
    this.reason = reason;
  }
}

/** Caps that are not a percent 0–100 and positive integer limits. */
export class InvalidCapsError extends HyperMeshError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}
