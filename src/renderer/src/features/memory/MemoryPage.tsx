import { useCallback, useId, useRef, useState, type ReactNode } from 'react';
import type { ProvidedMappingView, UsedPoolView } from '../../../../shared/proxy';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/settings';
import { formatRelative, formatTime, shortNodeId } from '../../format';
import { usePolling } from '../../hooks';
import {
  DEFAULT_ALLOCATE_FORM,
  MAPPING_STATE_TEXT,
  PERMISSION_TEXT,
  POOL_MIB,
  POOL_MINUTES,
  formatCache,
  formatMappingTraffic,
  formatPoolTraffic,
  formatReplicas,
  formatScore,
  formatSize,
  formatStake,
  parseAllocateForm,
  proxyErrorTitle,
  sortMappings,
  type AllocateForm,
  type AllocateFormErrors,
} from './memory';
import { formatRtt, formatTrustScore } from '../network/mesh';
import { useApp, type NodeFailure } from '../../store';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';

/** How often the proxy status is asked again while the page is open. */
const POLL_MS = 3000;

const describedBy = (...parts: (string | false)[]) => parts.filter(Boolean).join(' ') || undefined;

function Expiry(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatTime(props.iso)}>
      {formatRelative(props.iso, props.now)}
    </time>
  );
}

function Peer(props: { nodeId: string }) {
  return (
    <span className="mono nowrap" title={props.nodeId}>
      {shortNodeId(props.nodeId)}
    </span>
  );
}

/** An error from the node: what it means, its message and its code (for support and scripts). */
function ProxyError(props: { failure: NodeFailure; testId: string; prefix?: string }) {
  return (
    <NodeFailureAlert
      failure={props.failure}
      title={proxyErrorTitle(props.failure)}
      testId={props.testId}
      prefix={props.prefix}
    />
  );
}

/** Whether this node offers memory to peers at all now (else nobody can map any of it). */
function sharesMemory(settings: Settings | undefined): boolean | undefined {
  if (!settings) return undefined;
  return settings.privacyLevel !== 'Private' && !settings.sharingPaused && settings.allocation.memory > 0;
}

/** The Revoke button of one mapping: asks first, then revokes; the consumer loses access at once. */
function RevokeControl(props: { mapping: ProvidedMappingView }) {
  const { mapping } = props;
  const revokeMapping = useApp((s) => s.revokeMapping);
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const inFlight = useRef(false);
  const ids = useId();

  const revoke = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setFailure(null);
    const result = await revokeMapping(mapping.address);
    inFlight.current = false;
    setPending(false);
    if (result.ok) setConfirming(false);
    else setFailure(result.error);
  };

  return (
    <>
      {!confirming ? (
        <button
          type="button"
          className="danger"
          data-testid="mapping-revoke"
          onClick={() => {
            setFailure(null);
            setConfirming(true);
          }}
        >
          Revoke…
        </button>
      ) : (
        <div role="group" aria-labelledby={`${ids}-ask`} data-testid="mapping-revoke-confirm">
          <p id={`${ids}-ask`}>Revoke this mapping? Its consumer is refused from then on.</p>
          <div className="form-actions">
            <button
              type="button"
              className="danger"
              data-testid="mapping-revoke-submit"
              disabled={pending}
              aria-busy={pending}
              onClick={() => void revoke()}
            >
              {pending ? 'Revoking…' : 'Revoke now'}
            </button>
            <button type="button" disabled={pending} onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {failure && <ProxyError failure={failure} testId="mapping-revoke-error" prefix="Not revoked. " />}
    </>
  );
}

function ProvidedSection(props: { mappings: readonly ProvidedMappingView[] | undefined; now: number }) {
  const { mappings, now } = props;
  const settings = useApp((s) => s.settings);
  const shares = sharesMemory(settings);
  return (
    <section className="card" aria-labelledby="memory-provided-title" data-testid="memory-provided">
      <h2 id="memory-provided-title">Mappings this node provides</h2>
      <p>
        Peers that lease this node's memory reach it through proxy addresses. Each address names one window of a lease,
        not this machine; the bytes in it are encrypted by the peer, so this node cannot read them.
      </p>
      {!mappings ? (
        <p>Loading…</p>
      ) : mappings.length === 0 ? (
        <div data-testid="memory-provided-empty">
          <p>
            <strong>No mappings yet.</strong> No peer has mapped any of this node's memory.
          </p>
          {shares === false && (
            <p className="note" data-testid="memory-not-shared">
              This node does not share memory now: peers can map it once you share some on the{' '}
              <a href="#/sharing">Sharing</a> page.
            </p>
          )}
        </div>
      ) : (
        <MappingsTable mappings={mappings} now={now} />
      )}
    </section>
  );
}

function MappingsTable(props: { mappings: readonly ProvidedMappingView[]; now: number }) {
  return (
    <table className="log-table" data-testid="mappings-table">
      <caption className="visually-hidden">Mappings this node provides</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Consumer</th>
          <th scope="col">Size</th>
          <th scope="col">Permissions</th>
          <th scope="col">State</th>
          <th scope="col">Expires</th>
          <th scope="col">Traffic</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {sortMappings(props.mappings).map((m) => {
          const traffic = formatMappingTraffic(m);
          return (
            <tr key={m.address} data-testid="mapping-row" data-address={m.address} data-state={m.state}>
              <th
                scope="row"
                className="mono nowrap"
                title={`Lease ${m.leaseId} of ${m.assetId || 'this node’s memory'}`}
              >
                {m.address}
              </th>
              <td data-testid="mapping-consumer">
                {m.consumer === null ? <span className="note">Anonymous</span> : <Peer nodeId={m.consumer} />}
              </td>
              <td data-testid="mapping-size" className="nowrap">
                {formatSize(m.length)}
              </td>
              <td data-testid="mapping-permissions">{PERMISSION_TEXT[m.permissions]}</td>
              <td data-testid="mapping-state" className={m.state === 'active' ? 'good nowrap' : 'nowrap'}>
                {MAPPING_STATE_TEXT[m.state]}
              </td>
              <td className="nowrap" data-testid="mapping-expires">
                {m.state === 'active' || m.state === 'expired' ? (
                  <Expiry iso={m.expiresAt} now={props.now} />
                ) : (
                  <span className="note">—</span>
                )}
              </td>
              <td data-testid="mapping-traffic">
                {traffic.read}
                <br />
                {traffic.written}
              </td>
              <td>{m.state === 'active' ? <RevokeControl mapping={m} /> : <span className="note">—</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

type PoolAction = 'flush' | 'free';

/** One remote memory pool: where it lives, what went through it, why these providers, and Flush / Free. */
function PoolCard(props: { pool: UsedPoolView; now: number }) {
  const { pool, now } = props;
  const flushRemoteMemory = useApp((s) => s.flushRemoteMemory);
  const freeRemoteMemory = useApp((s) => s.freeRemoteMemory);
  const ids = useId();
  const [pending, setPending] = useState<PoolAction | null>(null);
  const [confirmFree, setConfirmFree] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ action: PoolAction; error: NodeFailure } | null>(null);
  const inFlight = useRef(false);

  const run = async (action: PoolAction) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(action);
    setFailure(null);
    setDone(null);
    if (action === 'flush') {
      const result = await flushRemoteMemory(pool.address);
      if (result.ok) {
        setDone(
          `✓ ${result.value.pages} ${result.value.pages === 1 ? 'page' : 'pages'} written back to the providers.`,
        );
      } else setFailure({ action, error: result.error });
    } else {
      // Once freed, the pool leaves the list (and this card with it); only a failure stays to be shown.
      const result = await freeRemoteMemory(pool.address);
      if (!result.ok) setFailure({ action, error: result.error });
    }
    inFlight.current = false;
    setPending(null);
    setConfirmFree(false);
  };

  const title = `${ids}-title`;
  return (
    <article className="card pool" aria-labelledby={title} data-testid="pool" data-address={pool.address}>
      <h3 id={title}>
        {formatSize(pool.length)} pool at <span className="mono">{pool.address}</span>
      </h3>
      <dl>
        <dt>Address</dt>
        <dd className="mono" data-testid="pool-address">
          {pool.address}
        </dd>
        <dt>Size</dt>
        <dd data-testid="pool-size">{formatSize(pool.length)}</dd>
        <dt>Replicas</dt>
        <dd data-testid="pool-replicas">{formatReplicas(pool.replicas)}</dd>
        <dt>Expires</dt>
        <dd data-testid="pool-expires">
          <Expiry iso={pool.expiresAt} now={now} />
        </dd>
        <dt>Traffic</dt>
        <dd data-testid="pool-traffic">{formatPoolTraffic(pool)}</dd>
        <dt>Cache</dt>
        <dd data-testid="pool-cache">{formatCache(pool)}</dd>
      </dl>

      <h4 id={`${ids}-shards`}>Shards</h4>
      <table className="log-table" aria-labelledby={`${ids}-shards`} data-testid="pool-shards">
        <thead>
          <tr>
            <th scope="col">Shard</th>
            <th scope="col">Address</th>
            <th scope="col">Provider</th>
            <th scope="col">Reachable</th>
          </tr>
        </thead>
        <tbody>
          {pool.shards.map((s, i) => (
            <tr key={s.address} data-testid="shard-row">
              <th scope="row">{i}</th>
              <td className="mono">{s.address}</td>
              <td data-testid="shard-provider">
                <Peer nodeId={s.provider} />
              </td>
              <td data-testid="shard-reachable">
                {s.reachable ? <span className="good">✓ reachable</span> : <span className="bad">✗ unreachable</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h4 id={`${ids}-why`}>Why these providers</h4>
      {pool.providers.length === 0 ? (
        <p className="note">The node kept no record of how these providers were chosen.</p>
      ) : (
        <table className="log-table" aria-labelledby={`${ids}-why`} data-testid="pool-providers">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Stake</th>
              <th scope="col">Certified</th>
              <th scope="col">RTT</th>
              <th scope="col">Trust score</th>
              <th scope="col">Score</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {pool.providers.map((p) => (
              <tr key={p.nodeId} data-testid="provider-row">
                <th scope="row">
                  <Peer nodeId={p.nodeId} />
                </th>
                <td data-testid="provider-stake">{formatStake(p.stake)}</td>
                <td data-testid="provider-certified">
                  {p.certified ? <span className="good">✓ yes</span> : <span className="bad">✗ no</span>}
                </td>
                <td data-testid="provider-rtt">{formatRtt(p.rttMs)}</td>
                <td data-testid="provider-trust">{formatTrustScore(p.trustScore)}</td>
                <td data-testid="provider-score">{formatScore(p.score)}</td>
                <td data-testid="provider-reason">{p.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="form-actions">
        <button
          type="button"
          data-testid="pool-flush"
          disabled={pending !== null}
          aria-busy={pending === 'flush'}
          aria-describedby={`${ids}-flush-hint`}
          onClick={() => void run('flush')}
        >
          {pending === 'flush' ? 'Flushing…' : 'Flush'}
        </button>
        {!confirmFree ? (
          <button
            type="button"
            className="danger"
            data-testid="pool-free"
            disabled={pending !== null}
            onClick={() => {
              setFailure(null);
              setDone(null);
              setConfirmFree(true);
            }}
          >
            Free…
          </button>
        ) : (
          <>
            <span id={`${ids}-free-ask`}>Free this pool? Its data is gone for good.</span>
            <button
              type="button"
              className="danger"
              data-testid="pool-free-submit"
              disabled={pending !== null}
              aria-busy={pending === 'free'}
              aria-describedby={`${ids}-free-ask`}
              onClick={() => void run('free')}
            >
              {pending === 'free' ? 'Freeing…' : 'Free now'}
            </button>
            <button type="button" disabled={pending !== null} onClick={() => setConfirmFree(false)}>
              Keep it
            </button>
          </>
        )}
      </div>
      <p id={`${ids}-flush-hint`} className="note">
        Flush writes the pages changed here back to every provider that holds them.
      </p>
      <p role="status" data-testid="pool-result">
        {done}
      </p>
      {failure && (
        <ProxyError
          failure={failure.error}
          testId="pool-error"
          prefix={failure.action === 'free' ? 'Not freed. ' : 'Not flushed. '}
        />
      )}
    </article>
  );
}

function UsedSection(props: { pools: readonly UsedPoolView[] | undefined; now: number }) {
  const { pools, now } = props;
  return (
    <section className="card" aria-labelledby="memory-used-title" data-testid="memory-used">
      <h2 id="memory-used-title">Memory this node uses</h2>
      <p>
        Remote memory pools this node holds at peers. Pages are encrypted here before they leave, and cached here;
        providers are chosen by stake, certificate, latency and trust, as your proxy preferences say.
      </p>
      {!pools ? (
        <p>Loading…</p>
      ) : pools.length === 0 ? (
        <p data-testid="memory-used-empty">
          <strong>No remote memory is mapped.</strong> Allocate some below: it stays empty until you do.
        </p>
      ) : (
        pools.map((pool) => <PoolCard key={pool.address} pool={pool} now={now} />)
      )}
    </section>
  );
}

/** Asks the node for remote memory: size, how long, how many providers and copies. */
function AllocateSection(props: { maxProviders: number }) {
  const { maxProviders } = props;
  const allocateRemoteMemory = useApp((s) => s.allocateRemoteMemory);
  const [form, setForm] = useState<AllocateForm>(DEFAULT_ALLOCATE_FORM);
  const [errors, setErrors] = useState<AllocateFormErrors>({});
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<NodeFailure | null>(null);
  const [made, setMade] = useState<UsedPoolView | null>(null);
  // A ref as well as the state: two quick submits can both run before React re-renders the disabled button.
  const inFlight = useRef(false);
  const inputs = {
    sizeMiB: useRef<HTMLInputElement>(null),
    minutes: useRef<HTMLInputElement>(null),
    providers: useRef<HTMLInputElement>(null),
    replicas: useRef<HTMLInputElement>(null),
  };

  const submit = async () => {
    if (inFlight.current) return;
    const parsed = parseAllocateForm(form, maxProviders);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = (['sizeMiB', 'minutes', 'providers', 'replicas'] as const).find((k) => parsed.errors[k]);
      if (first) inputs[first].current?.focus();
      return;
    }
    setErrors({});
    inFlight.current = true;
    setPending(true);
    setFailure(null);
    setMade(null);
    const result = await allocateRemoteMemory(parsed.request);
    inFlight.current = false;
    setPending(false);
    if (result.ok) setMade(result.value);
    else setFailure(result.error);
  };

  const field = (key: keyof AllocateForm, label: string, limits: { min: number; max: number }, hint: ReactNode) => {
    const id = `allocate-${key}`;
    const error = errors[key];
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          ref={inputs[key]}
          type="number"
          min={limits.min}
          max={limits.max}
          step={1}
          value={form[key]}
          aria-invalid={error !== undefined}
          aria-describedby={describedBy(`${id}-hint`, error !== undefined && `${id}-error`)}
          onChange={(e) => {
            setForm({ ...form, [key]: e.target.value });
            setErrors((current) => {
              const { [key]: _dropped, ...rest } = current;
              return rest;
            });
          }}
        />
        <span id={`${id}-hint`} className="note">
          {hint}
        </span>
        {error && (
          <span id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
            {error}
          </span>
        )}
      </div>
    );
  };

  return (
    <section className="card" aria-labelledby="memory-allocate-title">
      <h2 id="memory-allocate-title">Allocate remote memory</h2>
      <p>
        Leases memory at peers that share it and maps it here. The node picks the providers and says why in the pool's
        “Why these providers” table.
      </p>
      <form
        className="market-form"
        noValidate
        aria-labelledby="memory-allocate-title"
        data-testid="allocate-memory-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {field('sizeMiB', 'Size (MiB)', POOL_MIB, `${POOL_MIB.min}–${POOL_MIB.max} whole MiB.`)}
        {field('minutes', 'Duration (minutes)', POOL_MINUTES, 'Up to 30 days; the leases end then.')}
        {field(
          'providers',
          'Providers',
          { min: 1, max: maxProviders },
          <>
            1–{maxProviders}, set in the <a href="#/sharing">proxy preferences</a>.
          </>,
        )}
        {field(
          'replicas',
          'Copies of each page',
          { min: 1, max: maxProviders },
          'From 1 to the number of providers; more copies survive a provider going away.',
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            data-testid="allocate-memory-submit"
            disabled={pending}
            aria-busy={pending}
          >
            {pending ? 'Allocating…' : 'Allocate'}
          </button>
          <span role="status" data-testid="allocate-memory-result">
            {pending && 'Allocating… the node finds providers and leases their memory.'}
            {made && (
              <>
                ✓ Allocated {formatSize(made.length)} at <span className="mono">{made.address}</span> from{' '}
                {made.shards.map((s) => shortNodeId(s.provider)).join(', ')}.
              </>
            )}
          </span>
        </div>
      </form>
      {failure && <ProxyError failure={failure} testId="allocate-memory-error" prefix="Not allocated. " />}
    </section>
  );
}

/** The memory proxy: memory this node lends out (mappings) and memory it uses at peers (pools). */
export function MemoryPage(props: { now: number }) {
  const { now } = props;
  const proxy = useApp((s) => s.proxy);
  const proxyError = useApp((s) => s.proxyError);
  const maxProviders = useApp((s) => s.settings?.proxy.maxProviders ?? DEFAULT_SETTINGS.proxy.maxProviders);
  const refreshProxy = useApp((s) => s.refreshProxy);
  const refresh = useCallback(() => refreshProxy(), [refreshProxy]);
  usePolling(refresh, POLL_MS);

  return (
    <div className="page memory">
      <h1>Memory proxy</h1>
      <p>
        Memory shared across the mesh, reached through proxy addresses (<code>fd48:4d00::/32</code>) that name a
        mapping, not a machine.
      </p>
      {proxyError && (
        <div className="problem" role="alert" data-testid="memory-status-error" data-code={proxyError.code ?? ''}>
          <p>
            <strong>The memory proxy could not be read{proxy ? ' (showing the last known)' : ''}.</strong>{' '}
            {proxyError.message} {proxyError.code && <code>{proxyError.code}</code>}
          </p>
        </div>
      )}
      {!proxy && proxyError ? (
        <p data-testid="memory-unavailable">
          Nothing is shown until the node can say: nothing on this page is a guess.
        </p>
      ) : (
        <>
          <ProvidedSection mappings={proxy?.provided} now={now} />
          <UsedSection pools={proxy?.used} now={now} />
        </>
      )}
      <AllocateSection maxProviders={maxProviders} />
    </div>
  );
}
