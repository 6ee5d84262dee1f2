import { ErrorCode } from '../../shared/errors';
import type { JobFailureReason } from '../../shared/vm';
import { reasonedError } from '../errors';

/** A job that could not run or did not finish; `reason` is stable (the UI and the CLI switch on it). */
export class VmError extends reasonedError<JobFailureReason>(ErrorCode.JobFailed) {}
