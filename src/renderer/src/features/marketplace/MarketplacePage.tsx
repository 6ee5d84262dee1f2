import { GpuDevice } from './GpuDevice';
import { DataTable, RowsTable } from '../../components/DataTable';
import { useCallback, useRef, useState } from 'react';
import type { AssetSearchQuery, RemoteAllocationView, RemoteAssetView } from '../../../../shared/mesh';
import { PRIVACY_LEVEL_INFO } from '../../../../shared/privacy';
import { RESOURCE_KINDS } from '../../../../shared/settings';
import { Banner } from '../../components/Banner';
import { KIND_TITLE, formatAmount } from '../../format';
import { usePolling } from '../../hooks';
import { AnyOfField, Field, NumberField } from '../../components/Field';
import { Peer, RelativeTime, Verdict } from '../../components/Display';
import {
  EMPTY_SEARCH,
  MAX_LATENCY_MS,
  SEARCH_CAPACITY_UNIT,
  formatPrice,
  formatRtt,
  parseSearchForm,
  type SearchForm,
  type SearchFormErrors,
} from '../network/mesh';
import { useApp, useAppFields } from '../../store';
import { AllocateForm } from './AllocateForm';
import { ActionForm } from '../../components/ActionForm';

/** How often the results, the leases and the mesh state are asked again while the page is open. */
const POLL_MS = 5000;

function Owner(props: { nodeId: string | null }) {
  if (props.nodeId === null) return <span className="note">anonymous</span>;
  return <Peer nodeId={props.nodeId} className="mono" />;
}

function SearchFormView(props: {
  form: SearchForm;
  errors: SearchFormErrors;
  searching: boolean;
  onChange: (form: SearchForm) => void;
  onSubmit: () => void;
}) {
  const { form, errors, searching, onChange } = props;
  const unit = form.kind === '' ? null : SEARCH_CAPACITY_UNIT[form.kind];
  const edit = (change: Partial<SearchForm>) => onChange({ ...form, ...change });
  return (
    <ActionForm className="market-form" role="search" aria-label="Search peers' resources" onSubmit={props.onSubmit}>
      <AnyOfField
        id="market-kind"
        label="Kind"
        testId="search-kind"
        value={form.kind}
        options={RESOURCE_KINDS}
        text={(k) => KIND_TITLE[k]}
        onChange={(kind) => edit({ kind })}
      />
      <Field
        id="market-min-capacity"
        label={<>Minimum capacity {unit ? `(${unit.label})` : '(choose a kind first)'}</>}
        error={errors.minCapacity}
      >
        {(aria) => (
          <input
            id="market-min-capacity"
            data-testid="search-min-capacity"
            type="number"
            min={0}
            step={unit?.whole ? 1 : 'any'}
            disabled={unit === null}
            value={form.minCapacity}
            {...aria}
            onChange={(e) => edit({ minCapacity: e.target.value })}
          />
        )}
      </Field>
      <Field id="market-max-price" label={<>Maximum price per hour (Caesar)</>} error={errors.maxPrice}>
        {(aria) => (
          <input
            id="market-max-price"
            data-testid="search-max-price"
            inputMode="decimal"
            autoComplete="off"
            placeholder="any"
            value={form.maxPrice}
            {...aria}
            onChange={(e) => edit({ maxPrice: e.target.value })}
          />
        )}
      </Field>
      <NumberField
        id="market-max-latency"
        label="Maximum latency (ms)"
        limits={{ min: 0, max: MAX_LATENCY_MS }}
        value={form.maxLatency}
        error={errors.maxLatency}
        testId="search-max-latency"
        onChange={(maxLatency) => edit({ maxLatency })}
      />
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            data-testid="search-verified"
            checked={form.verifiedOnly}
            aria-describedby="market-verified-hint"
            onChange={(e) => edit({ verifiedOnly: e.target.checked })}
          />
          Only Verified-grade providers
        </label>
        <span id="market-verified-hint" className="note">
          Owners that ask all four consensus proofs of consumers too.
        </span>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" data-testid="search-submit" aria-busy={searching}>
          Search
        </button>
      </div>
    </ActionForm>
  );
}

function ResultsTable(props: {
  results: readonly RemoteAssetView[];
  selected: string | null;
  now: number;
  onAllocate: (asset: RemoteAssetView) => void;
}) {
  return (
    <DataTable
      columns={['Kind', 'Capacity offered', 'Owner', 'Privacy', 'Price', 'RTT', 'Expires', 'Action']}
      testId="search-results"
      caption="Resources found"
    >
      {props.results.map((a) => (
        <tr
          key={a.assetId}
          data-testid="search-result"
          className={props.selected === a.assetId ? 'selected' : undefined}
        >
          <th scope="row" title={a.assetId}>
            {KIND_TITLE[a.kind]}
            {a.device && <GpuDevice device={a.device} />}
          </th>
          <td data-testid="result-capacity">{formatAmount(a.capacity.allowed, a.capacity.unit)}</td>
          <td data-testid="result-owner">
            <Owner nodeId={a.owner} />
          </td>
          <td>
            {a.privacyLevel ? PRIVACY_LEVEL_INFO[a.privacyLevel].title : '—'}{' '}
            <span className="note">({a.allocationType})</span>
          </td>
          <td data-testid="result-price">{formatPrice(a.pricePerHour)}</td>
          <td>{formatRtt(a.rttMs)}</td>
          <td>
            <RelativeTime iso={a.expiresAt} now={props.now} />
          </td>
          <td>
            {a.owner === null ? (
              <span className="note">not from here</span>
            ) : (
              <button type="button" data-testid="allocate-open" onClick={() => props.onAllocate(a)}>
                Allocate
              </button>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function LeasesSection(props: {
  leases: readonly RemoteAllocationView[] | undefined;
  error: string | undefined;
  now: number;
}) {
  const { leases, error, now } = props;
  return (
    <section className="card" aria-labelledby="market-leases">
      <h2 id="market-leases">My leases on peers' assets</h2>
      {error && (
        <p className="problem" data-testid="remote-leases-error">
          Leases unavailable{leases ? ' (showing the last known)' : ''}: {error}
        </p>
      )}
      {!leases ? (
        !error && <p>Loading…</p>
      ) : (
        <RowsTable
          columns={['Asset', 'Owner', 'Amount', 'Expires', "Owner's proof verified"]}
          testId="remote-leases"
          caption="My leases on peers' assets"
          rows={leases}
          row={(l) => (
            <tr key={l.leaseId} data-testid="remote-lease">
              <th scope="row" title={l.assetId}>
                {KIND_TITLE[l.kind]}
              </th>
              <td>
                <Owner nodeId={l.owner} />
              </td>
              <td>{formatAmount(l.amount, l.unit)}</td>
              <td>
                <RelativeTime iso={l.expiresAt} now={now} />
              </td>
              <td data-testid="remote-lease-proof">
                <Verdict ok={l.ownerProofVerified} />
              </td>
            </tr>
          )}
          empty={<p data-testid="remote-leases-empty">You hold no leases on peers' assets.</p>}
        />
      )}
    </section>
  );
}

export function MarketplacePage(props: { now: number }) {
  const { now } = props;
  const { searchAssets, refreshRemoteAllocations } = useAppFields('searchAssets', 'refreshRemoteAllocations');
  const { refreshMesh, mesh, remoteAllocations: leases } = useAppFields('refreshMesh', 'mesh', 'remoteAllocations');
  const leasesError = useApp((s) => s.remoteAllocationsError);

  const [form, setForm] = useState<SearchForm>(EMPTY_SEARCH);
  const [formErrors, setFormErrors] = useState<SearchFormErrors>({});
  // A new object on every submit, so that searching again with the same filters asks the node again.
  const [submitted, setSubmitted] = useState<{ readonly query: AssetSearchQuery }>({ query: {} });
  const [results, setResults] = useState<readonly RemoteAssetView[] | undefined>(undefined);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [searching, setSearching] = useState(true);
  const [selected, setSelected] = useState<RemoteAssetView | null>(null);
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    const request = ++latest.current;
    const [found] = await Promise.all([searchAssets(submitted.query), refreshRemoteAllocations(), refreshMesh()]);
    // Only the newest search may change the table (an older, slower reply would show stale filters).
    if (latest.current !== request) return;
    if (found.ok) {
      setResults(found.value);
      setSearchError(null);
    } else {
      setSearchError(found.error.message);
    }
    setSearching(false);
  }, [submitted, searchAssets, refreshRemoteAllocations, refreshMesh]);
  usePolling(refresh, POLL_MS);

  // The form follows the newest announcement of the asset (its offer may have changed), else what was clicked.
  const allocating = selected ? (results?.find((r) => r.assetId === selected.assetId) ?? selected) : null;

  return (
    <div className="page marketplace">
      <h1>Marketplace</h1>
      <p>
        Resources peers share on the mesh, nearest and cheapest first. Allocating asks the owner for a lease; both nodes
        prove it with all four consensus proofs.
      </p>
      {mesh?.state === 'off' && (
        <Banner severity="warning">
          The mesh is off{mesh.problem ? `: ${mesh.problem}` : ''}. Turn it on in <a href="#/settings">Settings</a> to
          find peers' resources.
        </Banner>
      )}
      <section className="card" aria-labelledby="market-find">
        <h2 id="market-find">Find resources</h2>
        <SearchFormView
          form={form}
          errors={formErrors}
          searching={searching}
          onChange={(next) => {
            setForm(next);
            setFormErrors({});
          }}
          onSubmit={() => {
            const parsed = parseSearchForm(form);
            if (!parsed.ok) {
              setFormErrors(parsed.errors);
              return;
            }
            setFormErrors({});
            setSearching(true);
            setSubmitted({ query: parsed.query });
          }}
        />
        {searchError && (
          <p role="alert" className="field-error" data-testid="search-error">
            Search failed: {searchError}
          </p>
        )}
        <p role="status" className="note" data-testid="search-status">
          {searching
            ? 'Searching…'
            : results
              ? `${results.length} ${results.length === 1 ? 'resource' : 'resources'} found.`
              : ''}
        </p>
        {results &&
          (results.length === 0 ? (
            <p data-testid="search-empty">No peer offers a resource that matches.</p>
          ) : (
            <ResultsTable
              results={results}
              selected={allocating?.assetId ?? null}
              now={now}
              onAllocate={(asset) => setSelected(asset)}
            />
          ))}
        {allocating && <AllocateForm key={allocating.assetId} asset={allocating} onClose={() => setSelected(null)} />}
      </section>
      <LeasesSection leases={leases} error={leasesError} now={now} />
    </div>
  );
}
