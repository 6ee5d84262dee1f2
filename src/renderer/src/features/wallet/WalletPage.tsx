import { useCallback, useRef, useState, type ReactNode } from 'react';
import { type LedgerStatusView, type WalletView } from '../../../../shared/ledger';
import { EarningsChart } from '../../components/EarningsChart';
import { usePolling } from '../../hooks';
import { useApp, useAppFields, type NodeFailure } from '../../store';
import { EARNINGS_PERIODS, SYNC_STATE_TEXT, formatCaesar, ledgerSummary } from './wallet';
import { When, isLedgerDown } from './WalletError';
import { SendSection } from './Send';
import { StakeSection } from './Stake';
import { HistorySection } from './History';

/** How often the wallet, its history and the earnings are asked again while the page is open (events come too). */
const POLL_MS = 5000;

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
  const { earnings, earningsDays: days } = useAppFields('earnings', 'earningsDays');
  const { earningsError: error, loadEarnings } = useAppFields('earningsError', 'loadEarnings');
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

/** The Caesar wallet: balance and ledger state, earnings, receive, send, stake and history. */
export function WalletPage(props: { now: number }) {
  const { now } = props;
  const { wallet, walletError, status } = useAppFields('wallet', 'walletError', 'status');
  const { refreshWallet, loadWalletHistory } = useAppFields('refreshWallet', 'loadWalletHistory');
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
