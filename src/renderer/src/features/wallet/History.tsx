import { LEDGER_TX_KINDS, type LedgerTxKind, type TxStatus, type WalletTxView } from '../../../../shared/ledger';
import { formatTime } from '../../format';
import { useApp } from '../../store';
import {
  DIRECTION_TEXT,
  TX_KIND_TEXT,
  TX_STATUS_TEXT,
  groupDigits,
  historyQuery,
  shortAccount,
  signedAmount,
  type HistoryFilters,
} from './wallet';
import { isLedgerDown } from './WalletError';

const DIRECTION_FILTER_TEXT: Record<WalletTxView['direction'], string> = {
  in: 'In (received)',
  out: 'Out (sent)',
  none: 'Neither (stake, records)',
};

export function HistorySection(props: { ledgerDown: boolean }) {
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
