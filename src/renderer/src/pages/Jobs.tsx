import { Fragment, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { formatBytes } from '../../../shared/privacy';
import {
  JOB_LIMITS,
  jobOutcome,
  type JobKind,
  type JobResultView,
  type JobRunView,
  type JobView,
} from '../../../shared/vm';
import { formatRelative, formatTime, shortNodeId } from '../format';
import { usePolling } from '../hooks';
import {
  DEFAULT_RUN_JOB_FORM,
  FAILURE_REASON_TEXT,
  HEX_PREVIEW_BYTES,
  JOB_KIND_TEXT,
  JOB_STATUS_TEXT,
  jobStatusClass,
  jobStatusText,
  PROOF_TEXT,
  RUN_JOB_FIELDS,
  runStatusText,
  agreedText,
  base64ToBytes,
  bytesToBase64,
  decodeOutput,
  formatLimits,
  formatMs,
  formatByteCount,
  formatUsage,
  jobErrorTitle,
  parseRunJobForm,
  poolOptionText,
  shortHash,
  sortJobs,
  type InputSource,
  type RunJobField,
  type RunJobForm,
  type RunJobFormErrors,
} from '../jobs';
import { formatCaesar } from '../wallet';
import { useApp, type NodeFailure } from '../store';
import { NodeFailureAlert } from '../components/NodeFailureAlert';
import { WgslJobForm } from '../features/jobs/WgslJobForm';

/** How often the job lists are asked again while the page is open. */
const POLL_MS = 3000;

const describedBy = (...parts: (string | false)[]) => parts.filter(Boolean).join(' ') || undefined;

function Peer(props: { nodeId: string }) {
  return (
    <span className="mono nowrap" title={props.nodeId}>
      {shortNodeId(props.nodeId)}
    </span>
  );
}

function Hash(props: { hash: string | null; testId?: string }) {
  return (
    <span className="mono nowrap" title={props.hash ?? undefined} data-testid={props.testId}>
      {shortHash(props.hash)}
    </span>
  );
}

function Ago(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatTime(props.iso)}>
      {formatRelative(props.iso, props.now)}
    </time>
  );
}

function Failure(props: { failure: JobView['failure']; testId: string }) {
  const { failure } = props;
  if (!failure) return null;
  return (
    <span className="bad" data-testid={props.testId} data-reason={failure.reason} title={failure.message}>
      {FAILURE_REASON_TEXT[failure.reason]}
    </span>
  );
}

/** An error from the node: what it means, its message and its code (for support and scripts). */
function JobError(props: { failure: NodeFailure; source: 'run' | 'list'; prefix?: string }) {
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
  if (props.runs.length === 0) {
    return (
      <p className="note" data-testid="job-runs-empty">
        No provider ran it.
      </p>
    );
  }
  return (
    <table className="log-table" data-testid="job-runs">
      <caption className="visually-hidden">Runs by provider</caption>
      <thead>
        <tr>
          <th scope="col">Provider</th>
          <th scope="col">Status</th>
          <th scope="col">Output hash</th>
          <th scope="col">Agreed</th>
          <th scope="col">Proof</th>
          <th scope="col">Paid</th>
          <th scope="col">Usage</th>
          <th scope="col">Why it failed</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((run) => (
          <tr
            key={run.provider}
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
            <td
              data-testid="run-proof"
              className={run.proof === 'verified' ? 'good' : run.proof === 'invalid' ? 'bad' : ''}
            >
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
        ))}
      </tbody>
    </table>
  );
}

/** The last job run from this page: its status, its accepted output and each provider's run of it. */
function JobResult(props: { result: JobResultView }) {
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
function resultSummary(result: JobResultView): string {
  const { job } = result;
  if (jobOutcome(job) === 'exited') return `${jobStatusText(job)}: the program reported a failure.`;
  if (job.status === 'completed') return `✓ The job completed in ${formatMs(job.usage.wallMs)}.`;
  if (job.failure) return `${JOB_STATUS_TEXT[job.status]}: ${FAILURE_REASON_TEXT[job.failure.reason]}.`;
  return `${JOB_STATUS_TEXT[job.status]}.`;
}

const KIND_LABEL: Readonly<Record<JobKind, string>> = {
  wasm: 'WebAssembly module (WASI command)',
  js: 'JavaScript (QuickJS)',
  wgsl: 'WGSL compute shaders (GPU)',
};

const LIMIT_FIELDS = [
  { key: 'cpuSeconds', label: 'CPU limit (seconds)', hint: 'CPU time the job may use.' },
  { key: 'wallSeconds', label: 'Wall-clock limit (seconds)', hint: 'How long it may take, start to end.' },
  { key: 'memoryMiB', label: 'Memory limit (MiB)', hint: 'Its memory at most.' },
  { key: 'outputKiB', label: 'Output limit (KiB)', hint: 'What it may write at most.' },
] as const;

const INPUT_SOURCE_LABEL: Readonly<Record<InputSource, string>> = {
  text: 'Text',
  pool: 'Remote memory',
};

type FieldElement = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** The Run a job form, and the last job run from it. */
function RunJobSection() {
  const runJob = useApp((s) => s.runJob);
  const proxy = useApp((s) => s.proxy);
  const proxyError = useApp((s) => s.proxyError);
  const refreshProxy = useApp((s) => s.refreshProxy);
  const [form, setForm] = useState<RunJobForm>(DEFAULT_RUN_JOB_FORM);
  const [errors, setErrors] = useState<RunJobFormErrors>({});
  const [pending, setPending] = useState(false);
  const [reading, setReading] = useState(false);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const [result, setResult] = useState<JobResultView | null>(null);
  // A ref as well as the state: two quick submits can both run before React re-renders the disabled button.
  const inFlight = useRef(false);
  const reads = useRef(0);
  const inputs = useRef<Partial<Record<RunJobField | 'file' | 'source' | 'poolSource', FieldElement | null>>>({});
  const refTo = (key: RunJobField | 'file' | 'source' | 'poolSource') => (el: FieldElement | null) => {
    inputs.current[key] = el;
  };

  /** Changes the form and clears the errors of the fields the change bears on. */
  const edit = (change: Partial<RunJobForm>, ...fields: RunJobField[]) => {
    setForm((current) => ({ ...current, ...change }));
    setErrors((current) => {
      const rest = { ...current };
      for (const field of fields) delete rest[field];
      return rest;
    });
  };

  // The pools this node uses, asked for (again) whenever the input is to come from remote memory.
  const fromPool = form.inputSource === 'pool';
  useEffect(() => {
    if (fromPool) void refreshProxy();
  }, [fromPool, refreshProxy]);
  const pools = proxy?.used;

  const chooseFile = async (file: File | undefined) => {
    const read = ++reads.current;
    if (!file) {
      setReading(false);
      edit({ file: null }, 'code');
      return;
    }
    if (file.size > JOB_LIMITS.codeBytes) {
      // Too big to send: not read at all; the form says why.
      setReading(false);
      edit({ file: { name: file.name, size: file.size, base64: null } }, 'code');
      return;
    }
    setReading(true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (read !== reads.current) return;
      edit({ file: { name: file.name, size: file.size, base64: bytesToBase64(bytes) } }, 'code');
    } catch (err) {
      if (read !== reads.current) return;
      setForm((current) => ({ ...current, file: null }));
      setErrors((current) => ({ ...current, code: `${file.name} could not be read: ${(err as Error).message}` }));
    } finally {
      if (read === reads.current) setReading(false);
    }
  };

  const submit = async () => {
    if (inFlight.current || reading) return;
    const parsed = parseRunJobForm(form, pools);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = RUN_JOB_FIELDS.find((k) => parsed.errors[k]);
      if (first === 'code') inputs.current[form.kind === 'wasm' ? 'file' : 'source']?.focus();
      // No pool to choose (the list is disabled): the Remote memory choice, which the error describes, instead.
      else if (first === 'inputPool' && inputs.current.inputPool?.disabled) inputs.current.poolSource?.focus();
      else if (first) inputs.current[first]?.focus();
      return;
    }
    setErrors({});
    inFlight.current = true;
    setPending(true);
    setFailure(null);
    setResult(null);
    const outcome = await runJob(parsed.request);
    inFlight.current = false;
    setPending(false);
    if (outcome.ok) setResult(outcome.value);
    else setFailure(outcome.error);
  };

  // GPU jobs have a form of their own (features/jobs); switching kind there comes back here.
  if (form.kind === 'wgsl') return <WgslJobForm onKind={(kind) => edit({ kind }, 'code')} />;

  /** aria-invalid and aria-describedby of a field, and its hint and error under it. */
  const messages = (id: string, field: RunJobField, hint: ReactNode) => {
    const error = errors[field];
    return {
      aria: {
        'aria-invalid': error !== undefined,
        'aria-describedby': describedBy(`${id}-hint`, error !== undefined && `${id}-error`),
      },
      below: (
        <>
          <span id={`${id}-hint`} className="note">
            {hint}
          </span>
          {error && (
            <span id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
              {error}
            </span>
          )}
        </>
      ),
    };
  };

  const numberField = (
    key: RunJobField & keyof RunJobForm,
    label: string,
    limits: { min: number; max: number },
    hint: string,
  ) => {
    const id = `job-${key}`;
    const m = messages(id, key, `${hint} ${limits.min}–${limits.max.toLocaleString('en')}.`);
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          ref={refTo(key)}
          type="number"
          min={limits.min}
          max={limits.max}
          step={1}
          value={form[key]}
          {...m.aria}
          onChange={(e) => edit({ [key]: e.target.value }, key)}
        />
        {m.below}
      </div>
    );
  };

  const file = form.file;
  const fileHint =
    file && file.base64 !== null
      ? `${file.name}, ${formatBytes(file.size)}.`
      : `A WASI command: it reads the input on stdin and writes its output to stdout. At most ${formatBytes(JOB_LIMITS.codeBytes)}.`;
  const sourceHint = `The job reads input (text) and args, and writes with print(…); without print, its last value is the output.`;
  const codeError = errors.code;
  const codeDescribed = (hintId: string) => describedBy(hintId, codeError !== undefined && 'job-code-error');
  const input = messages(
    'job-input',
    'input',
    'Text the job reads: stdin for WebAssembly, input in JavaScript. Optional.',
  );
  const chosenPool = pools?.find((p) => p.address === form.inputPool);
  const poolHint: ReactNode =
    pools === undefined ? (
      proxyError ? (
        `The pools this node uses could not be listed: ${proxyError.message}`
      ) : (
        'Loading the pools this node uses…'
      )
    ) : pools.length === 0 ? (
      <>
        This node uses no remote memory pools. Allocate one on the <a href="#/memory">Memory</a> page, then choose it
        here.
      </>
    ) : (
      'One of the remote memory pools this node uses; the node reads and decrypts the bytes, then sends them.'
    );
  const poolField = messages('job-input-pool', 'inputPool', poolHint);
  const offsetField = messages(
    'job-input-offset',
    'inputOffset',
    chosenPool
      ? `Where the input starts in the pool: 0 to ${formatByteCount(chosenPool.length)}.`
      : 'Where the input starts in the pool; 0 for its beginning.',
  );
  const offsetValue = /^\d{1,10}$/.test(form.inputOffset.trim()) ? Number(form.inputOffset.trim()) : null;
  const room =
    chosenPool && offsetValue !== null && offsetValue <= chosenPool.length
      ? Math.min(chosenPool.length - offsetValue, JOB_LIMITS.inputBytes)
      : JOB_LIMITS.inputBytes;
  const lengthField = messages(
    'job-input-length',
    'inputLength',
    `How many bytes the job reads: 0 to ${formatByteCount(room)}${chosenPool ? ' from this offset' : ''}.`,
  );
  const args = messages(
    'job-args',
    'args',
    `One per line, up to ${JOB_LIMITS.args}; empty lines are left out. argv[1…] for WebAssembly, args in JavaScript.`,
  );
  const providers = messages(
    'job-providers',
    'providers',
    'Full NodeIds, one per line. Leave empty to let the node choose peers that share CPU and memory.',
  );

  return (
    <section className="card" aria-labelledby="jobs-run-title" data-testid="run-job">
      <h2 id="jobs-run-title">Run a job</h2>
      <p>
        Runs code on peers' shared CPU and memory. The job runs in a sandbox with no files and no network, within the
        limits below; each provider proves what it ran, and with more than one provider a majority must agree on the
        output.
      </p>
      <form
        noValidate
        aria-labelledby="jobs-run-title"
        data-testid="run-job-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>Kind</legend>
          {(['wasm', 'js', 'wgsl'] as const).map((kind) => (
            <label key={kind} className="radio">
              <input
                type="radio"
                name="job-kind"
                value={kind}
                data-testid={`job-kind-${kind}`}
                checked={form.kind === kind}
                onChange={() => edit({ kind }, 'code')}
              />
              <span>{KIND_LABEL[kind]}</span>
            </label>
          ))}
        </fieldset>

        <div className="field long" hidden={form.kind !== 'wasm'}>
          <label htmlFor="job-file">WebAssembly module (.wasm file)</label>
          <input
            id="job-file"
            ref={refTo('file')}
            type="file"
            accept=".wasm,application/wasm"
            data-testid="job-file"
            aria-invalid={codeError !== undefined}
            aria-describedby={codeDescribed('job-file-hint')}
            onChange={(e) => void chooseFile(e.target.files?.[0])}
          />
          <span id="job-file-hint" className="note" data-testid="job-file-info">
            {reading ? 'Reading…' : fileHint}
          </span>
        </div>
        <div className="field long" hidden={form.kind !== 'js'}>
          <label htmlFor="job-source">JavaScript source</label>
          <textarea
            id="job-source"
            ref={refTo('source')}
            className="code"
            data-testid="job-source"
            rows={8}
            spellCheck={false}
            autoComplete="off"
            value={form.source}
            placeholder="print('hello, ' + input)"
            aria-invalid={codeError !== undefined}
            aria-describedby={codeDescribed('job-source-hint')}
            onChange={(e) => edit({ source: e.target.value }, 'code')}
          />
          <span id="job-source-hint" className="note">
            {sourceHint}
          </span>
        </div>
        {codeError && (
          <p id="job-code-error" className="field-error" data-testid="job-code-error">
            {codeError}
          </p>
        )}

        <div className="pair">
          <div>
            <fieldset>
              <legend>Input from</legend>
              {(['text', 'pool'] as const).map((source) => (
                <label key={source} className="radio">
                  <input
                    type="radio"
                    name="job-input-source"
                    value={source}
                    ref={source === 'pool' ? refTo('poolSource') : undefined}
                    data-testid={`job-input-source-${source}`}
                    aria-describedby={
                      source === 'pool' && errors.inputPool !== undefined ? 'job-input-pool-error' : undefined
                    }
                    checked={form.inputSource === source}
                    onChange={() => edit({ inputSource: source }, 'input', 'inputPool', 'inputOffset', 'inputLength')}
                  />
                  <span>{INPUT_SOURCE_LABEL[source]}</span>
                </label>
              ))}
            </fieldset>
            <div className="field long" hidden={fromPool}>
              <label htmlFor="job-input">Input</label>
              <textarea
                id="job-input"
                ref={refTo('input')}
                data-testid="job-input"
                rows={4}
                spellCheck={false}
                value={form.input}
                {...input.aria}
                onChange={(e) => edit({ input: e.target.value }, 'input')}
              />
              {input.below}
            </div>
            <div hidden={!fromPool} data-testid="job-input-pool-fields">
              <div className="field long">
                <label htmlFor="job-input-pool">Memory pool</label>
                <select
                  id="job-input-pool"
                  ref={refTo('inputPool')}
                  data-testid="job-input-pool"
                  value={chosenPool ? chosenPool.address : ''}
                  disabled={!pools || pools.length === 0}
                  {...poolField.aria}
                  onChange={(e) => edit({ inputPool: e.target.value }, 'inputPool', 'inputOffset', 'inputLength')}
                >
                  <option value="">{pools && pools.length > 0 ? 'Choose a pool…' : 'No pools'}</option>
                  {pools?.map((pool) => (
                    <option key={pool.address} value={pool.address}>
                      {poolOptionText(pool)}
                    </option>
                  ))}
                </select>
                {poolField.below}
              </div>
              <div className="market-form">
                <div className="field">
                  <label htmlFor="job-input-offset">Offset (bytes)</label>
                  <input
                    id="job-input-offset"
                    ref={refTo('inputOffset')}
                    data-testid="job-input-offset"
                    type="number"
                    min={0}
                    max={chosenPool?.length}
                    step={1}
                    value={form.inputOffset}
                    {...offsetField.aria}
                    onChange={(e) => edit({ inputOffset: e.target.value }, 'inputOffset', 'inputLength')}
                  />
                  {offsetField.below}
                </div>
                <div className="field">
                  <label htmlFor="job-input-length">Length (bytes)</label>
                  <input
                    id="job-input-length"
                    ref={refTo('inputLength')}
                    data-testid="job-input-length"
                    type="number"
                    min={0}
                    max={room}
                    step={1}
                    value={form.inputLength}
                    {...lengthField.aria}
                    onChange={(e) => edit({ inputLength: e.target.value }, 'inputLength')}
                  />
                  {lengthField.below}
                </div>
              </div>
            </div>
          </div>
          <div className="field long">
            <label htmlFor="job-args">Arguments (one per line)</label>
            <textarea
              id="job-args"
              ref={refTo('args')}
              data-testid="job-args"
              rows={4}
              spellCheck={false}
              value={form.args}
              {...args.aria}
              onChange={(e) => edit({ args: e.target.value }, 'args')}
            />
            {args.below}
          </div>
        </div>

        <div className="market-form">
          {numberField(
            'redundancy',
            'Redundancy',
            JOB_LIMITS.redundancy,
            'How many providers run it; a result needs a majority of them to agree.',
          )}
          {LIMIT_FIELDS.map(({ key, label, hint }) => (
            <Fragment key={key}>{numberField(key, label, JOB_LIMITS[key], hint)}</Fragment>
          ))}
        </div>

        <div className="field long">
          <label htmlFor="job-providers">Providers (optional)</label>
          <textarea
            id="job-providers"
            ref={refTo('providers')}
            className="code"
            data-testid="job-providers"
            rows={2}
            spellCheck={false}
            autoComplete="off"
            value={form.providers}
            {...providers.aria}
            onChange={(e) => edit({ providers: e.target.value }, 'providers')}
          />
          {providers.below}
        </div>

        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            data-testid="job-submit"
            disabled={pending || reading}
            aria-busy={pending}
          >
            {pending ? 'Running…' : 'Run job'}
          </button>
          <span role="status" data-testid="job-run-status">
            {pending && 'Running… the node sends the job to providers and checks what they return.'}
            {!pending && result && resultSummary(result)}
          </span>
        </div>
      </form>
      {failure && <JobError failure={failure} source="run" prefix="The job did not run. " />}
      {result && <JobResult result={result} />}
    </section>
  );
}

function JobsTable(props: { jobs: readonly JobView[]; role: JobView['role']; caption: string; now: number }) {
  const { role, now } = props;
  return (
    <table className="log-table" data-testid={`jobs-${role}-table`}>
      <caption className="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Started</th>
          <th scope="col">Status</th>
          <th scope="col">Kind</th>
          <th scope="col">{role === 'consumer' ? 'Providers' : 'Consumer'}</th>
          <th scope="col">Code</th>
          <th scope="col">Usage</th>
          <th scope="col">Limits</th>
          <th scope="col">Proof</th>
        </tr>
      </thead>
      <tbody>
        {sortJobs(props.jobs).map((job) => (
          <tr
            key={job.jobId}
            data-testid="job-row"
            data-job-id={job.jobId}
            data-status={job.status}
            data-role={job.role}
          >
            <th scope="row">
              <Hash hash={job.jobId} testId="job-id" />
            </th>
            <td className="nowrap">
              <span data-testid="job-created">
                <Ago iso={job.createdAt} now={now} />
              </span>
              <br />
              <span className="note" data-testid="job-finished">
                {job.finishedAt ? (
                  <>
                    finished <Ago iso={job.finishedAt} now={now} />
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
      </tbody>
    </table>
  );
}

function JobsSection(props: {
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

/** The Catalog VM: run code on peers' CPU and memory, and the jobs this node ran or runs for others. */
export function JobsPage(props: { now: number }) {
  const { now } = props;
  const jobs = useApp((s) => s.jobs);
  const jobsError = useApp((s) => s.jobsError);
  const refreshJobs = useApp((s) => s.refreshJobs);
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
            <strong>No jobs yet.</strong> Peers can send jobs once this node shares CPU and memory on the{' '}
            <a href="#/sharing">Sharing</a> page.
          </>
        }
        jobs={jobs?.provider}
        unavailable={jobsError !== undefined}
        now={now}
      />
    </div>
  );
}
