import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { EarningsPoint, LedgerStatusView, WalletView } from '../../../../shared/ledger';
import type { MeshPeerView, MeshStatus } from '../../../../shared/mesh';
import type { NetworkStats, PeerConnectionStats } from '../../../../shared/network';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/settings';
import { connectedPeers, earningsGap, earningsSums, peersSentence } from './dashboard';
import { EarningsCard } from './EarningsCard';
import { PeersCard } from './PeersCard';

const NOW = new Date(2026, 11, 7, 15, 0, 0);
const HOUR = 3_600_000;
const PEER_A = 'a'.repeat(52);
const PEER_B = 'b'.repeat(52);

const sharing: Settings = {
  ...DEFAULT_SETTINGS,
  privacyLevel: 'P2P',
  allocation: { ...DEFAULT_SETTINGS.allocation, cpu: 25 },
};
const synced: LedgerStatusView = {
  state: 'synced',
  problem: null,
  genesisHash: 'g',
  height: 12,
  headHash: 'h',
  headAt: NOW.toISOString(),
  producers: 1,
  producing: false,
  mempool: 0,
  stateDigest: 'd',
};
const wallet = { ledger: synced, earnedTotal: '0' } as WalletView;

function point(hoursAgo: number, amount: string): EarningsPoint {
  return { at: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), amount };
}

function meshWith(peers: Partial<MeshPeerView>[], over: Partial<MeshStatus> = {}): MeshStatus {
  return {
    state: 'running',
    problem: null,
    peerId: 'p',
    reachability: 'public',
    addresses: [],
    peers: peers.map((p) => ({ nodeId: PEER_A, connected: false, relayed: false, ...p }) as MeshPeerView),
    dhtPeers: 0,
    remoteAssets: 3,
    lastAnnouncedAt: null,
    ...over,
  };
}

function networkWith(nodeIds: (string | null)[]): NetworkStats {
  return {
    listening: { host: '::1', port: 4000 },
    connections: nodeIds.map((nodeId) => ({ nodeId }) as PeerConnectionStats),
  } as unknown as NetworkStats;
}

function earningsCard(
  points: EarningsPoint[],
  over: { settings?: Settings; sharing?: 'off' | 'paused' | 'active' } = {},
) {
  return renderToStaticMarkup(
    <EarningsCard
      points={points}
      pointsError={undefined}
      wallet={wallet}
      status={{ sharing: over.sharing ?? 'active' }}
      settings={over.settings ?? sharing}
      now={NOW.getTime()}
    />,
  );
}

describe('earnings on the Dashboard', () => {
  it('sums today (since local midnight), 7 days and 30 days exactly', () => {
    const points = [point(24 * 20, '5'), point(24 * 3, '0.25'), point(16, '1'), point(2, '0.125'), point(1, '0.5')];
    expect(earningsSums(points, NOW)).toEqual({ today: '0.625', week: '1.875', month: '6.875' });
  });

  it('shows the sums and the chart when there are earnings, and no sentence saying there are none', () => {
    const html = earningsCard([point(1, '2')]);
    expect(html).toContain('data-testid="earnings-chart"');
    expect(html).not.toContain('earnings-gap');
    expect(html).toMatch(/data-testid="earned-today">[^<]*2/);
  });

  it('says why there are none: no ledger, nothing shared, paused, or shared but unused', () => {
    const gap = (input: Partial<Parameters<typeof earningsGap>[0]>) =>
      earningsGap({ month: '0', ledger: synced, status: { sharing: 'active' }, settings: sharing, ...input });
    expect(gap({ month: '1' })).toBeNull();
    expect(gap({ ledger: undefined })).toBe('no-ledger');
    expect(gap({ ledger: { state: 'waiting-genesis' } })).toBe('no-ledger');
    expect(gap({ status: { sharing: 'off' } })).toBe('not-sharing');
    expect(gap({ settings: DEFAULT_SETTINGS })).toBe('not-sharing');
    expect(gap({ status: { sharing: 'paused' } })).toBe('paused');
    expect(gap({})).toBe('unused');
    expect(earningsCard([point(1, '0')], { settings: DEFAULT_SETTINGS })).toContain('data-gap="not-sharing"');
    expect(earningsCard([])).toContain('data-gap="unused"');
  });

  it('says the node has no ledger when the earnings call is refused for that reason', () => {
    const html = renderToStaticMarkup(
      <EarningsCard
        points={undefined}
        pointsError={{ code: 'LEDGER_UNAVAILABLE', message: 'no ledger', issues: [] }}
        wallet={undefined}
        status={{ sharing: 'active' }}
        settings={sharing}
        now={NOW.getTime()}
      />,
    );
    expect(html).toContain('data-gap="no-ledger"');
  });
});

describe('peers on the Dashboard', () => {
  it('counts each connected peer once, from the mesh and from STOQ', () => {
    const mesh = meshWith([
      { nodeId: PEER_A, connected: true },
      { nodeId: PEER_B, connected: false },
    ]);
    expect(connectedPeers(mesh, networkWith([PEER_A, null]))).toEqual([PEER_A]);
    expect(connectedPeers(mesh, networkWith([PEER_B]))).toEqual([PEER_A, PEER_B]);
  });

  it('with peers connected, says so and never that none is connected', () => {
    const html = renderToStaticMarkup(
      <PeersCard
        mesh={meshWith([{ nodeId: PEER_A, connected: true }])}
        network={networkWith([PEER_A, PEER_B])}
        ledger={synced}
        ledgerFailed={false}
        settings={sharing}
      />,
    );
    expect(html).toContain('2 peers connected.');
    expect(html).not.toMatch(/no peer/i);
    expect(html).not.toContain('comes with the mesh');
    expect(html).toContain('Reachable directly');
    expect(html).toContain('In sync at block 12');
  });

  it('without peers, says why from the node’s state: transport off, mesh off in Settings, mesh not running', () => {
    const none = networkWith([]);
    expect(peersSentence(undefined, undefined, sharing)).toBeUndefined();
    expect(peersSentence(meshWith([]), { ...none, listening: null }, sharing)).toMatch(/does not listen/);
    const meshOff = { ...sharing, mesh: { ...sharing.mesh, enabled: false } };
    expect(peersSentence(meshWith([]), none, meshOff)).toMatch(/mesh is off in Settings/);
    expect(peersSentence(meshWith([], { state: 'off', problem: 'port in use.' }), none, sharing)).toMatch(
      /not running \(port in use\)/,
    );
    expect(peersSentence(meshWith([]), none, sharing)).toMatch(/^No peer is connected yet/);
  });

  it('says the ledger is missing when the wallet call failed, and its problem when it has one', () => {
    const missing = renderToStaticMarkup(
      <PeersCard mesh={undefined} network={undefined} ledger={undefined} ledgerFailed settings={sharing} />,
    );
    expect(missing).toContain('has not joined the Caesar ledger');
    const behind = renderToStaticMarkup(
      <PeersCard
        mesh={undefined}
        network={undefined}
        ledger={{ ...synced, state: 'syncing', problem: 'peers are ahead' }}
        ledgerFailed={false}
        settings={sharing}
      />,
    );
    expect(behind).toContain('peers are ahead');
  });
});
