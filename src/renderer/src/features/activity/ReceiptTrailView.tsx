import { useCallback, useState } from 'react';
import type { ReceiptTrail } from '../../../../shared/activity';
import { useApi } from '../../api/context';
import { DataTable } from '../../components/DataTable';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import { Peer } from '../../components/Display';
import { KIND_UNIT, formatKindAmount, formatTime } from '../../format';
import { usePolling } from '../../hooks';
import { failureOf, type NodeFailure } from '../../state/kit';
import { formatCaesar, groupDigits } from '../wallet/wallet';

/** How often an open trail is asked again (new receipts arrive while a lease runs). */
const TRAIL_POLL_MS = 2000;

/**
 * A job's or lease's receipt trail: each usage receipt its consumer signed, the reward formula with its numbers,
 * and the transaction and block that paid it.
 */
export function ReceiptTrailView(props: { trailId: string; onClose: () => void }) {
  const api = useApi();
  const { trailId } = props;
  const [trail, setTrail] = useState<ReceiptTrail | undefined>(undefined);
  const [error, setError] = useState<NodeFailure | undefined>(undefined);
  const load = useCallback(async () => {
    try {
      const t = await api.getReceiptTrail(trailId);
      setTrail(t.id === trailId ? t : undefined);
      setError(undefined);
    } catch (err) {
      setError(failureOf(err));
    }
  }, [api, trailId]);
  usePolling(load, TRAIL_POLL_MS);
  return (
    <section className="card wide" aria-labelledby="trail-title" data-testid="receipt-trail" data-trail-id={trailId}>
      <h2 id="trail-title">
        Receipt trail of <span className="mono">{trailId}</span>
      </h2>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
      {error && <NodeFailureAlert failure={error} title="The receipt trail could not be read." testId="trail-error" />}
      {!trail ? (
        !error && <p>Loading…</p>
      ) : trail.entries.length === 0 ? (
        <p data-testid="trail-empty">
          No receipt yet: the consumer signs one for each stretch of use (about every minute, and when a job ends), and
          the provider turns it into a reward transaction.
        </p>
      ) : (
        <>
          <p>
            Each receipt pays: amount ÷ unit × hours (ms ÷ 3,600,000) × resource weight × privacy multiplier × base rate
            (Caesar per unit-hour) = payout, rounded down to 0.00000001 Caesar.
          </p>
          <DataTable
            testId="trail-table"
            caption="Receipts and the rewards that paid them"
            columns={['Window', 'Resource', 'Consumer → provider', 'Formula', 'Payout', 'Transaction', 'Block']}
          >
            {trail.entries.map((e) => {
              const f = e.formula;
              return (
                <tr key={e.tx.txId} data-testid="trail-row" data-status={e.tx.status} data-payout={f.payout}>
                  <td className="nowrap">
                    {formatTime(e.fromAt)} → {formatTime(e.toAt)}
                  </td>
                  <td data-testid="trail-resource" title={`${groupDigits(e.amount)} (${KIND_UNIT[e.resource]})`}>
                    {formatKindAmount(e.resource, e.amount)}
                  </td>
                  <td>
                    <Peer nodeId={e.consumer} /> → <Peer nodeId={e.provider} />
                  </td>
                  <td data-testid="trail-formula">
                    {groupDigits(e.amount)} ÷ {groupDigits(f.unit)} × (
                    {groupDigits(String(Date.parse(e.toAt) - Date.parse(e.fromAt)))} ms ÷ 3,600,000) × {f.weight} ×{' '}
                    {f.privacyMultiplier} ({f.privacyLevel}) × {f.baseRate}
                  </td>
                  <td className="nowrap" data-testid="trail-payout">
                    {formatCaesar(f.payout)}
                  </td>
                  <td>
                    <span className="mono" title={e.tx.txId}>
                      {e.tx.txId.slice(0, 12)}…
                    </span>{' '}
                    ({e.tx.status})
                  </td>
                  <td>
                    {e.block ? (
                      <span title={e.block.hash}>
                        #{e.block.height} <span className="mono">{e.block.hash.slice(0, 12)}…</span>
                      </span>
                    ) : (
                      'not in a block yet'
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
          <p>
            Total of the payouts: <strong data-testid="trail-total">{formatCaesar(trail.total)}</strong>
          </p>
        </>
      )}
    </section>
  );
}
