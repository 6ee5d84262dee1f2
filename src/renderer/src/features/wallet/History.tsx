import { AnyOfFields, type AnyOfFilter } from '../../components/Field';
import { DataTable } from '../../components/DataTable';
import { LEDGER_TX_KINDS, type WalletTxView } from '../../../../shared/ledger';
import { formatTime } from '../../format';
import { useAppFields } from '../../store';
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

const TX_STATUSES = ['pending', 'confirmed', 'rejected'] as const;

/** The history's filters: the kind, the direction and the status of a transaction. */
const FILTERS: readonly AnyOfFilter<keyof HistoryFilters>[] = [
  { key: 'kind', label: 'Kind', options: LEDGER_TX_KINDS, text: TX_KIND_TEXT },
  { key: 'direction', label: 'Direction', options: ['in', 'out', 'none'], text: DIRECTION_FILTER_TEXT },
  {
    key: 'status',
    label: 'Status',
    options: TX_STATUSES,
    // The status without its sign: "✓ Confirmed" is offered as "Confirmed".
    text: Object.fromEntries(TX_STATUSES.map((st) => [st, TX_STATUS_TEXT[st].replace(/^\W+\s/, '')])),
  },
];

export function HistorySection(props: { ledgerDown: boolean }) {
  const { walletHistory: history, walletHistoryQuery: query } = useAppFields('walletHistory', 'walletHistoryQuery');
  const { walletHistoryError: error, loadWalletHistory } = useAppFields('walletHistoryError', 'loadWalletHistory');
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
        {/* The selects offer only the filters' options, so a change is one of HistoryFilters. */}
        <AnyOfFields
          idPrefix="history"
          filters={FILTERS}
          values={filters}
          onChange={(change) => edit(change as Partial<HistoryFilters>)}
        />
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
    <DataTable
      columns={['Time', 'Kind', 'Direction', 'Counterparty', 'Amount (Caesar)', 'Status', 'Block', 'Memo']}
      numeric={[4, 6]}
      testId="history-table"
      caption="Wallet transactions, newest first"
    >
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
    </DataTable>
  );
}
