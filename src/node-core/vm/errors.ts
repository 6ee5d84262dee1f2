import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { JobFailureReason } from '../../shared/vm';

/** A job that could not run or did not finish; `reason` is stable (the UI and the CLI switch on it). */
export class VmError extends HyperMeshError {
  constructor(
    override readonly reason: JobFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.JobFailed, `${reason}: ${message}`, { ...options, reason });
  }
}
