import { usePolling } from '../../hooks';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import { RelativeTime } from '../../components/Display';
import { useApp } from '../../store';
import { KIND_TEXT, resourcesText } from './activity';
import { PeerCell } from './ActivityTable';

/** How often the card asks again. */
const POLL_MS = 2000;

/** The Dashboard's card: what runs on this machine for others now — who, what, how much, since when. */
export function RunningNow(props: { now: number }) {
  const items = useApp((s) => s.runningNow);
  const error = useApp((s) => s.runningNowError);
  const refresh = useApp((s) => s.refreshRunningNow);
  usePolling(refresh, POLL_MS);
  return (
    <section className="card wide" aria-labelledby="running-now-title" data-testid="running-now">
      <h2 id="running-now-title">Running on this machine now</h2>
      {error && (
        <NodeFailureAlert failure={error} title="What runs here could not be read." testId="running-now-error" />
      )}
      {!items ? (
        !error && <p>Loading…</p>
      ) : items.length === 0 ? (
        <p data-testid="running-now-empty">
          Nothing runs here for others right now. Peers can use what you share on the <a href="#/sharing">Sharing</a>{' '}
          page; everything that ran is on the <a href="#/activity">Activity</a> page.
        </p>
      ) : (
        <ul className="plain-list">
          {items.map((item) => (
            <li key={item.id} data-testid="running-now-item" data-id={item.id} data-kind={item.kind}>
              <strong>{KIND_TEXT[item.kind]}</strong> for <PeerCell item={item} />: {resourcesText(item)}, since{' '}
              <RelativeTime iso={item.startedAt} now={props.now} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
