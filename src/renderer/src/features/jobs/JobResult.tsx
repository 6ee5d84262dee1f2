import { RowsTable } from '../../components/DataTable';
import { formatBytes } from '../../../../shared/privacy';
import { jobOutcome, type JobResultView, type JobRunView, type JobView } from '../../../../shared/vm';
import {
  FAILURE_REASON_TEXT,
  HEX_PREVIEW_BYTES,
  JOB_STATUS_TEXT,
  jobStatusClass,
  jobStatusText,
  PROOF_TEXT,
  runStatusText,
  agreedText,
  base64ToBytes,
  decodeOutput,
  formatLimits,
  formatMs,
  formatUsage,
  jobErrorTitle,
  shortHash,
} from './jobs';
import { formatCaesar } from '../wallet/wallet';
import { type NodeFailure } from '../../store';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import { Peer } from '../../components/Display';

export function Hash(props: { hash: string | null; testId?: string }) {
  return (
    <span className="mono nowrap" title={props.hash ?? undefined} data-testid={props.testId}>
      {shortHash(props.hash)}
    </span>
  );
}

export function Failure(props: { failure: JobView['failure']; testId: string }) {
  const { failure } = props;
  if (!failure) return null;
  return (
    <span className="bad" data-testid={props.testId} data-reason={failure.reason} title={failure.message}>
      {FAILURE_REASON_TEXT[failure.reason]}
    </span>
  );
}

/** An error from the node: what it means, its message and its code (for support and scripts). */
export function JobError(props: { failure: NodeFailure; source: 'run' | 'list'; prefix?: string }) {
  return (
    <NodeFailureAlert
      failure={props.failure}
      title={jobErrorTitle(props.failure)}
      testId="job-error"
      prefix={props.prefix}
      data={{ source: props.source }}
    />
  );
}

/** The accepted output: its text, or a hex preview when it is not printable text; and a button to save it all. */
function JobOutput(props: { jobId: string; output: string | null }) {
  const decoded = decodeOutput(props.output);
  const save = () => {
    const bytes = props.output === null ? null : base64ToBytes(props.output);
    if (!bytes) return;
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `job-${props.jobId.slice(0, 16)}.out`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  if (decoded.format === 'none') {
    return (
      <p data-testid="job-output" data-format="none" className="note">
        No output was accepted.
      </p>
    );
  }
  return (
    <>
      <p className="note" id="job-output-about">
        {decoded.bytes === 0
          ? 'The job wrote nothing.'
          : decoded.format === 'text'
            ? `${formatBytes(decoded.bytes)} of text${decoded.truncated ? ' (the beginning is shown)' : ''}.`
            : `${formatBytes(decoded.bytes)} of binary output${
                decoded.truncated ? `: the first ${HEX_PREVIEW_BYTES} bytes in hex` : ', in hex'
              }.`}
      </p>
      <pre
        className="job-output"
        data-testid="job-output"
        data-format={decoded.format}
        aria-describedby="job-output-about"
        tabIndex={0}
      >
        {decoded.format === 'text' ? decoded.text : decoded.hex}
      </pre>
      {decoded.bytes > 0 && (
        <div className="form-actions">
          <button type="button" data-testid="job-output-save" onClick={save}>
            Save output…
          </button>
        </div>
      )}
    </>
  );
}

function RunsTable(props: { runs: readonly JobRunView[] }) {
  return (
    <RowsTable
      columns={['Provider', 'Status', 'Output hash', 'Agreed', 'Proof', 'Paid', 'Usage', 'Why it failed']}
      testId="job-runs"
      caption="Runs by provider"
      rows={props.runs}
      row={(run) => <RunRow key={run.provider} run={run} />}
      empty={
        <p className="note" data-testid="job-runs-empty">
          No provider ran it.
        </p>
      }
    />
  );
}

/** One provider's run of the job: its status, output, agreement, proof, pay and usage. */
function RunRow(props: { run: JobRunView }) {
  const { run } = props;
  return (
    <tr
      data-testid="job-run-row"
      data-provider={run.provider}
      data-status={run.status}
      data-agreed={run.agreed === null ? '' : String(run.agreed)}
      data-proof={run.proof}
    >
      <th scope="row" data-testid="run-provider">
        <Peer nodeId={run.provider} />
      </th>
      <td
        data-testid="run-status"
        className={run.status === 'completed' && (run.exitCode ?? 0) === 0 ? 'good nowrap' : 'bad nowrap'}
      >
        {runStatusText(run)}
      </td>
      <td>
        <Hash hash={run.outputHash} testId="run-output-hash" />
      </td>
      <td data-testid="run-agreed">{agreedText(run.agreed)}</td>
      <td data-testid="run-proof" className={run.proof === 'verified' ? 'good' : run.proof === 'invalid' ? 'bad' : ''}>
        {PROOF_TEXT[run.proof]}
      </td>
      <td data-testid="run-paid" className="nowrap">
        {formatCaesar(run.paid)}
      </td>
      <td data-testid="run-usage">{formatUsage(run.usage)}</td>
      <td>
        {run.failure ? (
          <>
            <Failure failure={run.failure} testId="run-failure" />
            <br />
            <span className="note">{run.failure.message}</span>
          </>
        ) : (
          <span className="note">—</span>
        )}
      </td>
    </tr>
  );
}

/** The last job run from this page: its status, its accepted output and each provider's run of it. */
export function JobResult(props: { result: JobResultView }) {
  const { job, output } = props.result;
  return (
    <article
      className="job-result"
      aria-labelledby="job-result-title"
      data-testid="job-result"
      data-job-id={job.jobId}
      data-status={job.status}
    >
      <h3 id="job-result-title">Last job</h3>
      <dl>
        <dt>Status</dt>
        <dd data-testid="job-result-status" data-outcome={jobOutcome(job)} className={jobStatusClass(job)}>
          {jobStatusText(job)}
        </dd>
        {job.failure && (
          <>
            <dt>Why</dt>
            <dd>
              <Failure failure={job.failure} testId="job-result-failure" />: {job.failure.message}
            </dd>
          </>
        )}
        <dt>Exit code</dt>
        <dd data-testid="job-result-exit">{job.exitCode ?? '—'}</dd>
        <dt>Output hash</dt>
        <dd>
          <Hash hash={job.outputHash} testId="job-result-output-hash" />
        </dd>
        <dt>Proof</dt>
        <dd data-testid="job-result-proof">{PROOF_TEXT[job.proof]}</dd>
        <dt>Usage</dt>
        <dd data-testid="job-result-usage">{formatUsage(job.usage)}</dd>
        <dt>Limits</dt>
        <dd>{formatLimits(job.limits)}</dd>
        <dt>Job</dt>
        <dd className="mono">{job.jobId}</dd>
      </dl>
      <h4>Output</h4>
      <JobOutput jobId={job.jobId} output={output} />
      <h4>Runs by provider (redundancy {job.redundancy})</h4>
      <RunsTable runs={job.runs} />
    </article>
  );
}

/** What the status line says once a job came back. */
export function resultSummary(result: JobResultView): string {
  const { job } = result;
  if (jobOutcome(job) === 'exited') return `${jobStatusText(job)}: the program reported a failure.`;
  if (job.status === 'completed') return `✓ The job completed in ${formatMs(job.usage.wallMs)}.`;
  if (job.failure) return `${JOB_STATUS_TEXT[job.status]}: ${FAILURE_REASON_TEXT[job.failure.reason]}.`;
  return `${JOB_STATUS_TEXT[job.status]}.`;
}
