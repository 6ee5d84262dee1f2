import { useCallback } from 'react';
import { usePolling } from '../../hooks';
import { useApp } from '../../store';
import { RunningNow } from '../activity/RunningNow';
import { AllowedVsUsed } from '../sharing/SharingNow';
import { EarningsCard } from './EarningsCard';
import { LiveUsageCard, NodeCard } from './NodeCard';
import { PeersCard } from './PeersCard';
import { SharingCard } from './SharingCard';

/** How often the Dashboard asks again: live readings every 2 s, peers and wallet every 5 s, earnings every 30 s. */
const USAGE_MS = 2000;
const PEERS_MS = 5000;
const EARNINGS_MS = 30_000;

export function DashboardPage(props: { now: number }) {
  const status = useApp((s) => s.status);
  const settings = useApp((s) => s.settings);
  const usage = useApp((s) => s.usage);
  const mesh = useApp((s) => s.mesh);
  const network = useApp((s) => s.network);
  const wallet = useApp((s) => s.wallet);
  const walletError = useApp((s) => s.walletError);
  const earnings = useApp((s) => s.dashboardEarnings);
  const earningsError = useApp((s) => s.dashboardEarningsError);
  const refreshUsage = useApp((s) => s.refreshUsage);
  const refreshMesh = useApp((s) => s.refreshMesh);
  const refreshNetwork = useApp((s) => s.refreshNetwork);
  const refreshWallet = useApp((s) => s.refreshWallet);
  const refreshPeers = useCallback(
    () => Promise.all([refreshMesh(), refreshNetwork(), refreshWallet()]).then(() => undefined),
    [refreshMesh, refreshNetwork, refreshWallet],
  );
  usePolling(refreshUsage, USAGE_MS);
  usePolling(refreshPeers, PEERS_MS);
  usePolling(
    useApp((s) => s.refreshDashboardEarnings),
    EARNINGS_MS,
  );
  if (!status || !settings) return <p>Loading…</p>;
  // The live reading (every 2 s) is newer than the status; both carry the allowance.
  const allowance = usage?.sharing ?? status.allowance;
  return (
    <div className="page dashboard">
      <h1>Dashboard</h1>
      <div className="grid">
        <RunningNow now={props.now} />
        <SharingCard allowance={allowance} />
        <EarningsCard
          points={earnings}
          pointsError={earningsError}
          wallet={wallet}
          status={status}
          settings={settings}
          now={props.now}
        />
        <PeersCard
          mesh={mesh}
          network={network}
          ledger={wallet?.ledger}
          ledgerFailed={walletError !== undefined}
          settings={settings}
        />
        <section className="card wide" aria-labelledby="dash-allowance">
          <h2 id="dash-allowance">Allowed and used now</h2>
          <AllowedVsUsed view={allowance} />
        </section>
        <NodeCard now={props.now} />
        <LiveUsageCard />
      </div>
    </div>
  );
}
