import { useEffect, useRef, useState } from 'react';
import type { RemoteAllocationView, RemoteAssetView } from '../../../../shared/mesh';
import { KIND_TITLE, formatAmount, formatTime, shortNodeId } from '../../format';
import {
  MAX_DURATION_MINUTES,
  allocationInputUnit,
  defaultAllocationAmount,
  formatPrice,
  fromBaseUnits,
  parseAllocationForm,
} from '../network/mesh';
import { useApp, type ActionResult } from '../../store';
import { Field, NumberField } from '../../components/Field';
import { useSubmit } from '../../hooks';
import { ActionForm } from '../../components/ActionForm';

/** The small form under the results that asks a peer for part of one asset. */
export function AllocateForm(props: { asset: RemoteAssetView; onClose: () => void }) {
  const { asset } = props;
  const allocateRemote = useApp((s) => s.allocateRemote);
  const unit = allocationInputUnit(asset.capacity.unit);
  const [amount, setAmount] = useState(() => fromBaseUnits(defaultAllocationAmount(asset), unit));
  const [duration, setDuration] = useState('10');
  const [errors, setErrors] = useState<{ amount: string | null; duration: string | null }>({
    amount: null,
    duration: null,
  });
  const submit = useSubmit();
  const pending = submit.pending !== null;
  const [outcome, setOutcome] = useState<ActionResult<RemoteAllocationView> | null>(null);
  const amountInput = useRef<HTMLInputElement>(null);
  const durationInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    amountInput.current?.focus();
  }, []);

  const allocate = async () => {
    if (submit.isRunning()) return;
    const parsed = parseAllocationForm(asset, amount, duration);
    if (!parsed.ok) {
      setErrors({ amount: parsed.amountError, duration: parsed.durationError });
      (parsed.amountError ? amountInput : durationInput).current?.focus();
      return;
    }
    setErrors({ amount: null, duration: null });
    setOutcome(null);
    const result = await submit.run('submit', () => allocateRemote(parsed.request));
    if (result) setOutcome(result);
  };

  const offered = formatAmount(asset.capacity.allowed, asset.capacity.unit);
  const titleId = 'allocate-title';
  return (
    <ActionForm className="card" aria-labelledby={titleId} data-testid="allocate-form" onSubmit={allocate}>
      <h3 id={titleId}>
        Allocate {KIND_TITLE[asset.kind]} from {asset.owner ? shortNodeId(asset.owner) : 'an anonymous owner'}
      </h3>
      <p className="note">
        {offered} offered at {formatPrice(asset.pricePerHour)}. Both nodes prove the allocation with all four consensus
        proofs.
      </p>
      <div className="market-form">
        <Field id="allocate-amount" label={`Amount (${unit.label})`} hint={`Up to ${offered}.`} error={errors.amount}>
          {(aria) => (
            <input
              id="allocate-amount"
              ref={amountInput}
              data-testid="allocate-amount"
              type="number"
              min={unit.whole ? 1 : 0}
              max={Number(fromBaseUnits(asset.capacity.allowed, unit))}
              step={unit.whole ? 1 : 'any'}
              value={amount}
              {...aria}
              onChange={(e) => setAmount(e.target.value)}
            />
          )}
        </Field>
        <NumberField
          id="allocate-duration"
          label="Duration (minutes)"
          limits={{ min: 1, max: MAX_DURATION_MINUTES }}
          value={duration}
          error={errors.duration}
          inputRef={durationInput}
          testId="allocate-duration"
          onChange={setDuration}
        />
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" data-testid="allocate-submit" disabled={pending}>
          Confirm allocation
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <span role="status" data-testid="allocate-result">
          {pending && 'Allocating… both nodes prove the allocation.'}
          {outcome?.ok === true && <AllocationConfirmation lease={outcome.value} />}
        </span>
      </div>
      {outcome?.ok === false && (
        <p role="alert" className="field-error" data-testid="allocate-error">
          Not allocated: {outcome.error.message}
        </p>
      )}
    </ActionForm>
  );
}

function AllocationConfirmation(props: { lease: RemoteAllocationView }) {
  const { lease } = props;
  return (
    <>
      ✓ Allocated {formatAmount(lease.amount, lease.unit)} of {KIND_TITLE[lease.kind]} from {shortNodeId(lease.owner)},
      until <time dateTime={lease.expiresAt}>{formatTime(lease.expiresAt)}</time>.{' '}
      {lease.ownerProofVerified ? "The owner's proof is verified." : "The owner's proof is not verified."}
    </>
  );
}
