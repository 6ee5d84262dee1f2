import { TextField } from '../../components/Field';
import { useEffect, useRef, useState } from 'react';
import { formatAmount, parseAmount } from '../../../../shared/amount';
import { MEMO_MAX_LENGTH, type SendRequest, type WalletTxView, type WalletView } from '../../../../shared/ledger';
import { useApp } from '../../store';
import {
  checkAmount,
  checkMemo,
  checkRecipient,
  formatCaesar,
  newRequestId,
  refusedOutright,
  shortAccount,
} from './wallet';
import { NodeError } from './WalletError';
import { useFormField, useSubmit } from '../../hooks';
import { ActionForm } from '../../components/ActionForm';

type SendStep = 'edit' | 'confirm' | 'done';

/**
 * The Send dialog: recipient, amount and memo checked as they are typed, a confirmation step, then one request. The
 * requestId is chosen when the dialog opens, so a double click or a retry after a lost reply sends once; it changes
 * only when the node refused outright (nothing was made, and the user may change the amount).
 */
function SendDialog(props: {
  initialRequestId: string;
  available: string | undefined;
  ownAddress: string | undefined;
  onClose: () => void;
}) {
  const { available, ownAddress, onClose } = props;
  const sendTokens = useApp((s) => s.sendTokens);
  const dialog = useRef<HTMLDialogElement>(null);
  const [requestId, setRequestId] = useState(props.initialRequestId);
  const to = useFormField('');
  const amount = useFormField('');
  const memo = useFormField('');
  const [attempted, setAttempted] = useState(false);
  const [step, setStep] = useState<SendStep>('edit');
  // What the confirmation step shows and sends: the values as reviewed, even if the balance changes meanwhile.
  const [reviewed, setReviewed] = useState<Omit<SendRequest, 'requestId'> | null>(null);
  const sending = useSubmit();
  const pending = sending.pending !== null;
  const failure = sending.failure?.error;
  const [sent, setSent] = useState<WalletTxView | null>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  const toCheck = checkRecipient(to.value, ownAddress);
  const amountCheck = checkAmount(amount.value, available);
  const memoCheck = checkMemo(memo.value);

  const review = () => {
    setAttempted(true);
    const firstInvalid = !toCheck.ok ? to : !amountCheck.ok ? amount : !memoCheck.ok ? memo : null;
    if (firstInvalid || !toCheck.ok || !amountCheck.ok || !memoCheck.ok) {
      firstInvalid?.inputRef.current?.focus();
      return;
    }
    setReviewed({
      to: toCheck.value,
      amount: amountCheck.value,
      ...(memoCheck.value === undefined ? {} : { memo: memoCheck.value }),
    });
    sending.clearFailure();
    setStep('confirm');
  };

  const submit = async () => {
    if (!reviewed) return;
    const request: SendRequest = { ...reviewed, requestId };
    const result = await sending.run('submit', () => sendTokens(request));
    if (result?.ok) {
      setSent(result.value);
      setStep('done');
    } else if (result && refusedOutright(result.error.code)) setRequestId(newRequestId());
  };

  // What would be left: exact, in base units. Negative when the balance fell since the review (the node will refuse).
  let left: bigint | null = null;
  if (available !== undefined && reviewed) {
    try {
      left = parseAmount(available) - parseAmount(reviewed.amount);
    } catch {
      left = null;
    }
  }

  return (
    <dialog
      ref={dialog}
      className="wallet-dialog"
      aria-labelledby="send-title"
      data-testid="send-dialog"
      onCancel={(e) => {
        // Escape closes the dialog, except while the request is on its way (its answer would be lost).
        if (sending.isRunning()) e.preventDefault();
      }}
      onClose={onClose}
    >
      <h2 id="send-title">Send Caesar</h2>
      {step === 'edit' && (
        <ActionForm data-testid="send-form" onSubmit={review}>
          <TextField
            id="send-to"
            label="Recipient (NodeId or name)"
            className="field long"
            hint={
              <>
                The full NodeId (52 characters) or a HyperMesh name such as <code>alice</code>.
              </>
            }
            input={{ spellCheck: false, className: 'mono' }}
            {...to.props(toCheck, attempted)}
          />
          <TextField
            id="send-amount"
            label="Amount (Caesar)"
            hint={
              <>
                {available === undefined
                  ? 'Up to 8 decimals. Your available balance is not known: the node checks it.'
                  : `Up to 8 decimals; ${formatCaesar(available)} available.`}
              </>
            }
            input={{ inputMode: 'decimal' }}
            {...amount.props(amountCheck, attempted)}
          />
          <TextField
            id="send-memo"
            label="Memo (optional)"
            className="field long"
            hint={
              <>
                {memo.value.length}/{MEMO_MAX_LENGTH} characters. Everyone on the ledger can read it.
              </>
            }
            // Too long a memo is shown at once, not only once the form is sent.
            {...memo.props(memoCheck, true)}
          />
          <div className="form-actions">
            <button type="submit" className="primary" data-testid="send-review">
              Review
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </ActionForm>
      )}
      {step === 'confirm' && reviewed && (
        <ActionForm data-testid="send-confirm" onSubmit={submit}>
          <p>Check before sending: a transfer cannot be taken back.</p>
          <dl>
            <dt>To</dt>
            <dd data-testid="confirm-to">
              <strong>{shortAccount(reviewed.to)}</strong>
              {reviewed.to !== shortAccount(reviewed.to) && (
                <>
                  {' '}
                  <span className="mono">{reviewed.to}</span>
                </>
              )}
            </dd>
            <dt>Amount</dt>
            <dd data-testid="confirm-amount">
              <strong>{formatCaesar(reviewed.amount)}</strong>
            </dd>
            {reviewed.memo !== undefined && (
              <>
                <dt>Memo</dt>
                <dd data-testid="confirm-memo">{reviewed.memo}</dd>
              </>
            )}
            {left !== null && left >= 0n && (
              <>
                <dt>Available after</dt>
                <dd data-testid="confirm-remaining">{formatCaesar(formatAmount(left))}</dd>
              </>
            )}
          </dl>
          {left !== null && left < 0n && available !== undefined && (
            <p className="problem" data-testid="confirm-warning">
              This is more than you now have available ({formatCaesar(available)}): the node will refuse it. Go back to
              change the amount.
            </p>
          )}
          {failure && <NodeError failure={failure} testId="send-error" prefix="Not sent. " />}
          <div className="form-actions">
            <button type="submit" className="primary" data-testid="send-submit" disabled={pending} aria-busy={pending}>
              {pending ? 'Sending…' : `Send ${formatCaesar(reviewed.amount)}`}
            </button>
            <button type="button" disabled={pending} onClick={() => setStep('edit')}>
              Back
            </button>
            <button type="button" disabled={pending} onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </ActionForm>
      )}
      {step === 'done' && sent && (
        <div data-testid="send-done">
          <p role="status">
            ✓ {formatCaesar(sent.amount)} sent to{' '}
            {sent.counterparty ? shortAccount(sent.counterparty) : 'the recipient'}.{' '}
            {sent.status === 'pending'
              ? 'It is pending until a block confirms it.'
              : sent.status === 'confirmed'
                ? `Confirmed in block ${sent.height ?? '?'}.`
                : `Rejected: ${sent.reason ?? 'no reason given'}.`}
          </p>
          <p className="note">
            Transaction <code>{sent.txId}</code>
          </p>
          <div className="form-actions">
            <button type="button" className="primary" autoFocus onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

export function SendSection(props: { wallet: WalletView | undefined; ownAddress: string | undefined }) {
  const [open, setOpen] = useState<{ readonly requestId: string } | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <section className="card" aria-labelledby="wallet-send-title">
      <h2 id="wallet-send-title">Send</h2>
      <p>Pay another node in Caesar. You check the recipient and the amount before anything is sent.</p>
      <button
        type="button"
        className="primary"
        ref={opener}
        data-testid="send-open"
        onClick={() => setOpen({ requestId: newRequestId() })}
      >
        Send Caesar…
      </button>
      {open && (
        <SendDialog
          initialRequestId={open.requestId}
          available={props.wallet?.available}
          ownAddress={props.ownAddress}
          onClose={() => {
            setOpen(null);
            opener.current?.focus();
          }}
        />
      )}
    </section>
  );
}
