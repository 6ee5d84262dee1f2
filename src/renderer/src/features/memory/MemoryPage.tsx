import { DataTable } from '../../components/DataTable';
import { useCallback, useId, useState } from 'react';
import type { ProvidedMappingView } from '../../../../shared/proxy';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/settings';
import { usePolling, useSubmit } from '../../hooks';
import { MAPPING_STATE_TEXT, PERMISSION_TEXT, formatMappingTraffic, formatSize, sortMappings } from './memory';
import { useApp } from '../../store';
import { Peer, RelativeTime } from '../../components/Display';
import { UsedSection } from './Pools';
import { AllocateSection } from './AllocateMemory';
import { ProxyError } from './ProxyError';

/** How often the proxy status is asked again while the page is open. */
const POLL_MS = 3000;

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
  const submit = useSubmit<'revoke'>();
  const pending = submit.pending !== null;
  const failure = submit.failure?.error;
  const ids = useId();

  const revoke = async () => {
    const result = await submit.run('revoke', () => revokeMapping(mapping.address));
    if (result?.ok) setConfirming(false);
  };

  return (
    <>
      {!confirming ? (
        <button
          type="button"
          className="danger"
          data-testid="mapping-revoke"
          onClick={() => {
            submit.clearFailure();
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
    <DataTable
      columns={['Address', 'Consumer', 'Size', 'Permissions', 'State', 'Expires', 'Traffic', 'Action']}
      testId="mappings-table"
      caption="Mappings this node provides"
    >
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
                <RelativeTime iso={m.expiresAt} now={props.now} />
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
    </DataTable>
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
