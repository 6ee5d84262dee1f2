import type { Reconciliation } from '../../../../shared/activity';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import type { NodeFailure } from '../../state/kit';
import { formatCaesar } from '../wallet/wallet';
import { LINE_TEXT } from './activity';

/** "Your wallet adds up": each confirmed transaction kind summed, and the total beside the wallet's own numbers. */
export function ReconciliationCard(props: {
  reconciliation: Reconciliation | undefined;
  error: NodeFailure | undefined;
}) {
  const rec = props.reconciliation;
  return (
    <section className="card" aria-labelledby="rec-title" data-testid="reconciliation">
      <h2 id="rec-title">
        {!rec ? 'Does your wallet add up?' : rec.addsUp ? 'Your wallet adds up' : 'Your wallet does not add up'}
      </h2>
      {props.error && (
        <NodeFailureAlert failure={props.error} title="The wallet could not be reconciled." testId="rec-error" />
      )}
      {!rec ? (
        !props.error && <p>Loading…</p>
      ) : (
        <>
          <p>Every confirmed transaction of this wallet, up to block {rec.height}, summed by kind:</p>
          <table className="log-table" aria-labelledby="rec-title">
            <tbody>
              {rec.lines.map((l) => (
                <tr key={l.key} data-testid={`rec-${l.key}`} data-amount={l.amount}>
                  <th scope="row">{LINE_TEXT[l.key]}</th>
                  <td>{formatCaesar(l.amount)}</td>
                  <td className="note">
                    {l.count} transaction{l.count === 1 ? '' : 's'}
                  </td>
                </tr>
              ))}
              <tr data-testid="rec-total">
                <th scope="row">Total</th>
                <td>
                  <strong>{formatCaesar(rec.expectedBalance)}</strong>
                </td>
                <td />
              </tr>
            </tbody>
          </table>
          <p data-testid="rec-verdict" data-adds-up={String(rec.addsUp)}>
            {rec.addsUp
              ? `The total equals the wallet's balance, ${formatCaesar(rec.balance)}, and the stake locked minus unlocked equals the stake, ${formatCaesar(rec.staked)}.`
              : `The wallet's balance is ${formatCaesar(rec.balance)}: ${formatCaesar(rec.balanceDifference)} off the total; its stake ${formatCaesar(rec.staked)} is ${formatCaesar(rec.stakedDifference)} off.`}{' '}
            Available to spend: {formatCaesar(rec.available)} (the balance less {formatCaesar(rec.pendingOut)} in
            pending sends).
          </p>
        </>
      )}
    </section>
  );
}
