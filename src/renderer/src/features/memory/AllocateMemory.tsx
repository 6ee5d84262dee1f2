import { useRef, useState, type ReactNode } from 'react';
import type { UsedPoolView } from '../../../../shared/proxy';
import { shortNodeId } from '../../format';
import {
  DEFAULT_ALLOCATE_FORM,
  POOL_MIB,
  POOL_MINUTES,
  formatSize,
  parseAllocateForm,
  type AllocateForm,
  type AllocateFormErrors,
} from './memory';
import { useApp } from '../../store';
import { useSubmit } from '../../hooks';
import { NumberField } from '../../components/Field';
import { SubmitButton } from '../../components/SubmitButton';
import { ProxyError } from './ProxyError';
import { ActionForm } from '../../components/ActionForm';

/** Asks the node for remote memory: size, how long, how many providers and copies. */
export function AllocateSection(props: { maxProviders: number }) {
  const { maxProviders } = props;
  const allocateRemoteMemory = useApp((s) => s.allocateRemoteMemory);
  const [form, setForm] = useState<AllocateForm>(DEFAULT_ALLOCATE_FORM);
  const [errors, setErrors] = useState<AllocateFormErrors>({});
  const submit = useSubmit();
  const pending = submit.pending !== null;
  const failure = submit.failure?.error;
  const [made, setMade] = useState<UsedPoolView | null>(null);
  const inputs = {
    sizeMiB: useRef<HTMLInputElement>(null),
    minutes: useRef<HTMLInputElement>(null),
    providers: useRef<HTMLInputElement>(null),
    replicas: useRef<HTMLInputElement>(null),
  };

  const allocate = async () => {
    if (submit.isRunning()) return;
    const parsed = parseAllocateForm(form, maxProviders);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = (['sizeMiB', 'minutes', 'providers', 'replicas'] as const).find((k) => parsed.errors[k]);
      if (first) inputs[first].current?.focus();
      return;
    }
    setErrors({});
    setMade(null);
    const result = await submit.run('submit', () => allocateRemoteMemory(parsed.request));
    if (result?.ok) setMade(result.value);
  };

  const field = (key: keyof AllocateForm, label: string, limits: { min: number; max: number }, hint: ReactNode) => (
    <NumberField
      id={`allocate-${key}`}
      label={label}
      limits={limits}
      value={form[key]}
      hint={hint}
      error={errors[key]}
      inputRef={inputs[key]}
      onChange={(value) => {
        setForm({ ...form, [key]: value });
        setErrors((current) => {
          const { [key]: _dropped, ...rest } = current;
          return rest;
        });
      }}
    />
  );

  return (
    <section className="card" aria-labelledby="memory-allocate-title">
      <h2 id="memory-allocate-title">Allocate remote memory</h2>
      <p>
        Leases memory at peers that share it and maps it here. The node picks the providers and says why in the pool's
        “Why these providers” table.
      </p>
      <ActionForm
        className="market-form"
        aria-labelledby="memory-allocate-title"
        data-testid="allocate-memory-form"
        onSubmit={allocate}
      >
        {field('sizeMiB', 'Size (MiB)', POOL_MIB, `${POOL_MIB.min}–${POOL_MIB.max} whole MiB.`)}
        {field('minutes', 'Duration (minutes)', POOL_MINUTES, 'Up to 30 days; the leases end then.')}
        {field(
          'providers',
          'Providers',
          { min: 1, max: maxProviders },
          <>
            1–{maxProviders}, set in the <a href="#/sharing">proxy preferences</a>.
          </>,
        )}
        {field(
          'replicas',
          'Copies of each page',
          { min: 1, max: maxProviders },
          'From 1 to the number of providers; more copies survive a provider going away.',
        )}
        <div className="form-actions">
          <SubmitButton pending={pending} busyLabel="Allocating…" testId="allocate-memory-submit">
            Allocate
          </SubmitButton>
          <span role="status" data-testid="allocate-memory-result">
            {pending && 'Allocating… the node finds providers and leases their memory.'}
            {made && (
              <>
                ✓ Allocated {formatSize(made.length)} at <span className="mono">{made.address}</span> from{' '}
                {made.shards.map((s) => shortNodeId(s.provider)).join(', ')}.
              </>
            )}
          </span>
        </div>
      </ActionForm>
      {failure && <ProxyError failure={failure} testId="allocate-memory-error" prefix="Not allocated. " />}
    </section>
  );
}
