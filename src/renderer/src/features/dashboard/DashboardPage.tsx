import { useState } from 'react';
import { usePolling } from '../../hooks';
import { PRIVACY_LEVEL_INFO, formatBytes } from '../../../../shared/privacy';
import { RESOURCE_KINDS } from '../../../../shared/settings';
import { EmptyState } from '../../components/Banner';
import { AllowedVsUsed, PauseControl } from '../sharing/SharingNow';
import { formatDuration } from '../../format';
import { useApp } from '../../store';
import { RunningNow } from '../activity/RunningNow';
import { RESOURCE_TITLES, capacityText } from '../sharing/SharingPage';

const SHARING_TEXT = {
  off: 'Not sharing — privacy level is Private',
  paused: 'Sharing paused',
  active: 'Sharing',
} as const;

export function DashboardPage(props: { now: number }) {
  const status = useApp((s) => s.status);
  const settings = useApp((s) => s.settings);
  const hardware = useApp((s) => s.hardware);
  const usage = useApp((s) => s.usage);
  const refreshUsage = useApp((s) => s.refreshUsage);
  const pauseSharing = useApp((s) => s.pauseSharing);
  const resumeSharing = useApp((s) => s.resumeSharing);
  const [pauseBusy, setPauseBusy] = useState(false);
  const [pauseError, setPauseError] = useState<string | undefined>(undefined);
  usePolling(refreshUsage, 2000);
  if (!status || !settings) return <p>Loading…</p>;
  // The live reading (every 2 s) is newer than the status; both carry the allowance.
  const allowance = usage?.sharing ?? status.allowance;
  const act = (run: () => Promise<string | undefined>) => {
    setPauseBusy(true);
    void run().then((error) => {
      setPauseError(error);
      setPauseBusy(false);
    });
  };
  const uptime = (props.now - Date.parse(status.startedAt)) / 1000;
  return (
    <div className="page dashboard">
      <h1>Dashboard</h1>
      <div className="grid">
        <RunningNow now={props.now} />
        <section className="card wide" aria-labelledby="dash-sharing">
          <h2 id="dash-sharing">What you share</h2>
          <p className={`pill pill-${status.sharing}`} data-testid="sharing-state">
            {SHARING_TEXT[status.sharing]}
          </p>
          <p>
            Privacy level:{' '}
            <strong data-testid="dashboard-privacy">{PRIVACY_LEVEL_INFO[settings.privacyLevel].title}</strong>
          </p>
          <PauseControl
            view={allowance}
            busy={pauseBusy}
            onPause={(request) => act(() => pauseSharing(request))}
            onResume={() => act(resumeSharing)}
          />
          {pauseError && (
            <p className="field-error" role="alert">
              {pauseError}
            </p>
          )}
          <ul className="resource-list">
            {RESOURCE_KINDS.map((kind) => (
              <li key={kind} data-testid={`dashboard-share-${kind}`}>
                <span className="resource-name">{RESOURCE_TITLES[kind]}</span>
                <meter min={0} max={100} value={status.effectiveAllocation[kind]} aria-label={`${kind} shared`} />
                <span>{capacityText(kind, status.effectiveAllocation[kind], hardware)}</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="dash-node">
          <h2 id="dash-node">This node</h2>
          <dl>
            <dt>Node</dt>
            <dd data-testid="node-id-short">{status.nodeIdShort}</dd>
            <dt>NodeId</dt>
            <dd className="mono" data-testid="node-id">
              {status.nodeId}
            </dd>
            <dt>Version</dt>
            <dd data-testid="node-version">{status.version}</dd>
            <dt>Running for</dt>
            <dd data-testid="node-uptime">{formatDuration(uptime)}</dd>
            {hardware && (
              <>
                <dt>Machine</dt>
                <dd>
                  {hardware.cpu.model} · {hardware.cpu.logicalCores} cores · {hardware.os.distro}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-labelledby="dash-usage">
          <h2 id="dash-usage">Live usage of this computer</h2>
          {usage ? (
            <dl data-testid="live-usage">
              <dt>CPU</dt>
              <dd>
                <meter min={0} max={100} value={usage.cpu.loadPercent} aria-label="CPU load" />{' '}
                <span data-testid="usage-cpu">{usage.cpu.loadPercent.toFixed(1)} %</span>
              </dd>
              <dt>Memory</dt>
              <dd>
                <meter
                  min={0}
                  max={usage.memory.totalBytes}
                  value={usage.memory.usedBytes}
                  aria-label="Memory in use"
                />{' '}
                <span data-testid="usage-memory">
                  {formatBytes(usage.memory.usedBytes)} of {formatBytes(usage.memory.totalBytes)}
                </span>
              </dd>
            </dl>
          ) : (
            <p>Measuring…</p>
          )}
        </section>
        <section className="card wide" aria-labelledby="dash-allowance">
          <h2 id="dash-allowance">Allowed and used now</h2>
          <AllowedVsUsed view={allowance} />
        </section>
        <EmptyState title="Earnings">
          <p>
            Caesar earned by sharing, with the balance and every transaction, is on the <a href="#/wallet">Wallet</a>{' '}
            page.
          </p>
        </EmptyState>
        <EmptyState title="Peers">
          <p>
            No peers found yet: peer discovery comes with the mesh, so nothing you allow is offered to anyone. The
            Network page shows direct STOQ connections.
          </p>
        </EmptyState>
      </div>
    </div>
  );
}
