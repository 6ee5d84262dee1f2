import { useCallback } from 'react';
import { usePolling } from '../../hooks';
import { useAppFields } from '../../store';
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
  const { status, settings, usage, mesh, network, wallet, walletError } = useAppFields(
    'status',
    'settings',
    'usage',
    'mesh',
    'network',
    'wallet',
    'walletError',
  );
  const { dashboardEarnings: earnings, dashboardEarningsError: earningsError } = useAppFields(
    'dashboardEarnings',
    'dashboardEarningsError',
  );
  const { refreshUsage, refreshMesh, refreshNetwork, refreshWallet, refreshDashboardEarnings } = useAppFields(
    'refreshUsage',
    'refreshMesh',
    'refreshNetwork',
    'refreshWallet',
    'refreshDashboardEarnings',
  );
  const refreshPeers = useCallback(
    () => Promise.all([refreshMesh(), refreshNetwork(), refreshWallet()]).then(() => undefined),
    [refreshMesh, refreshNetwork, refreshWallet],
  );
  usePolling(refreshUsage, USAGE_MS);
  usePolling(refreshPeers, PEERS_MS);
  usePolling(refreshDashboardEarnings, EARNINGS_MS);
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
