import { useCallback } from 'react';
import { usePolling } from '../../hooks';
import { useApp, useAppFields } from '../../store';
import { JobError } from './JobResult';
import { JobsSection } from './JobsTable';
import { RunJobSection } from './RunJobForm';

/** How often the job lists are asked again while the page is open. */
const POLL_MS = 3000;

/** The Catalog VM: run code on peers' CPU and memory, and the jobs this node ran or runs for others. */
export function JobsPage(props: { now: number }) {
  const { now } = props;
  const { jobs, jobsError, refreshJobs } = useAppFields('jobs', 'jobsError', 'refreshJobs');
  const sharesCompute = useApp((s) => (s.status ? s.status.effectiveAllocation.cpu > 0 : false));
  const refresh = useCallback(() => refreshJobs(), [refreshJobs]);
  usePolling(refresh, POLL_MS);

  return (
    <div className="page jobs">
      <h1>Jobs</h1>
      <p>
        The Catalog VM runs WebAssembly and JavaScript jobs on peers that share CPU and memory, and runs peers' jobs
        here within what you share.
      </p>
      {jobsError && (
        <JobError
          failure={jobsError}
          source="list"
          prefix={`The jobs could not be listed${jobs ? ' (showing the last known)' : ''}. `}
        />
      )}
      <RunJobSection />
      <JobsSection
        role="consumer"
        title="Jobs I ran"
        intro="Jobs this node asked peers to run, newest first."
        empty={
          <>
            <strong>No jobs yet.</strong> Run one above.
          </>
        }
        jobs={jobs?.consumer}
        unavailable={jobsError !== undefined}
        now={now}
      />
      <JobsSection
        role="provider"
        title="Jobs run for others"
        intro="Jobs peers sent to this node, run on the CPU and memory it shares, newest first."
        empty={
          <>
            <strong>No jobs yet.</strong>{' '}
            {sharesCompute ? (
              'This node shares CPU now; no peer has sent it a job yet.'
            ) : (
              <>
                Peers can send jobs once this node shares CPU and memory on the <a href="#/sharing">Sharing</a> page.
              </>
            )}
          </>
        }
        jobs={jobs?.provider}
        unavailable={jobsError !== undefined}
        now={now}
      />
    </div>
  );
}
