import type { EarningsPoint } from '../../../shared/ledger';
import {
  axisLabel,
  earningsBars,
  formatCaesar,
  hoursPerBar,
  layoutBars,
  niceCeiling,
  totalEarnings,
  type EarningsBar,
} from '../features/wallet/wallet';

const W = 640;
const H = 160;
const PAD = 28;
const AREA = { x: PAD + 30, y: 8, width: W - PAD - 30 - 8, height: H - PAD - 8 };

function barTitle(bar: EarningsBar, days: number): string {
  const dateStyle = days <= 1 ? undefined : 'medium';
  const from = new Date(bar.start).toLocaleString(undefined, { dateStyle, timeStyle: 'short' });
  const to = new Date(bar.end).toLocaleTimeString(undefined, { timeStyle: 'short' });
  return `${from}–${to}: ${formatCaesar(bar.amount)}`;
}

function edgeLabel(ms: number, days: number): string {
  return days <= 1
    ? new Date(ms).toLocaleTimeString(undefined, { timeStyle: 'short' })
    : new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/**
 * Confirmed earnings over the last `days` days as an SVG bar chart (1 h, 6 h or 1 day per bar), with the exact total
 * in words for screen readers. The amounts become numbers only to set the bars' heights.
 */
export function EarningsChart(props: { points: readonly EarningsPoint[]; days: number }) {
  const { points, days } = props;
  const bars = earningsBars(points, hoursPerBar(days));
  const total = totalEarnings(points);
  const top = niceCeiling(Math.max(0, ...bars.map((b) => b.value)));
  const geometry = layoutBars(bars, AREA, top);
  const hours = hoursPerBar(days);
  const per = hours === 1 ? 'one hour' : hours === 24 ? 'one day' : `${hours} hours`;
  const period = days === 1 ? 'the last 24 hours' : `the last ${days} days`;
  const summary = `Earned ${formatCaesar(total)} in ${period}`;
  const first = bars[0];
  const last = bars[bars.length - 1];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid="earnings-chart">
        <line x1={AREA.x} y1={AREA.y + AREA.height} x2={W - 8} y2={AREA.y + AREA.height} className="axis" />
        <line x1={AREA.x} y1={AREA.y} x2={AREA.x} y2={AREA.y + AREA.height} className="axis" />
        <text x={2} y={AREA.y + 8} className="tick">
          {axisLabel(top)}
        </text>
        <text x={2} y={AREA.y + AREA.height} className="tick">
          0
        </text>
        {first && (
          <text x={AREA.x} y={H - 8} className="tick">
            {edgeLabel(first.start, days)}
          </text>
        )}
        {last && (
          <text x={W - 8} y={H - 8} className="tick" textAnchor="end">
            {edgeLabel(last.end, days)}
          </text>
        )}
        {geometry.map((g, i) => {
          const bar = bars[i];
          if (!bar || g.height <= 0) return null;
          return (
            <rect key={i} x={g.x} y={g.y} width={g.width} height={g.height} className="bar-earned">
              <title>{barTitle(bar, days)}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption data-testid="earnings-summary">
        {summary}; each bar covers {per}.
      </figcaption>
    </figure>
  );
}
