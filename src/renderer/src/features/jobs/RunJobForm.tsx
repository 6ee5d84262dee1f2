import { Fragment, useEffect, useRef, useState, type ChangeEvent, type ReactNode } from 'react';
import { formatBytes } from '../../../../shared/privacy';
import { JOB_LIMITS, type JobKind, type JobResultView } from '../../../../shared/vm';
import {
  DEFAULT_RUN_JOB_FORM,
  RUN_JOB_FIELDS,
  bytesToBase64,
  formatByteCount,
  parseRunJobForm,
  poolOptionText,
  type InputSource,
  type RunJobField,
  type RunJobForm,
  type RunJobFormErrors,
  LIMIT_FIELDS,
} from './jobs';
import { useAppFields } from '../../store';
import { JobError, JobResult, resultSummary } from './JobResult';
import { CodeArea, describedBy, fieldAria, FieldNotes, NumberField } from '../../components/Field';
import { useSubmit } from '../../hooks';
import { WgslJobForm } from './WgslJobForm';
import { ActionForm } from '../../components/ActionForm';

const KIND_LABEL: Readonly<Record<JobKind, string>> = {
  wasm: 'WebAssembly module (WASI command)',
  js: 'JavaScript (QuickJS)',
  wgsl: 'WGSL compute shaders (GPU)',
};

const INPUT_SOURCE_LABEL: Readonly<Record<InputSource, string>> = {
  text: 'Text',
  pool: 'Remote memory',
};

type FieldElement = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** The Run a job form, and the last job run from it. */
export function RunJobSection() {
  const { runJob, proxy, proxyError, refreshProxy } = useAppFields('runJob', 'proxy', 'proxyError', 'refreshProxy');
  const [form, setForm] = useState<RunJobForm>(DEFAULT_RUN_JOB_FORM);
  const [errors, setErrors] = useState<RunJobFormErrors>({});
  const submitting = useSubmit();
  const pending = submitting.pending !== null;
  const failure = submitting.failure?.error;
  const [reading, setReading] = useState(false);
  const [result, setResult] = useState<JobResultView | null>(null);
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
    if (submitting.isRunning() || reading) return;
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
    setResult(null);
    const outcome = await submitting.run('submit', () => runJob(parsed.request));
    if (outcome?.ok) setResult(outcome.value);
  };

  // GPU jobs have a form of their own (WgslJobForm); switching kind there comes back here.
  if (form.kind === 'wgsl') return <WgslJobForm onKind={(kind) => edit({ kind }, 'code')} />;

  /** aria-invalid and aria-describedby of a field, and its hint and error under it. */
  const messages = (id: string, field: RunJobField, hint: ReactNode) => ({
    aria: fieldAria(id, true, errors[field]),
    below: <FieldNotes id={id} hint={hint} error={errors[field]} />,
  });

  const numberField = (
    key: RunJobField & keyof RunJobForm,
    label: string,
    limits: { min: number; max: number },
    hint: string,
  ) => (
    <NumberField
      id={`job-${key}`}
      label={label}
      limits={limits}
      value={form[key]}
      hint={`${hint} ${limits.min}–${limits.max.toLocaleString('en')}.`}
      error={errors[key]}
      inputRef={refTo(key)}
      onChange={(value) => edit({ [key]: value }, key)}
    />
  );

  type Messages = ReturnType<typeof messages>;
  /** A byte position or count in the chosen pool. */
  const byteField = (
    key: 'inputOffset' | 'inputLength',
    id: string,
    label: string,
    max: number | undefined,
    m: Messages,
    clears: RunJobField[],
  ) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={refTo(key)}
        data-testid={id}
        type="number"
        min={0}
        max={max}
        step={1}
        value={form[key]}
        {...m.aria}
        onChange={(e) => edit({ [key]: e.target.value }, ...clears)}
      />
      {m.below}
    </div>
  );
  /** A few lines of text: the input or the arguments, or (`code`: as code) the providers. */
  const textField = (
    key: 'input' | 'args' | 'providers',
    id: string,
    label: string,
    m: Messages,
    look: { rows: number; hidden?: boolean; code?: boolean },
  ) => {
    const area = {
      id,
      ref: refTo(key),
      'data-testid': id,
      rows: look.rows,
      value: form[key],
      ...m.aria,
      onChange: (e: ChangeEvent<HTMLTextAreaElement>) => edit({ [key]: e.target.value }, key),
    };
    return (
      <div className="field long" hidden={look.hidden}>
        <label htmlFor={id}>{label}</label>
        {look.code ? <CodeArea {...area} /> : <textarea spellCheck={false} {...area} />}
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
      <ActionForm aria-labelledby="jobs-run-title" data-testid="run-job-form" onSubmit={submit}>
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
          <CodeArea
            id="job-source"
            ref={refTo('source')}
            data-testid="job-source"
            rows={8}
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
            {textField('input', 'job-input', 'Input', input, { rows: 4, hidden: fromPool })}
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
                {byteField('inputOffset', 'job-input-offset', 'Offset (bytes)', chosenPool?.length, offsetField, [
                  'inputOffset',
                  'inputLength',
                ])}
                {byteField('inputLength', 'job-input-length', 'Length (bytes)', room, lengthField, ['inputLength'])}
              </div>
            </div>
          </div>
          {textField('args', 'job-args', 'Arguments (one per line)', args, { rows: 4 })}
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

        {textField('providers', 'job-providers', 'Providers (optional)', providers, { rows: 2, code: true })}

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
      </ActionForm>
      {failure && <JobError failure={failure} source="run" prefix="The job did not run. " />}
      {result && <JobResult result={result} />}
    </section>
  );
}
