import { useState } from 'react';
import type { JobResultView } from '../../../../shared/vm';
import { RadioGroup } from '../../components/RadioGroup';
import { FAILURE_REASON_TEXT, jobStatusText, PROOF_TEXT } from './jobs';
import { outputBuffers, type BufferFormat } from './wgsl';

const FORMATS: readonly BufferFormat[] = ['u32', 'i32', 'f32', 'hex'];

/** A WGSL job's result: the device that ran it, its proof, and each output buffer as hex or numbers. */
export function WgslResult(props: { result: JobResultView }) {
  const { job, output } = props.result;
  const [format, setFormat] = useState<BufferFormat>('u32');
  const buffers = output === null ? [] : outputBuffers(output, job.outputSizes ?? [], format);
  return (
    <article
      className="job-result"
      data-testid="wgsl-result"
      data-status={job.status}
      aria-labelledby="wgsl-result-title"
    >
      <h3 id="wgsl-result-title">Last GPU job</h3>
      <dl>
        <dt>Status</dt>
        <dd data-testid="wgsl-result-status">{jobStatusText(job)}</dd>
        {job.failure && (
          <>
            <dt>Why</dt>
            <dd data-testid="wgsl-result-failure" data-reason={job.failure.reason}>
              {FAILURE_REASON_TEXT[job.failure.reason]}: {job.failure.message}
            </dd>
          </>
        )}
        <dt>Device</dt>
        <dd data-testid="wgsl-result-device">{job.device ?? '—'}</dd>
        <dt>Proof</dt>
        <dd>{PROOF_TEXT[job.proof]}</dd>
        <dt>GPU time</dt>
        <dd>{job.usage.cpuMs} ms</dd>
      </dl>
      {buffers.length > 0 && (
        <>
          <RadioGroup
            legend="Show buffers as"
            name="wgsl-format"
            options={FORMATS}
            value={format}
            onChange={setFormat}
            testId={(f) => `wgsl-format-${f}`}
            label={(f) => f}
          />
          <ol data-testid="wgsl-buffers">
            {buffers.map((b, i) => (
              <li key={i}>
                <span className="note">{b.bytes} bytes: </span>
                <code>{b.text}</code>
                {b.more > 0 && <span className="note"> … and {b.more} more</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </article>
  );
}
