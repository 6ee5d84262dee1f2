import { DataTable } from '../../components/DataTable';
import { usePolling } from '../../hooks';
import { formatHostPort, UDP_PATH_LABELS } from '../../../../shared/network';
import { formatBytes } from '../../../../shared/privacy';
import { BANDWIDTH_CAP_RANGE, TIER_SETTINGS, type TierSetting } from '../../../../shared/settings';
import { EmptyState } from '../../components/Banner';
import { TrafficChart } from './TrafficChart';
import { useState } from 'react';
import type { PeerIdentityKind } from '../../../../shared/network';
import { parseServiceAddress } from '../../../../shared/settings';
import type { MeshStatus } from '../../../../shared/mesh';
import { formatRelative, formatTime, shortNodeId } from '../../format';
import { REACHABILITY_TEXT, formatRtt, formatTrustScore, peerStateText } from './mesh';
import { useApp, useAppFields, type ActionResult, type ConnectedPeer } from '../../store';
import { LabelledSelect, fieldAria } from '../../components/Field';

const TIER_TITLES: Record<TierSetting, string> = {
  auto: 'Automatic (measure each path)',
  '100M': '~100 Mbit/s',
  '1G': '~1 Gbit/s',
  '2.5G': '~2.5 Gbit/s and above',
};

/** How a peer proved who it is, in words (not colour alone). */
const IDENTITY_TEXT: Record<PeerIdentityKind, string> = {
  trustchain: '✓ TrustChain certificate',
  'self-signed': 'own keys only (self-signed)',
  unanchored: 'CA certificate, not checked yet',
};

/** The mesh: how peers reach this node, where, and the peer book with each peer's standing. */
function MeshSection(props: { mesh: MeshStatus | undefined; error: string | undefined; now: number }) {
  const { mesh, error, now } = props;
  return (
    <section className="card" aria-labelledby="net-mesh" data-testid="mesh-section">
      <h2 id="net-mesh">Mesh</h2>
      {error && (
        <p className="problem" data-testid="mesh-error">
          Mesh status unavailable{mesh ? ' (showing the last known)' : ''}: {error}
        </p>
      )}
      {!mesh ? (
        !error && <p>Loading…</p>
      ) : (
        <>
          {mesh.state === 'off' && (
            <p className="problem" data-testid="mesh-problem">
              <strong>The mesh is off:</strong> {(mesh.problem ?? 'no reason given').replace(/\.?$/, '.')} It can be
              turned on in <a href="#/settings">Settings</a>.
            </p>
          )}
          <dl>
            <dt>Reachability</dt>
            <dd data-testid="mesh-reachability">{REACHABILITY_TEXT[mesh.reachability]}</dd>
            <dt>Mesh PeerId</dt>
            <dd className="mono" data-testid="mesh-peer-id">
              {mesh.peerId ?? 'none yet'}
            </dd>
            <dt>Addresses</dt>
            <dd>
              {mesh.addresses.length === 0 ? (
                <span data-testid="mesh-addresses">none yet</span>
              ) : (
                <ul className="plain-list" aria-label="Mesh addresses" data-testid="mesh-addresses">
                  {mesh.addresses.map((a) => (
                    <li key={a} className="mono">
                      {a}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>DHT peers</dt>
            <dd data-testid="mesh-dht-peers">{mesh.dhtPeers}</dd>
            <dt>Peers' assets known</dt>
            <dd data-testid="mesh-remote-assets">
              {mesh.remoteAssets} (see the <a href="#/marketplace">Marketplace</a>)
            </dd>
            <dt>Last announced</dt>
            <dd data-testid="mesh-last-announced">
              {mesh.lastAnnouncedAt ? (
                <>
                  <time dateTime={mesh.lastAnnouncedAt}>{formatTime(mesh.lastAnnouncedAt)}</time>{' '}
                  <span className="note">({formatRelative(mesh.lastAnnouncedAt, now)})</span>
                </>
              ) : (
                'not yet'
              )}
            </dd>
          </dl>
          {mesh.peers.length === 0 ? (
            <p data-testid="mesh-no-peers">
              {mesh.state === 'off' ? 'No mesh peers: the mesh is off.' : 'No mesh peers yet.'}
            </p>
          ) : (
            <DataTable
              columns={['Peer', 'Address', 'State', 'RTT', 'Trust', 'Rejected messages']}
              className="log-table spaced"
              testId="mesh-peer-table"
              caption="Mesh peers"
            >
              {mesh.peers.map((p) => (
                <tr key={p.nodeId} data-testid="mesh-peer">
                  <th scope="row" className="mono" title={p.nodeId}>
                    {shortNodeId(p.nodeId)}
                  </th>
                  <td className="mono">{p.address ?? '—'}</td>
                  <td data-testid="mesh-peer-state">{peerStateText(p)}</td>
                  <td>{formatRtt(p.rttMs)}</td>
                  <td data-testid="mesh-peer-trust">{formatTrustScore(p.trustScore)}</td>
                  <td data-testid="mesh-peer-rejected">
                    {p.lastRejection ? (
                      <span title={`Last refused: ${p.lastRejection}`}>
                        {p.rejected}
                        <span className="visually-hidden"> (last refused: {p.lastRejection})</span>
                      </span>
                    ) : (
                      p.rejected
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </section>
  );
}

function ConnectForm() {
  const connectPeer = useApp((s) => s.connectPeer);
  const [address, setAddress] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult<ConnectedPeer> | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="net-connect">
      <h2 id="net-connect">Connect to a peer</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const text = address.trim();
          if (parseServiceAddress(text) === null) {
            setError('Enter an address such as [2001:db8::1]:9292, 192.0.2.1:9292 or node.example.org:9292.');
            setResult(null);
            return;
          }
          setError(null);
          setBusy(true);
          void connectPeer(text).then((r) => {
            setResult(r);
            setBusy(false);
          });
        }}
      >
        <label htmlFor="peer-address">Peer address</label>
        <input
          id="peer-address"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          placeholder="[::1]:9292"
          {...fieldAria('peer-address', false, error)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </form>
      {error && (
        <p id="peer-address-error" className="field-error">
          {error}
        </p>
      )}
      <p role="status" data-testid="connect-result">
        {result?.ok === true && (
          <>
            Connected to <span className="mono">{shortNodeId(result.value.nodeId)}</span>:{' '}
            {IDENTITY_TEXT[result.value.identity]}.
          </>
        )}
        {result?.ok === false && <>Could not connect: {result.error.message}</>}
      </p>
    </section>
  );
}

export function NetworkPage(props: { now: number }) {
  const { network, mesh, meshError, refreshMesh } = useAppFields('network', 'mesh', 'meshError', 'refreshMesh');
  const { networkHistory: history, settings } = useAppFields('networkHistory', 'settings');
  const { refreshNetwork, applyNow } = useAppFields('refreshNetwork', 'applyNow');
  usePolling(refreshNetwork, 2000);
  usePolling(refreshMesh, 2000);
  if (!network || !settings) return <p>Loading…</p>;

  return (
    <div className="page network">
      <h1>Network</h1>
      <MeshSection mesh={mesh} error={meshError} now={props.now} />
      <section className="card" aria-labelledby="net-transport">
        <h2 id="net-transport">STOQ transport</h2>
        {network.listening ? (
          <p data-testid="stoq-listening">
            Listening for peers on <code>{formatHostPort(network.listening)}</code> (QUIC, ALPN <code>stoq/1</code>,
            mutual certificates).
          </p>
        ) : (
          <p data-testid="stoq-listening">Not listening: this node runs without a peer transport.</p>
        )}
        <dl>
          <dt>UDP path</dt>
          <dd data-testid="stoq-udp-path">{network.udpPath === null ? '—' : UDP_PATH_LABELS[network.udpPath]}</dd>
          <dt>Connections</dt>
          <dd data-testid="stoq-connections">{network.totals.connections}</dd>
          <dt>Open streams</dt>
          <dd>{network.totals.openStreams}</dd>
          <dt>Sent / received</dt>
          <dd>
            {formatBytes(network.totals.bytesSent)} / {formatBytes(network.totals.bytesReceived)}
          </dd>
          <dt>Bandwidth cap</dt>
          <dd data-testid="stoq-cap">
            {network.bandwidthCapBitsPerSec === null
              ? 'none'
              : `${(network.bandwidthCapBitsPerSec / 1e6).toFixed(0)} Mbit/s`}
          </dd>
        </dl>
        <TrafficChart samples={history} />
      </section>

      <section className="card" aria-labelledby="net-settings">
        <h2 id="net-settings">Tuning</h2>
        <LabelledSelect
          label="Tier"
          testId="tier"
          value={settings.network.tier}
          options={TIER_SETTINGS}
          text={(t) => TIER_TITLES[t]}
          onChange={(tier) => void applyNow({ network: { tier } })}
        />
        <label className="field">
          <span>Bandwidth cap in Mbit/s (empty for none)</span>
          <input
            type="number"
            data-testid="bandwidth-cap"
            min={BANDWIDTH_CAP_RANGE.min}
            max={BANDWIDTH_CAP_RANGE.max}
            defaultValue={settings.network.bandwidthCapMbps ?? ''}
            onBlur={(e) =>
              void applyNow({
                network: { bandwidthCapMbps: e.target.value === '' ? null : e.target.valueAsNumber },
              })
            }
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.network.ipv4}
            onChange={(e) => void applyNow({ network: { ipv4: e.target.checked } })}
          />
          Also accept IPv4 (takes effect at the next start)
        </label>
      </section>

      <ConnectForm />

      {network.connections.length === 0 ? (
        <EmptyState title="Peers">
          <p>
            No peer is connected over STOQ.{' '}
            {settings.mesh.enabled
              ? 'The mesh looks for peers through bootstrap peers, LAN discovery and the DHT;'
              : 'The mesh is off in Settings, so it looks for no peers;'}{' '}
            peers also connect when they dial this node's address, or when you connect to one above.
          </p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="net-peers">
          <h2 id="net-peers">Peers</h2>
          <DataTable
            columns={['Peer', 'Identity', 'Address', 'RTT', 'Sent', 'Received', 'Lost', 'Streams', 'Handshake']}
            testId="peer-table"
          >
            {network.connections.map((c) => (
              <tr key={`${c.peer}-${c.nodeId ?? ''}`}>
                <td className="mono">{c.nodeId ? `hm-${c.nodeId.slice(0, 4)}-${c.nodeId.slice(4, 8)}` : '—'}</td>
                <td data-testid="peer-identity">{c.identity ? IDENTITY_TEXT[c.identity] : 'handshake…'}</td>
                <td className="mono">{c.peer}</td>
                <td>{c.rttMs === null ? '—' : `${c.rttMs} ms`}</td>
                <td>{formatBytes(c.bytesSent)}</td>
                <td>{formatBytes(c.bytesReceived)}</td>
                <td>{c.packetsLost}</td>
                <td>{c.openStreams}</td>
                <td>{c.handshakeMs === null ? '—' : `${c.handshakeMs.toFixed(1)} ms`}</td>
              </tr>
            ))}
          </DataTable>
        </section>
      )}
    </div>
  );
}
