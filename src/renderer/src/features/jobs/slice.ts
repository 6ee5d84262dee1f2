import type { JobResultView, JobView, RunJobRequest } from '../../../../shared/vm';
import type { ActionResult, NodeFailure, Slice } from '../../state/kit';
import type { AppState } from '../../store';

/** The Jobs page's two lists: jobs this node asked peers to run, and jobs it ran for peers. */
export interface JobLists {
  readonly consumer: readonly JobView[];
  readonly provider: readonly JobView[];
}

/** How many jobs of each role the Jobs page shows. */
export const JOBS_SHOWN = 100;

export interface JobsState {
  /** Catalog VM jobs, newest first, as last known (kept when a later call fails): asked here, and run for peers. */
  readonly jobs: JobLists | undefined;
  /** Why the last getJobs failed, when the node answered with an error. */
  readonly jobsError: NodeFailure | undefined;
  readonly refreshJobs: () => Promise<void>;
  /** Runs a job on peers; resolves with its result or the node's error (never rejects), then asks the jobs again. */
  readonly runJob: (request: RunJobRequest) => Promise<ActionResult<JobResultView>>;
}

export const createJobsSlice: Slice<AppState, JobsState> = ({ api, set, get, fetched, act }) => ({
  jobs: undefined,
  jobsError: undefined,

  // An error from the node keeps the last known lists; no answer: the node is gone.
  refreshJobs: () =>
    fetched(
      async () => {
        const [consumer, provider] = await Promise.all([
          api.getJobs({ role: 'consumer', limit: JOBS_SHOWN }),
          api.getJobs({ role: 'provider', limit: JOBS_SHOWN }),
        ]);
        return { consumer, provider };
      },
      (jobs) => set({ jobs, jobsError: undefined }),
      (jobsError) => set({ jobsError }),
    ),

  async runJob(request) {
    const result = await act(
      () => api.runJob(request),
      () => get().refreshJobs(),
    );
    // A refused job may still be listed (as failed): the lists are asked again either way.
    if (!result.ok) void get().refreshJobs();
    return result;
  },
});
