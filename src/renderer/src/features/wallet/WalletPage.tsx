import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { formatAmount, parseAmount } from '../../../../shared/amount';
import { ErrorCode } from '../../../../shared/errors';
import {
  LEDGER_TX_KINDS,
  MEMO_MAX_LENGTH,
  type LedgerStatusView,
  type LedgerTxKind,
  type SendRequest,
  type TxStatus,
  type WalletTxView,
  type WalletView,
} from '../../../../shared/ledger';
import { EarningsChart } from './EarningsChart';
import { formatRelative, formatTime } from '../../format';
import { usePolling } from '../../hooks';
import { useApp, type NodeFailure } from '../../store';
import {
  DIRECTION_TEXT,
  EARNINGS_PERIODS,
  LOCK_DAYS,
  SYNC_STATE_TEXT,
  TX_KIND_TEXT,
  TX_STATUS_TEXT,
  canUnlockStake,
  checkAmount,
  checkLockDays,
  checkMemo,
  checkRecipient,
  formatCaesar,
  groupDigits,
  historyQuery,
  isPositiveAmount,
  ledgerSummary,
  newRequestId,
  refusedOutright,
  shortAccount,
  signedAmount,
  walletErrorTitle,
  type HistoryFilters,
} from './wallet';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';

/** How often the wallet, its history and the earnings are asked again while the page is open (events come too). */
const POLL_MS = 5000;

const describedBy = (...parts: (string | false)[]) => parts.filter(Boolean).join(' ') || undefined;

const isLedgerDown = (failure: NodeFailure | undefined) => failure?.code === ErrorCode.LedgerUnavailable;

function When(props: { iso: string; now: number }) {
  return (
    <>
      <time dateTime={props.iso}>{formatTime(props.iso)}</time>{' '}
      <span className="note">({formatRelative(props.iso, props.now)})</span>
    </>
  );
}

/** An error from the node, by its code, with its message and the code itself (for support and scripts). */
function NodeError(props: { failure: NodeFailure; testId: string; prefix?: string }) {
  return (
    <NodeFailureAlert
      failure={props.failure}
      title={walletErrorTitle(props.failure.code)}
      testId={props.testId}
      prefix={props.prefix}
    />
  );
}

function LedgerLine(props: { ledger: LedgerStatusView; now: number }) {
  const { ledger, now } = props;
  return (
    <>
      <p data-testid="ledger-state" data-state={ledger.state}>
        <strong>Ledger:</strong> {ledgerSummary(ledger)}
        {ledger.headAt && (
          <>
            , newest block <When iso={ledger.headAt} now={now} />
          </>
        )}
        . {ledger.producers} block {ledger.producers === 1 ? 'producer' : 'producers'}
        {ledger.producing ? ' (this node is one)' : ''}; {ledger.mempool}{' '}
        {ledger.mempool === 1 ? 'transaction waits' : 'transactions wait'} for a block.
      </p>
      {ledger.problem && (
        <p className="problem" data-testid="ledger-problem">
          {ledger.problem}
        </p>
      )}
    </>
  );
}

function BalanceCard(props: { wallet: WalletView | undefined; error: NodeFailure | undefined; now: number }) {
  const { wallet, error, now } = props;
  let body: ReactNode;
  if (!wallet) {
    body = error ? (
      <div className="problem" data-testid="wallet-unavailable" data-code={error.code ?? ''}>
        <p>
          <strong>{isLedgerDown(error) ? 'The Caesar ledger is unavailable.' : 'The wallet could not be read.'}</strong>{' '}
          {error.message}
        </p>
        <p>No balance is shown until this node has the ledger: nothing on this page is a guess.</p>
      </div>
    ) : (
      <p>Loading…</p>
    );
  } else {
    const l = wallet.ledger;
    body = (
      <>
        {error && (
          <p className="problem" data-testid="wallet-stale">
            The wallet could not be read just now (showing the last known): {error.message}
          </p>
        )}
        <dl>
          <dt>Available</dt>
          <dd data-testid="wallet-available">
            <strong>{formatCaesar(wallet.available)}</strong>
          </dd>
          <dt>Balance</dt>
          <dd data-testid="wallet-balance">{formatCaesar(wallet.balance)}</dd>
          <dt>Pending in</dt>
          <dd data-testid="wallet-pending-in">{formatCaesar(wallet.pendingIn)}</dd>
          <dt>Pending out</dt>
          <dd data-testid="wallet-pending-out">{formatCaesar(wallet.pendingOut)}</dd>
          <dt>Staked</dt>
          <dd data-testid="wallet-staked">
            {formatCaesar(wallet.staked)}
            {wallet.stakeLockedUntil && (
              <>
                , locked until <When iso={wallet.stakeLockedUntil} now={now} />
              </>
            )}
          </dd>
          <dt>Earned in total</dt>
          <dd data-testid="wallet-earned">{formatCaesar(wallet.earnedTotal)}</dd>
        </dl>
        {l.state !== 'synced' && (
          <p className="note" data-testid="wallet-not-synced">
            {l.state === 'off'
              ? 'The ledger is off: these are the figures this node last had.'
              : `Not in sync yet (${SYNC_STATE_TEXT[l.state].toLowerCase()}): the figures may change once it is.`}
          </p>
        )}
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="wallet-balance-title" data-testid="wallet-balance-card">
      <h2 id="wallet-balance-title">Balance</h2>
      {body}
      {wallet ? (
        <LedgerLine ledger={wallet.ledger} now={now} />
      ) : (
        error && (
          <p data-testid="ledger-state" data-state="unavailable">
            <strong>Ledger:</strong> unavailable
          </p>
        )
      )}
    </section>
  );
}

/** This wallet's address (the node's NodeId) to give to whoever pays, with a copy button. */
function ReceivePanel(props: { address: string | undefined; short: string | undefined }) {
  const { address, short } = props;
  const [copyState, setCopyState] = useState<'copied' | 'selected' | null>(null);
  const text = useRef<HTMLElement>(null);
  const copy = async () => {
    if (!address) return;
    try {
      await navigator.clipboard.writeText(address);
      setCopyState('copied');
    } catch {
      // No clipboard (an insecure page, or permission refused): select the address for Ctrl+C instead.
      const el = text.current;
      const selection = window.getSelection();
      if (el && selection) {
        const range = document.createRange();
        range.selectNodeContents(el);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setCopyState('selected');
    }
  };
  return (
    <section className="card" aria-labelledby="wallet-receive-title" data-testid="wallet-receive">
      <h2 id="wallet-receive-title">Receive</h2>
      <p>Give this address to whoever pays you. It is this node's NodeId: the wallet is the node's own identity.</p>
      {address ? (
        <>
          <p className="address">
            <span className="note">Your address</span>
            <code ref={text} data-testid="wallet-address">
              {address}
            </code>
          </p>
          <p>
            Short form: <strong data-testid="wallet-address-short">{short}</strong>{' '}
            <span className="note">(for reading aloud; payments need the full address)</span>
          </p>
          <div className="form-actions">
            <button type="button" data-testid="wallet-copy" onClick={() => void copy()}>
              Copy address
            </button>
            <span role="status" data-testid="wallet-copy-status">
              {copyState === 'copied' && '✓ Copied to the clipboard.'}
              {copyState === 'selected' &&
                'The clipboard is not available here: the address is selected, press Ctrl+C (⌘C on a Mac) to copy it.'}
            </span>
          </div>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </section>
  );
}

function EarningsSection(props: { ledgerDown: boolean }) {
  const earnings = useApp((s) => s.earnings);
  const days = useApp((s) => s.earningsDays);
  const error = useApp((s) => s.earningsError);
  const loadEarnings = useApp((s) => s.loadEarnings);
  return (
    <section className="card" aria-labelledby="wallet-earnings-title" data-testid="wallet-earnings">
      <h2 id="wallet-earnings-title">Earnings</h2>
      <div className="segmented" role="group" aria-label="Period">
        {EARNINGS_PERIODS.map((d) => (
          <button
            key={d}
            type="button"
            aria-pressed={d === days}
            data-testid={`earnings-${d}d`}
            onClick={() => void loadEarnings(d)}
          >
            {d === 1 ? '1 day' : `${d} days`}
          </button>
        ))}
      </div>
      {error && !isLedgerDown(error) && (
        <p className="problem" data-testid="earnings-error">
          Earnings unavailable{earnings ? ' (showing the last known)' : ''}: {error.message}
        </p>
      )}
      {earnings ? (
        <EarningsChart points={earnings} days={days} />
      ) : props.ledgerDown || isLedgerDown(error) ? (
        <p data-testid="earnings-unavailable">No earnings to show: the Caesar ledger is unavailable.</p>
      ) : (
        !error && <p>Loading…</p>
      )}
    </section>
  );
}

const DIRECTION_FILTER_TEXT: Record<WalletTxView['direction'], string> = {
  in: 'In (received)',
  out: 'Out (sent)',
  none: 'Neither (stake, records)',
};

function HistorySection(props: { ledgerDown: boolean }) {
  const history = useApp((s) => s.walletHistory);
  const query = useApp((s) => s.walletHistoryQuery);
  const error = useApp((s) => s.walletHistoryError);
  const loadWalletHistory = useApp((s) => s.loadWalletHistory);
  const filters: HistoryFilters = {
    kind: query.kind ?? '',
    direction: query.direction ?? '',
    status: query.status ?? '',
  };
  const filtered = filters.kind !== '' || filters.direction !== '' || filters.status !== '';
  const edit = (change: Partial<HistoryFilters>) => void loadWalletHistory(historyQuery({ ...filters, ...change }));
  return (
    <section className="card" aria-labelledby="wallet-history-title" data-testid="wallet-history">
      <h2 id="wallet-history-title">History</h2>
      <form className="market-form" role="search" aria-label="Filter transactions" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="history-kind">Kind</label>
          <select
            id="history-kind"
            value={filters.kind}
            onChange={(e) => edit({ kind: e.target.value as LedgerTxKind | '' })}
          >
            <option value="">Any</option>
            {LEDGER_TX_KINDS.map((k) => (
              <option key={k} value={k}>
                {TX_KIND_TEXT[k]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-direction">Direction</label>
          <select
            id="history-direction"
            value={filters.direction}
            onChange={(e) => edit({ direction: e.target.value as WalletTxView['direction'] | '' })}
          >
            <option value="">Any</option>
            {(['in', 'out', 'none'] as const).map((d) => (
              <option key={d} value={d}>
                {DIRECTION_FILTER_TEXT[d]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-status">Status</label>
          <select
            id="history-status"
            value={filters.status}
            onChange={(e) => edit({ status: e.target.value as TxStatus | '' })}
          >
            <option value="">Any</option>
            {(['pending', 'confirmed', 'rejected'] as const).map((s) => (
              <option key={s} value={s}>
                {TX_STATUS_TEXT[s].replace(/^\W+\s/, '')}
              </option>
            ))}
          </select>
        </div>
      </form>
      {error && !isLedgerDown(error) && (
        <p className="problem" data-testid="history-error">
          History unavailable{history ? ' (showing the last known)' : ''}: {error.message}
        </p>
      )}
      {!history ? (
        props.ledgerDown || isLedgerDown(error) ? (
          <p data-testid="history-unavailable">No history to show: the Caesar ledger is unavailable.</p>
        ) : (
          !error && <p>Loading…</p>
        )
      ) : history.length === 0 ? (
        <p data-testid="history-empty">{filtered ? 'No transactions match these filters.' : 'No transactions yet.'}</p>
      ) : (
        <HistoryTable history={history} />
      )}
    </section>
  );
}

function HistoryTable(props: { history: readonly WalletTxView[] }) {
  return (
    <table className="log-table" data-testid="history-table">
      <caption className="visually-hidden">Wallet transactions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Kind</th>
          <th scope="col">Direction</th>
          <th scope="col">Counterparty</th>
          <th scope="col" className="num">
            Amount (Caesar)
          </th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Block
          </th>
          <th scope="col">Memo</th>
        </tr>
      </thead>
      <tbody>
        {props.history.map((tx) => (
          <tr key={tx.txId} data-testid="history-row" data-tx-id={tx.txId} data-status={tx.status}>
            <th scope="row" title={`Transaction ${tx.txId}`}>
              <time dateTime={tx.time}>{formatTime(tx.time)}</time>
            </th>
            <td data-testid="tx-kind">{TX_KIND_TEXT[tx.kind]}</td>
            <td data-testid="tx-direction">{DIRECTION_TEXT[tx.direction]}</td>
            <td data-testid="tx-counterparty">
              {tx.counterparty ? (
                <span className="mono" title={tx.counterparty}>
                  {shortAccount(tx.counterparty)}
                </span>
              ) : (
                '—'
              )}
            </td>
            <td data-testid="tx-amount" className={`num ${tx.direction === 'in' ? 'good' : ''}`}>
              {signedAmount(tx.amount, tx.direction)}
            </td>
            <td data-testid="tx-status">
              {TX_STATUS_TEXT[tx.status]}
              {tx.status === 'rejected' && tx.reason && <>: {tx.reason}</>}
            </td>
            <td data-testid="tx-height" className="num">
              {tx.height === null ? '—' : groupDigits(String(tx.height))}
            </td>
            <td data-testid="tx-memo">{tx.memo ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

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
  const toInput = useRef<HTMLInputElement>(null);
  const amountInput = useRef<HTMLInputElement>(null);
  const memoInput = useRef<HTMLInputElement>(null);
  const inFlight = useRef(false);
  const [requestId, setRequestId] = useState(props.initialRequestId);
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [touched, setTouched] = useState({ to: false, amount: false, memo: false });
  const [attempted, setAttempted] = useState(false);
  const [step, setStep] = useState<SendStep>('edit');
  // What the confirmation step shows and sends: the values as reviewed, even if the balance changes meanwhile.
  const [reviewed, setReviewed] = useState<Omit<SendRequest, 'requestId'> | null>(null);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const [sent, setSent] = useState<WalletTxView | null>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  const toCheck = checkRecipient(to, ownAddress);
  const amountCheck = checkAmount(amount, available);
  const memoCheck = checkMemo(memo);
  const shown = (field: keyof typeof touched, check: { ok: boolean; error?: string }) =>
    (touched[field] || attempted) && !check.ok ? (check.error ?? null) : null;
  const toError = shown('to', toCheck);
  const amountError = shown('amount', amountCheck);
  const memoError = memoCheck.ok ? null : memoCheck.error;

  const review = () => {
    setAttempted(true);
    const firstInvalid = !toCheck.ok ? toInput : !amountCheck.ok ? amountInput : !memoCheck.ok ? memoInput : null;
    if (firstInvalid || !toCheck.ok || !amountCheck.ok || !memoCheck.ok) {
      firstInvalid?.current?.focus();
      return;
    }
    setReviewed({
      to: toCheck.value,
      amount: amountCheck.value,
      ...(memoCheck.value === undefined ? {} : { memo: memoCheck.value }),
    });
    setFailure(null);
    setStep('confirm');
  };

  const submit = async () => {
    if (inFlight.current || !reviewed) return;
    const request: SendRequest = { ...reviewed, requestId };
    inFlight.current = true;
    setPending(true);
    setFailure(null);
    const result = await sendTokens(request);
    inFlight.current = false;
    setPending(false);
    if (result.ok) {
      setSent(result.value);
      setStep('done');
    } else {
      setFailure(result.error);
      if (refusedOutright(result.error.code)) setRequestId(newRequestId());
    }
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
        if (inFlight.current) e.preventDefault();
      }}
      onClose={onClose}
    >
      <h2 id="send-title">Send Caesar</h2>
      {step === 'edit' && (
        <form
          noValidate
          data-testid="send-form"
          onSubmit={(e) => {
            e.preventDefault();
            review();
          }}
        >
          <div className="field long">
            <label htmlFor="send-to">Recipient (NodeId or name)</label>
            <input
              id="send-to"
              ref={toInput}
              autoComplete="off"
              spellCheck={false}
              className="mono"
              value={to}
              aria-invalid={toError !== null}
              aria-describedby={describedBy('send-to-hint', toError !== null && 'send-to-error')}
              onChange={(e) => {
                setTo(e.target.value);
                setTouched((t) => ({ ...t, to: true }));
              }}
            />
            <span id="send-to-hint" className="note">
              The full NodeId (52 characters) or a HyperMesh name such as <code>alice</code>.
            </span>
            {toError && (
              <span id="send-to-error" className="field-error" data-testid="send-to-error">
                {toError}
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor="send-amount">Amount (Caesar)</label>
            <input
              id="send-amount"
              ref={amountInput}
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              aria-invalid={amountError !== null}
              aria-describedby={describedBy('send-amount-hint', amountError !== null && 'send-amount-error')}
              onChange={(e) => {
                setAmount(e.target.value);
                setTouched((t) => ({ ...t, amount: true }));
              }}
            />
            <span id="send-amount-hint" className="note">
              {available === undefined
                ? 'Up to 8 decimals. Your available balance is not known: the node checks it.'
                : `Up to 8 decimals; ${formatCaesar(available)} available.`}
            </span>
            {amountError && (
              <span id="send-amount-error" className="field-error" data-testid="send-amount-error">
                {amountError}
              </span>
            )}
          </div>
          <div className="field long">
            <label htmlFor="send-memo">Memo (optional)</label>
            <input
              id="send-memo"
              ref={memoInput}
              autoComplete="off"
              value={memo}
              aria-invalid={memoError !== null}
              aria-describedby={describedBy('send-memo-hint', memoError !== null && 'send-memo-error')}
              onChange={(e) => {
                setMemo(e.target.value);
                setTouched((t) => ({ ...t, memo: true }));
              }}
            />
            <span id="send-memo-hint" className="note">
              {memo.length}/{MEMO_MAX_LENGTH} characters. Everyone on the ledger can read it.
            </span>
            {memoError && (
              <span id="send-memo-error" className="field-error" data-testid="send-memo-error">
                {memoError}
              </span>
            )}
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" data-testid="send-review">
              Review
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {step === 'confirm' && reviewed && (
        <form
          noValidate
          data-testid="send-confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
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
        </form>
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

function SendSection(props: { wallet: WalletView | undefined; ownAddress: string | undefined }) {
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

function StakeSection(props: { wallet: WalletView | undefined; now: number }) {
  const { wallet, now } = props;
  const lockStake = useApp((s) => s.lockStake);
  const unlockStake = useApp((s) => s.unlockStake);
  const [amount, setAmount] = useState('');
  const [days, setDays] = useState('30');
  const [touched, setTouched] = useState({ amount: false, days: false });
  const [attempted, setAttempted] = useState(false);
  const [pending, setPending] = useState<'lock' | 'unlock' | null>(null);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const [done, setDone] = useState<WalletTxView | null>(null);
  // One id per lock or unlock until it is done (or refused outright): a retry after a lost reply is made once.
  const lockRequestId = useRef<string | null>(null);
  const unlockRequestId = useRef<string | null>(null);
  const inFlight = useRef(false);
  const amountInput = useRef<HTMLInputElement>(null);
  const daysInput = useRef<HTMLInputElement>(null);

  const amountCheck = checkAmount(amount, wallet?.available);
  const daysCheck = checkLockDays(days);
  const amountError = (touched.amount || attempted) && !amountCheck.ok ? amountCheck.error : null;
  const daysError = (touched.days || attempted) && !daysCheck.ok ? daysCheck.error : null;
  const unlockable = wallet !== undefined && canUnlockStake(wallet, now);

  const run = async (
    kind: 'lock' | 'unlock',
    ref: { current: string | null },
    call: (id: string) => ReturnType<typeof lockStake>,
  ) => {
    if (inFlight.current) return;
    inFlight.current = true;
    ref.current ??= newRequestId();
    setPending(kind);
    setFailure(null);
    setDone(null);
    const result = await call(ref.current);
    inFlight.current = false;
    setPending(null);
    if (result.ok) {
      ref.current = null;
      setDone(result.value);
      if (kind === 'lock') {
        setAmount('');
        setTouched({ amount: false, days: false });
        setAttempted(false);
      }
    } else {
      if (refusedOutright(result.error.code)) ref.current = null;
      setFailure(result.error);
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
            (amountCheck.ok ? daysInput : amountInput).current?.focus();
            return;
          }
          const request = { amount: amountCheck.value, lockDays: daysCheck.value };
          void run('lock', lockRequestId, (requestId) => lockStake({ ...request, requestId }));
        }}
      >
        <div className="field">
          <label htmlFor="stake-amount">Amount to lock (Caesar)</label>
          <input
            id="stake-amount"
            ref={amountInput}
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            aria-invalid={amountError !== null}
            aria-describedby={describedBy(amountError !== null && 'stake-amount-error')}
            onChange={(e) => {
              setAmount(e.target.value);
              setTouched((t) => ({ ...t, amount: true }));
            }}
          />
          {amountError && (
            <span id="stake-amount-error" className="field-error" data-testid="stake-amount-error">
              {amountError}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="stake-days">Lock for (days)</label>
          <input
            id="stake-days"
            ref={daysInput}
            type="number"
            min={LOCK_DAYS.min}
            max={LOCK_DAYS.max}
            step={1}
            value={days}
            aria-invalid={daysError !== null}
            aria-describedby={describedBy('stake-days-hint', daysError !== null && 'stake-days-error')}
            onChange={(e) => {
              setDays(e.target.value);
              setTouched((t) => ({ ...t, days: true }));
            }}
          />
          <span id="stake-days-hint" className="note">
            {LOCK_DAYS.min}–{LOCK_DAYS.max} days; locking more extends the lock of all your stake.
          </span>
          {daysError && (
            <span id="stake-days-error" className="field-error" data-testid="stake-days-error">
              {daysError}
            </span>
          )}
        </div>
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            data-testid="stake-lock"
            disabled={pending !== null}
            aria-busy={pending === 'lock'}
          >
            {pending === 'lock' ? 'Locking…' : 'Lock stake'}
          </button>
          <button
            type="button"
            data-testid="stake-unlock"
            disabled={!unlockable || pending !== null}
            aria-busy={pending === 'unlock'}
            aria-describedby="stake-unlock-hint"
            onClick={() => void run('unlock', unlockRequestId, (requestId) => unlockStake(requestId))}
          >
            {pending === 'unlock' ? 'Unlocking…' : 'Unlock stake'}
          </button>
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

/** The Caesar wallet: balance and ledger state, earnings, receive, send, stake and history. */
export function WalletPage(props: { now: number }) {
  const { now } = props;
  const wallet = useApp((s) => s.wallet);
  const walletError = useApp((s) => s.walletError);
  const status = useApp((s) => s.status);
  const refreshWallet = useApp((s) => s.refreshWallet);
  const loadWalletHistory = useApp((s) => s.loadWalletHistory);
  const loadEarnings = useApp((s) => s.loadEarnings);
  const refresh = useCallback(async () => {
    await Promise.all([refreshWallet(), loadWalletHistory(), loadEarnings()]);
  }, [refreshWallet, loadWalletHistory, loadEarnings]);
  usePolling(refresh, POLL_MS);

  // The wallet's address is the node's NodeId: known from the status even while the ledger is not.
  const address = wallet?.address ?? status?.nodeId;
  const short = wallet?.addressShort ?? status?.nodeIdShort;
  const ledgerDown = !wallet && isLedgerDown(walletError);

  return (
    <div className="page wallet">
      <h1>Wallet</h1>
      <p>
        Caesar this node earns by sharing, and what it sends and stakes. Amounts are exact, to 8 decimals, as the ledger
        records them.
      </p>
      <div className="grid">
        <BalanceCard wallet={wallet} error={walletError} now={now} />
        <ReceivePanel address={address} short={short} />
      </div>
      <EarningsSection ledgerDown={ledgerDown} />
      <div className="grid">
        <SendSection wallet={wallet} ownAddress={address} />
        <StakeSection wallet={wallet} now={now} />
      </div>
      <HistorySection ledgerDown={ledgerDown} />
    </div>
  );
}
