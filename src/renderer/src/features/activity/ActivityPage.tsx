import { useCallback, useState } from 'react';
import { ACTIVITY_DIRECTIONS, ACTIVITY_KINDS, ACTIVITY_STATES } from '../../../../shared/activity';
import { EmptyState } from '../../components/Banner';
import { AnyOfFields, type AnyOfFilter } from '../../components/Field';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';
import { usePolling } from '../../hooks';
import { useApp, useAppFields } from '../../store';
import { DIRECTION_TEXT, KIND_TEXT, STATE_TEXT } from './activity';
import { ActivityTable } from './ActivityTable';
import { downloadCsv } from './csv';
import { ReceiptTrailView } from './ReceiptTrailView';
import { ReconciliationCard } from './ReconciliationCard';

/** The list's filters: each a select of "Any" or one value. */
const FILTERS: readonly AnyOfFilter<'direction' | 'kind' | 'state'>[] = [
  { key: 'direction', label: 'Direction', options: ACTIVITY_DIRECTIONS, text: DIRECTION_TEXT },
  { key: 'kind', label: 'Kind', options: ACTIVITY_KINDS, text: KIND_TEXT },
  { key: 'state', label: 'State', options: ACTIVITY_STATES, text: STATE_TEXT },
];

/** How often the list and the reconciliation are asked again while the page is open. */
const POLL_MS = 2000;

/** The work this machine does for others and has others do, live; receipt trails; the wallet reconciled. */
export function ActivityPage(props: { now: number }) {
  const {
    activity: items,
    activityError: error,
    activityFilters: filters,
    setActivityFilters: setFilters,
    refreshActivity,
    reconciliation,
    reconciliationError,
  } = useAppFields(
    'activity',
    'activityError',
    'activityFilters',
    'setActivityFilters',
    'refreshActivity',
    'reconciliation',
    'reconciliationError',
  );
  const sharing = useApp((s) => s.status?.sharing);
  const [trailId, setTrailId] = useState<string | null>(null);
  const refresh = useCallback(() => refreshActivity(), [refreshActivity]);
  usePolling(refresh, POLL_MS);
  const filtered = filters.direction !== undefined || filters.kind !== undefined || filters.state !== undefined;
  const edit = (change: Partial<Record<'direction' | 'kind' | 'state', string>>) => {
    const next = { ...filters, ...change };
    setFilters(Object.fromEntries(Object.entries(next).filter(([, v]) => v !== '' && v !== undefined)));
  };
  return (
    <div className="page activity">
      <h1>Activity</h1>
      <p>
        What this machine does for others (jobs it runs, leases on what it shares, memory it serves) and what it has
        others do, with what each earned. Open a trail to see the receipts behind every Caesar.
      </p>
      <div className="grid">
        <ReconciliationCard reconciliation={reconciliation} error={reconciliationError} />
      </div>
      {trailId && <ReceiptTrailView trailId={trailId} onClose={() => setTrailId(null)} />}
      <section className="card" aria-labelledby="activity-list-title" data-testid="activity-list">
        <h2 id="activity-list-title">History</h2>
        <form className="market-form" role="search" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
          <AnyOfFields idPrefix="activity" filters={FILTERS} values={filters} onChange={edit} />
          <button
            type="button"
            data-testid="activity-export"
            disabled={!items || items.length === 0}
            onClick={() =>
              items && downloadCsv(items, `hypermesh-activity-${new Date().toISOString().slice(0, 10)}.csv`)
            }
          >
            Export CSV
          </button>
        </form>
        {error && (
          <NodeFailureAlert
            failure={error}
            title="The activity could not be listed."
            prefix={items ? '(Showing the last known.) ' : undefined}
            testId="activity-error"
          />
        )}
        {!items ? (
          !error && <p>Loading…</p>
        ) : items.length === 0 ? (
          filtered ? (
            <EmptyState title="Nothing matches these filters">
              <p data-testid="activity-empty">Set a filter back to Any to see more.</p>
            </EmptyState>
          ) : (
            <EmptyState title="Nothing has run here yet">
              <NothingYet sharing={sharing} />
            </EmptyState>
          )
        ) : (
          <ActivityTable items={items} now={props.now} onOpen={setTrailId} />
        )}
      </section>
    </div>
  );
}

/** Why the list is empty, from what the node shares now, and what to do about it. */
function NothingYet(props: { sharing: 'off' | 'paused' | 'active' | undefined }) {
  const rent = (
    <>
      rent from peers on the <a href="#/marketplace">Marketplace</a>.
    </>
  );
  return (
    <p data-testid="activity-empty">
      No job, lease or memory mapping involves this node yet.{' '}
      {props.sharing === 'active' ? (
        <>You share resources now: peers' work appears here as soon as one uses them. You can also {rent}</>
      ) : (
        <>
          {props.sharing === 'paused' ? 'Sharing is paused: resume it' : 'Share something'} on the{' '}
          <a href="#/sharing">Sharing</a> page so peers can use it, or {rent}
        </>
      )}
    </p>
  );
}
