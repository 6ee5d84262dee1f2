import { useCallback, useEffect, useRef, useState } from 'react';
import type { AssetSearchQuery, RemoteAllocationView, RemoteAssetView } from '../../../../shared/mesh';
import { PRIVACY_LEVEL_INFO } from '../../../../shared/privacy';
import { RESOURCE_KINDS, type ResourceKind } from '../../../../shared/settings';
import { Banner } from '../../components/Banner';
import { KIND_TITLE, formatAmount, formatRelative, formatTime, shortNodeId } from '../../format';
import { usePolling } from '../../hooks';
import {
  EMPTY_SEARCH,
  MAX_DURATION_MINUTES,
  MAX_LATENCY_MS,
  SEARCH_CAPACITY_UNIT,
  allocationInputUnit,
  defaultAllocationAmount,
  formatPrice,
  formatRtt,
  fromBaseUnits,
  parseAllocationForm,
  parseSearchForm,
  type SearchForm,
  type SearchFormErrors,
} from '../network/mesh';
import { useApp, type ActionResult } from '../../store';

/** How often the results, the leases and the mesh state are asked again while the page is open. */
const POLL_MS = 5000;

const describedBy = (...parts: (string | false)[]) => parts.filter(Boolean).join(' ') || undefined;

function Expiry(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatTime(props.iso)}>
      {formatRelative(props.iso, props.now)}
    </time>
  );
}

function Owner(props: { nodeId: string | null }) {
  if (props.nodeId === null) return <span className="note">anonymous</span>;
  return (
    <span className="mono" title={props.nodeId}>
      {shortNodeId(props.nodeId)}
    </span>
  );
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
    <form
      className="market-form"
      role="search"
      aria-label="Search peers' resources"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <div className="field">
        <label htmlFor="market-kind">Kind</label>
        <select
          id="market-kind"
          data-testid="search-kind"
          value={form.kind}
          onChange={(e) => edit({ kind: e.target.value as ResourceKind | '' })}
        >
          <option value="">Any</option>
          {RESOURCE_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_TITLE[k]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="market-min-capacity">
          Minimum capacity {unit ? `(${unit.label})` : '(choose a kind first)'}
        </label>
        <input
          id="market-min-capacity"
          data-testid="search-min-capacity"
          type="number"
          min={0}
          step={unit?.whole ? 1 : 'any'}
          disabled={unit === null}
          value={form.minCapacity}
          aria-invalid={errors.minCapacity !== undefined}
          aria-describedby={describedBy(errors.minCapacity !== undefined && 'market-min-capacity-error')}
          onChange={(e) => edit({ minCapacity: e.target.value })}
        />
        {errors.minCapacity && (
          <span id="market-min-capacity-error" className="field-error">
            {errors.minCapacity}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor="market-max-price">Maximum price per hour (Caesar)</label>
        <input
          id="market-max-price"
          data-testid="search-max-price"
          inputMode="decimal"
          autoComplete="off"
          placeholder="any"
          value={form.maxPrice}
          aria-invalid={errors.maxPrice !== undefined}
          aria-describedby={describedBy(errors.maxPrice !== undefined && 'market-max-price-error')}
          onChange={(e) => edit({ maxPrice: e.target.value })}
        />
        {errors.maxPrice && (
          <span id="market-max-price-error" className="field-error">
            {errors.maxPrice}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor="market-max-latency">Maximum latency (ms)</label>
        <input
          id="market-max-latency"
          data-testid="search-max-latency"
          type="number"
          min={0}
          max={MAX_LATENCY_MS}
          step={1}
          value={form.maxLatency}
          aria-invalid={errors.maxLatency !== undefined}
          aria-describedby={describedBy(errors.maxLatency !== undefined && 'market-max-latency-error')}
          onChange={(e) => edit({ maxLatency: e.target.value })}
        />
        {errors.maxLatency && (
          <span id="market-max-latency-error" className="field-error">
            {errors.maxLatency}
          </span>
        )}
      </div>
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
    </form>
  );
}

function ResultsTable(props: {
  results: readonly RemoteAssetView[];
  selected: string | null;
  now: number;
  onAllocate: (asset: RemoteAssetView) => void;
}) {
  return (
    <table className="log-table" data-testid="search-results">
      <caption className="visually-hidden">Resources found</caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Capacity offered</th>
          <th scope="col">Owner</th>
          <th scope="col">Privacy</th>
          <th scope="col">Price</th>
          <th scope="col">RTT</th>
          <th scope="col">Expires</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {props.results.map((a) => (
          <tr
            key={a.assetId}
            data-testid="search-result"
            className={props.selected === a.assetId ? 'selected' : undefined}
          >
            <th scope="row" title={a.assetId}>
              {KIND_TITLE[a.kind]}
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
              <Expiry iso={a.expiresAt} now={props.now} />
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
      </tbody>
    </table>
  );
}

/** The small form under the results that asks a peer for part of one asset. */
function AllocateForm(props: { asset: RemoteAssetView; onClose: () => void }) {
  const { asset } = props;
  const allocateRemote = useApp((s) => s.allocateRemote);
  const unit = allocationInputUnit(asset.capacity.unit);
  const [amount, setAmount] = useState(() => fromBaseUnits(defaultAllocationAmount(asset), unit));
  const [duration, setDuration] = useState('10');
  const [errors, setErrors] = useState<{ amount: string | null; duration: string | null }>({
    amount: null,
    duration: null,
  });
  const [pending, setPending] = useState(false);
  const [outcome, setOutcome] = useState<ActionResult<RemoteAllocationView> | null>(null);
  // A ref as well as the state: two quick submits can both run before React re-renders the disabled button.
  const inFlight = useRef(false);
  const amountInput = useRef<HTMLInputElement>(null);
  const durationInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    amountInput.current?.focus();
  }, []);

  const submit = async () => {
    if (inFlight.current) return;
    const parsed = parseAllocationForm(asset, amount, duration);
    if (!parsed.ok) {
      setErrors({ amount: parsed.amountError, duration: parsed.durationError });
      (parsed.amountError ? amountInput : durationInput).current?.focus();
      return;
    }
    setErrors({ amount: null, duration: null });
    inFlight.current = true;
    setPending(true);
    setOutcome(null);
    const result = await allocateRemote(parsed.request);
    inFlight.current = false;
    setPending(false);
    setOutcome(result);
  };

  const offered = formatAmount(asset.capacity.allowed, asset.capacity.unit);
  const titleId = 'allocate-title';
  return (
    <form
      className="card"
      aria-labelledby={titleId}
      data-testid="allocate-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 id={titleId}>
        Allocate {KIND_TITLE[asset.kind]} from {asset.owner ? shortNodeId(asset.owner) : 'an anonymous owner'}
      </h3>
      <p className="note">
        {offered} offered at {formatPrice(asset.pricePerHour)}. Both nodes prove the allocation with all four consensus
        proofs.
      </p>
      <div className="market-form">
        <div className="field">
          <label htmlFor="allocate-amount">Amount ({unit.label})</label>
          <input
            id="allocate-amount"
            ref={amountInput}
            data-testid="allocate-amount"
            type="number"
            min={unit.whole ? 1 : 0}
            max={Number(fromBaseUnits(asset.capacity.allowed, unit))}
            step={unit.whole ? 1 : 'any'}
            value={amount}
            aria-invalid={errors.amount !== null}
            aria-describedby={describedBy('allocate-amount-hint', errors.amount !== null && 'allocate-amount-error')}
            onChange={(e) => setAmount(e.target.value)}
          />
          <span id="allocate-amount-hint" className="note">
            Up to {offered}.
          </span>
          {errors.amount && (
            <span id="allocate-amount-error" className="field-error">
              {errors.amount}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="allocate-duration">Duration (minutes)</label>
          <input
            id="allocate-duration"
            ref={durationInput}
            data-testid="allocate-duration"
            type="number"
            min={1}
            max={MAX_DURATION_MINUTES}
            step={1}
            value={duration}
            aria-invalid={errors.duration !== null}
            aria-describedby={describedBy(errors.duration !== null && 'allocate-duration-error')}
            onChange={(e) => setDuration(e.target.value)}
          />
          {errors.duration && (
            <span id="allocate-duration-error" className="field-error">
              {errors.duration}
            </span>
          )}
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" data-testid="allocate-submit" disabled={pending}>
          Confirm allocation
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <span role="status" data-testid="allocate-result">
          {pending && 'Allocating… both nodes prove the allocation.'}
          {outcome?.ok === true && <AllocationConfirmation lease={outcome.value} />}
        </span>
      </div>
      {outcome?.ok === false && (
        <p role="alert" className="field-error" data-testid="allocate-error">
          Not allocated: {outcome.error.message}
        </p>
      )}
    </form>
  );
}

function AllocationConfirmation(props: { lease: RemoteAllocationView }) {
  const { lease } = props;
  return (
    <>
      ✓ Allocated {formatAmount(lease.amount, lease.unit)} of {KIND_TITLE[lease.kind]} from {shortNodeId(lease.owner)},
      until <time dateTime={lease.expiresAt}>{formatTime(lease.expiresAt)}</time>.{' '}
      {lease.ownerProofVerified ? "The owner's proof is verified." : "The owner's proof is not verified."}
    </>
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
      ) : leases.length === 0 ? (
        <p data-testid="remote-leases-empty">You hold no leases on peers' assets.</p>
      ) : (
        <table className="log-table" data-testid="remote-leases">
          <caption className="visually-hidden">My leases on peers' assets</caption>
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Owner</th>
              <th scope="col">Amount</th>
              <th scope="col">Expires</th>
              <th scope="col">Owner's proof verified</th>
            </tr>
          </thead>
          <tbody>
            {leases.map((l) => (
              <tr key={l.leaseId} data-testid="remote-lease">
                <th scope="row" title={l.assetId}>
                  {KIND_TITLE[l.kind]}
                </th>
                <td>
                  <Owner nodeId={l.owner} />
                </td>
                <td>{formatAmount(l.amount, l.unit)}</td>
                <td>
                  <Expiry iso={l.expiresAt} now={now} />
                </td>
                <td data-testid="remote-lease-proof">
                  {l.ownerProofVerified ? <span className="good">✓ yes</span> : <span className="bad">✗ no</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function MarketplacePage(props: { now: number }) {
  const { now } = props;
  const searchAssets = useApp((s) => s.searchAssets);
  const refreshRemoteAllocations = useApp((s) => s.refreshRemoteAllocations);
  const refreshMesh = useApp((s) => s.refreshMesh);
  const mesh = useApp((s) => s.mesh);
  const leases = useApp((s) => s.remoteAllocations);
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
