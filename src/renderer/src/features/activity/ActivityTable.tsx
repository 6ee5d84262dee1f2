import type { ActivityItem } from '../../../../shared/activity';
import { DataTable } from '../../components/DataTable';
import { Peer, RelativeTime } from '../../components/Display';
import { formatDuration } from '../../format';
import { formatCaesar } from '../wallet/wallet';
import { KIND_TEXT, STATE_TEXT, elapsedSeconds, resourcesText, resultText, trailIdOf } from './activity';

/** A peer's short NodeId, or why there is none. */
export function PeerCell(props: { item: ActivityItem }) {
  return props.item.peer ? <Peer nodeId={props.item.peer} /> : <span className="note">not known here</span>;
}

/** The Activity list; a row's button opens its receipt trail. */
export function ActivityTable(props: {
  items: readonly ActivityItem[];
  now: number;
  onOpen: (trailId: string) => void;
}) {
  const { now } = props;
  return (
    <DataTable
      testId="activity-table"
      caption="Activity, newest first"
      columns={['Kind', 'Peer', 'Resources', 'State', 'Started', 'Elapsed', 'Result', 'Earnings', 'Receipts']}
    >
      {props.items.map((item) => {
        const trailId = trailIdOf(item);
        return (
          <tr
            key={item.id}
            data-testid="activity-row"
            data-id={item.id}
            data-kind={item.kind}
            data-direction={item.direction}
            data-state={item.state}
          >
            <th scope="row">
              {KIND_TEXT[item.kind]}
              <br />
              <span className="note">{item.direction === 'for-others' ? 'for others' : 'by others'}</span>
            </th>
            <td>
              <PeerCell item={item} />
            </td>
            <td data-testid="activity-resources">{resourcesText(item)}</td>
            <td data-testid="activity-state">
              {STATE_TEXT[item.state]}
              {item.progress !== null && (
                <>
                  {' '}
                  <progress max={1} value={item.progress} aria-label={`${KIND_TEXT[item.kind]} time used`} />
                </>
              )}
            </td>
            <td className="nowrap">
              <RelativeTime iso={item.startedAt} now={now} />
            </td>
            <td className="nowrap">{formatDuration(elapsedSeconds(item, now))}</td>
            <td data-testid="activity-result">{resultText(item)}</td>
            <td className="nowrap" data-testid="activity-earnings" data-paid={item.earnings.paid}>
              {formatCaesar(item.earnings.paid)}
              {item.earnings.pending !== '0' && (
                <>
                  <br />
                  <span className="note">+ {formatCaesar(item.earnings.pending)} pending</span>
                </>
              )}
            </td>
            <td>
              {trailId && (
                <button type="button" data-testid="open-trail" onClick={() => props.onOpen(trailId)}>
                  Open trail
                </button>
              )}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
