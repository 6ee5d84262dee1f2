import type { BenchmarkCapacity } from '../../../../shared/benchmark';
import { earningsPreview, type PeriodAmounts } from '../../../../shared/earnings-preview';
import { PRIVACY_LEVEL_INFO } from '../../../../shared/privacy';
import type { PrivacyLevel, ResourceKind } from '../../../../shared/settings';
import { DataTable } from '../../components/DataTable';

/** Caesar base units as people read them: at most two decimals. */
export function caesarText(units: bigint): string {
  return `${(Number(units) / 1e8).toLocaleString('en', { maximumFractionDigits: 2 })} Caesar`;
}

const PERIODS = [
  ['hour', 'per hour'],
  ['day', 'per day'],
  ['days30', 'per 30 days'],
] as const satisfies readonly (readonly [keyof PeriodAmounts, string])[];

/** The estimate per privacy level, labelled as one, with what it assumes; the chosen level's row is marked. */
export function EarningsPreview(props: {
  capacity: BenchmarkCapacity;
  allocation: Readonly<Record<ResourceKind, number>>;
  level: PrivacyLevel;
}) {
  const rows = earningsPreview(props.capacity, props.allocation);
  return (
    <div className="earnings-preview" data-testid="earnings-preview">
      <h3>Earnings preview (an estimate)</h3>
      <DataTable columns={['Privacy level', ...PERIODS.map(([, title]) => `Estimate ${title}`)]}>
        {rows.map((row) => (
          <tr
            key={row.level}
            data-testid={`preview-${row.level}`}
            className={row.level === props.level ? 'current' : ''}
          >
            <th scope="row">
              {PRIVACY_LEVEL_INFO[row.level].title}
              {row.level === props.level && ' (chosen)'}
            </th>
            {PERIODS.map(([period]) => (
              <td key={period}>≈ {caesarText(row.total[period])}</td>
            ))}
          </tr>
        ))}
      </DataTable>
      <p className="note">
        An estimate, not a promise: it assumes peers use all of what you share, all the time, at the shares you choose
        (now CPU {props.allocation.cpu} %, GPU {props.allocation.gpu} %, memory {props.allocation.memory} %, storage{' '}
        {props.allocation.storage} %, bandwidth {props.allocation.bandwidth} %), paid by the ledger&apos;s reward
        formula. A resource this machine does not show (no GPU, no link speed reported) counts nothing. Real earnings
        follow real use, which may be none; the sharing rules lower it further.
      </p>
    </div>
  );
}
