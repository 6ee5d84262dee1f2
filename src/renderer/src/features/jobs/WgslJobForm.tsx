import { useRef, useState } from 'react';
import { JOB_KINDS, type JobKind, type JobResultView } from '../../../../shared/vm';
import { JOB_KIND_TEXT } from './jobs';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import { useApp, type NodeFailure } from '../../store';
import { DEFAULT_WGSL_FORM, parseWgslForm, WGSL_FIELDS, type WgslField, type WgslForm } from './wgsl';
import { WgslResult } from './WgslResult';
import { CodeArea, Options } from '../../components/Field';
import { ActionForm } from '../../components/ActionForm';

const FIELDS: readonly { key: WgslField; label: string; rows?: number; hint: string }[] = [
  {
    key: 'shader',
    label: 'WGSL compute shader',
    rows: 8,
    hint: 'Used by every module in the spec that has no "code".',
  },
  {
    key: 'spec',
    label: 'Job spec (JSON)',
    rows: 10,
    hint: 'Buffers (size, usage, init from the input), bind groups, dispatches and the buffers read back.',
  },
  { key: 'inputHex', label: 'Input bytes (hex)', rows: 2, hint: 'Buffers with "init" read their bytes from here.' },
  {
    key: 'redundancy',
    label: 'Providers',
    hint: 'More than one: a majority must agree (floats within the tolerance).',
  },
  { key: 'wallSeconds', label: 'Wall-clock limit (seconds)', hint: 'The job is killed at this limit.' },
  { key: 'memoryMiB', label: 'GPU memory limit (MiB)', hint: 'All buffers together.' },
];

/** The Jobs page's form for a GPU job (kind 'wgsl'); `onKind` switches back to a CPU job. */
export function WgslJobForm(props: { onKind: (kind: JobKind) => void }) {
  const runJob = useApp((s) => s.runJob);
  const [form, setForm] = useState<WgslForm>(DEFAULT_WGSL_FORM);
  const [errors, setErrors] = useState<Partial<Record<WgslField, string>>>({});
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const [result, setResult] = useState<JobResultView | null>(null);
  const inFlight = useRef(false);
  const refs = useRef<Partial<Record<WgslField, HTMLTextAreaElement | HTMLInputElement | null>>>({});

  const submit = async () => {
    if (inFlight.current) return;
    const parsed = parseWgslForm(form);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = WGSL_FIELDS.find((k) => parsed.errors[k]);
      if (first) refs.current[first]?.focus();
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

  return (
    <section className="card" aria-labelledby="jobs-run-title" data-testid="run-wgsl-job">
      <h2 id="jobs-run-title">Run a job</h2>
      <p className="note">
        Runs WGSL compute shaders on peers' shared GPUs: no files, no network, only the buffers the spec declares. Each
        provider proves what it ran and which device ran it.
      </p>
      <ActionForm aria-labelledby="jobs-run-title" onSubmit={submit}>
        <div className="field">
          <label htmlFor="wgsl-kind">Kind</label>
          <select
            id="wgsl-kind"
            data-testid="wgsl-kind"
            value="wgsl"
            onChange={(e) => props.onKind(e.target.value as JobKind)}
          >
            <Options values={JOB_KINDS} text={(kind) => JOB_KIND_TEXT[kind]} />
          </select>
        </div>
        {FIELDS.map((f) => {
          const id = `wgsl-${f.key}`;
          const error = errors[f.key];
          const aria = {
            'aria-invalid': error !== undefined,
            'aria-describedby': error !== undefined ? `${id}-hint ${id}-error` : `${id}-hint`,
          };
          const change = (value: string) => {
            setForm((c) => ({ ...c, [f.key]: value }));
            setErrors((c) => ({ ...c, [f.key]: undefined }));
          };
          return (
            <div key={f.key} className={f.rows ? 'field long' : 'field'}>
              <label htmlFor={id}>{f.label}</label>
              {f.rows ? (
                <CodeArea
                  id={id}
                  ref={(el) => {
                    refs.current[f.key] = el;
                  }}
                  rows={f.rows}
                  data-testid={id}
                  value={form[f.key]}
                  onChange={(e) => change(e.target.value)}
                  {...aria}
                />
              ) : (
                <input
                  id={id}
                  ref={(el) => {
                    refs.current[f.key] = el;
                  }}
                  inputMode="numeric"
                  data-testid={id}
                  value={form[f.key]}
                  onChange={(e) => change(e.target.value)}
                  {...aria}
                />
              )}
              <span id={`${id}-hint`} className="note">
                {f.hint}
              </span>
              {error !== undefined && (
                <span id={`${id}-error`} className="field-error" role="alert">
                  {error}
                </span>
              )}
            </div>
          );
        })}
        <button type="submit" disabled={pending} data-testid="wgsl-run">
          {pending ? 'Running…' : 'Run on a GPU'}
        </button>
      </ActionForm>
      {failure && <NodeFailureAlert failure={failure} title="The GPU job did not run" testId="wgsl-error" />}
      {result && <WgslResult result={result} />}
    </section>
  );
}
