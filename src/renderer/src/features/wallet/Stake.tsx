import { NumberField, TextField } from '../../components/Field';
import { useRef, useState } from 'react';
import { type WalletTxView, type WalletView } from '../../../../shared/ledger';
import { useApp } from '../../store';
import {
  LOCK_DAYS,
  canUnlockStake,
  checkAmount,
  checkLockDays,
  formatCaesar,
  isPositiveAmount,
  newRequestId,
  refusedOutright,
} from './wallet';
import { When, NodeError } from './WalletError';
import { useFormField, useSubmit } from '../../hooks';
import { SubmitButton } from '../../components/SubmitButton';

export function StakeSection(props: { wallet: WalletView | undefined; now: number }) {
  const { wallet, now } = props;
  const lockStake = useApp((s) => s.lockStake);
  const unlockStake = useApp((s) => s.unlockStake);
  const amount = useFormField('');
  const days = useFormField('30');
  const [attempted, setAttempted] = useState(false);
  const submit = useSubmit<'lock' | 'unlock'>();
  const pending = submit.pending;
  const failure = submit.failure?.error;
  const [done, setDone] = useState<WalletTxView | null>(null);
  // One id per lock or unlock until it is done (or refused outright): a retry after a lost reply is made once.
  const lockRequestId = useRef<string | null>(null);
  const unlockRequestId = useRef<string | null>(null);

  const amountCheck = checkAmount(amount.value, wallet?.available);
  const daysCheck = checkLockDays(days.value);
  const unlockable = wallet !== undefined && canUnlockStake(wallet, now);

  const run = async (
    kind: 'lock' | 'unlock',
    ref: { current: string | null },
    call: (id: string) => ReturnType<typeof lockStake>,
  ) => {
    if (submit.isRunning()) return;
    const requestId = (ref.current ??= newRequestId());
    setDone(null);
    const result = await submit.run(kind, () => call(requestId));
    if (!result) return;
    if (result.ok) {
      ref.current = null;
      setDone(result.value);
      if (kind === 'lock') {
        amount.reset();
        setAttempted(false);
      }
    } else {
      if (refusedOutright(result.error.code)) ref.current = null;
    }
  };

  return (
    <section className="card" aria-labelledby="wallet-stake-title" data-testid="wallet-stake">
      <h2 id="wallet-stake-title">Stake</h2>
      <p>
        Locked Caesar backs this node's proof of stake and lets it produce blocks. It cannot be spent until the lock
        ends.
      </p>
      <p data-testid="stake-state">
        {!wallet ? (
          'Your stake is not known while the ledger is unavailable.'
        ) : !isPositiveAmount(wallet.staked) ? (
          'No stake locked.'
        ) : (
          <>
            {formatCaesar(wallet.staked)} locked
            {wallet.stakeLockedUntil && (
              <>
                {' '}
                until <When iso={wallet.stakeLockedUntil} now={now} />
              </>
            )}
            .
          </>
        )}
      </p>
      <form
        className="market-form"
        noValidate
        aria-label="Lock stake"
        onSubmit={(e) => {
          e.preventDefault();
          setAttempted(true);
          if (!amountCheck.ok || !daysCheck.ok) {
            (amountCheck.ok ? days : amount).inputRef.current?.focus();
            return;
          }
          const request = { amount: amountCheck.value, lockDays: daysCheck.value };
          void run('lock', lockRequestId, (requestId) => lockStake({ ...request, requestId }));
        }}
      >
        <TextField
          id="stake-amount"
          label="Amount to lock (Caesar)"
          input={{ inputMode: 'decimal' }}
          {...amount.props(amountCheck, attempted)}
        />
        <NumberField
          id="stake-days"
          label="Lock for (days)"
          limits={LOCK_DAYS}
          hint={`${LOCK_DAYS.min}–${LOCK_DAYS.max} days; locking more extends the lock of all your stake.`}
          {...days.props(daysCheck, attempted)}
        />
        <div className="form-actions">
          <SubmitButton
            testId="stake-lock"
            pending={pending === 'lock'}
            disabled={pending !== null}
            busyLabel="Locking…"
          >
            Lock stake
          </SubmitButton>
          <SubmitButton
            type="button"
            className=""
            testId="stake-unlock"
            pending={pending === 'unlock'}
            disabled={!unlockable || pending !== null}
            busyLabel="Unlocking…"
            describedBy="stake-unlock-hint"
            onClick={() => void run('unlock', unlockRequestId, (requestId) => unlockStake(requestId))}
          >
            Unlock stake
          </SubmitButton>
          <span id="stake-unlock-hint" className="note">
            {unlockable
              ? 'The lock has ended: you may unlock your stake.'
              : 'Unlocking is possible once the lock ends.'}
          </span>
        </div>
      </form>
      <p role="status" data-testid="stake-result">
        {done &&
          `✓ ${done.kind === 'stake_unlock' ? 'Unlocked' : 'Locked'} ${formatCaesar(done.amount)}; ${
            done.status === 'pending' ? 'pending until a block confirms it' : done.status
          }.`}
      </p>
      {failure && <NodeError failure={failure} testId="stake-error" />}
    </section>
  );
}
