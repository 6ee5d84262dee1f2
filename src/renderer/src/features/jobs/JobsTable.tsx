import { type ReactNode } from 'react';
import { jobOutcome, type JobView } from '../../../../shared/vm';
import { JOB_KIND_TEXT, jobStatusClass, jobStatusText, PROOF_TEXT, formatLimits, formatUsage, sortJobs } from './jobs';
import { Hash, Failure } from './JobResult';
import { DataTable } from '../../components/DataTable';
import { Peer, RelativeTime } from '../../components/Display';

function JobsTable(props: { jobs: readonly JobView[]; role: JobView['role']; caption: string; now: number }) {
  const { role, now } = props;
  return (
    <DataTable
      columns={[
        'Job',
        'Started',
        'Status',
        'Kind',
        role === 'consumer' ? 'Providers' : 'Consumer',
        'Code',
        'Usage',
        'Limits',
        'Proof',
      ]}
      testId={`jobs-${role}-table`}
      caption={props.caption}
    >
      {sortJobs(props.jobs).map((job) => (
        <tr key={job.jobId} data-testid="job-row" data-job-id={job.jobId} data-status={job.status} data-role={job.role}>
          <th scope="row">
            <Hash hash={job.jobId} testId="job-id" />
          </th>
          <td className="nowrap">
            <span data-testid="job-created">
              <RelativeTime iso={job.createdAt} now={now} />
            </span>
            <br />
            <span className="note" data-testid="job-finished">
              {job.finishedAt ? (
                <>
                  finished <RelativeTime iso={job.finishedAt} now={now} />
                </>
              ) : (
                'not finished'
              )}
            </span>
          </td>
          <td>
            <span data-testid="job-status" data-outcome={jobOutcome(job)} className={`nowrap ${jobStatusClass(job)}`}>
              {jobStatusText(job)}
            </span>
            {job.failure && (
              <>
                <br />
                <Failure failure={job.failure} testId="job-failure" />
              </>
            )}
          </td>
          <td data-testid="job-kind">{JOB_KIND_TEXT[job.kind]}</td>
          <td data-testid="job-counterparty">
            {role === 'provider' ? (
              job.consumer ? (
                <Peer nodeId={job.consumer} />
              ) : (
                <span className="note">—</span>
              )
            ) : job.runs.length === 0 ? (
              <span className="note">—</span>
            ) : (
              job.runs.map((run, i) => (
                <span key={run.provider}>
                  {i > 0 && ', '}
                  <Peer nodeId={run.provider} />
                </span>
              ))
            )}
          </td>
          <td>
            <Hash hash={job.codeHash} testId="job-code-hash" />
          </td>
          <td data-testid="job-usage">{formatUsage(job.usage)}</td>
          <td data-testid="job-limits">{formatLimits(job.limits)}</td>
          <td data-testid="job-proof" data-proof={job.proof}>
            {PROOF_TEXT[job.proof]}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function JobsSection(props: {
  role: JobView['role'];
  title: string;
  intro: ReactNode;
  empty: ReactNode;
  jobs: readonly JobView[] | undefined;
  unavailable: boolean;
  now: number;
}) {
  const { role, jobs } = props;
  const titleId = `jobs-${role}-title`;
  return (
    <section className="card" aria-labelledby={titleId} data-testid={`jobs-${role}`}>
      <h2 id={titleId}>{props.title}</h2>
      <p>{props.intro}</p>
      {!jobs ? (
        props.unavailable ? (
          <p data-testid={`jobs-${role}-unavailable`}>Not known: the node could not list its jobs.</p>
        ) : (
          <p>Loading…</p>
        )
      ) : jobs.length === 0 ? (
        <p data-testid={`jobs-${role}-empty`}>{props.empty}</p>
      ) : (
        <JobsTable jobs={jobs} role={role} caption={props.title} now={props.now} />
      )}
    </section>
  );
}
