import { ErrorCode } from '../../../../shared/errors';
import type { NodeStatus } from '../../../../shared/api/contract';
import type { EarningsPoint, WalletView } from '../../../../shared/ledger';
import type { Settings } from '../../../../shared/settings';
import { EarningsChart } from '../../components/EarningsChart';
import type { NodeFailure } from '../../state/kit';
import { formatCaesar } from '../wallet/wallet';
import { DASHBOARD_EARNINGS_DAYS, EARNINGS_GAP_TEXT, earningsGap, earningsSums } from './dashboard';

/** Earned today, over 7 and 30 days, with the 30-day chart; or why nothing is earned and what to do. */
export function EarningsCard(props: {
  readonly points: readonly EarningsPoint[] | undefined;
  readonly pointsError: NodeFailure | undefined;
  readonly wallet: WalletView | undefined;
  readonly status: Pick<NodeStatus, 'sharing'>;
  readonly settings: Pick<Settings, 'allocation'>;
  readonly now: number;
}) {
  const { points, wallet } = props;
  const body = (() => {
    if (!points) {
      const failure = props.pointsError;
      if (!failure) return <p>Asking the node for earnings…</p>;
      // No earnings history without a ledger: that is the reason, not an error to show as such.
      if (failure.code === ErrorCode.LedgerUnavailable) return <EarningsGapText gap="no-ledger" />;
      return <p role="alert">The node could not give its earnings: {failure.message}</p>;
    }
    const sums = earningsSums(points, new Date(props.now));
    const gap = earningsGap({
      month: sums.month,
      ledger: wallet?.ledger,
      status: props.status,
      settings: props.settings,
    });
    return (
      <>
        <dl className="earnings-sums">
          <dt>Today</dt>
          <dd data-testid="earned-today">{formatCaesar(sums.today)}</dd>
          <dt>7 days</dt>
          <dd data-testid="earned-week">{formatCaesar(sums.week)}</dd>
          <dt>30 days</dt>
          <dd data-testid="earned-month">{formatCaesar(sums.month)}</dd>
        </dl>
        {gap ? <EarningsGapText gap={gap} /> : <EarningsChart points={points} days={DASHBOARD_EARNINGS_DAYS} />}
      </>
    );
  })();
  return (
    <section className="card wide" aria-labelledby="dash-earnings">
      <h2 id="dash-earnings">Earnings</h2>
      {body}
      <p className="note">
        Balance and every transaction: the <a href="#/wallet">Wallet</a> page.
      </p>
    </section>
  );
}

function EarningsGapText(props: { gap: keyof typeof EARNINGS_GAP_TEXT }) {
  const text = EARNINGS_GAP_TEXT[props.gap];
  return (
    <div data-testid="earnings-gap" data-gap={props.gap}>
      <p>{text.why}</p>
      <p>{text.whatToDo}</p>
    </div>
  );
}
