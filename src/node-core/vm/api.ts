import type { NodeApi } from '../../shared/api/contract';
import { requirePart, type ApiPartContext } from '../api/index';
import { VmError } from './errors';
import type { VmService } from './service';

export type JobsApi = Pick<NodeApi, 'runJob' | 'getJobs'>;

/** The Jobs page's calls: the Catalog VM's part of the NodeApi. */
export function jobsApi(ctx: ApiPartContext<VmService>): JobsApi {
  const vm = () =>
    requirePart(ctx, () => new VmError('refused', 'the Catalog VM needs the peer transport, which is not running'));
  return {
    // The job's own wall-clock limit, plus room to find providers and agree on the result.
    runJob: async (request) =>
      vm().runJob(request, AbortSignal.timeout(((request.limits?.wallSeconds ?? 60) + 300) * 1000)),
    getJobs: async (query) => vm().jobs(query),
  };
}
