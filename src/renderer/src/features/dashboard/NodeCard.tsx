import { formatBytes } from '../../../../shared/privacy';
import { formatDuration } from '../../format';
import { useApp } from '../../store';

/** This node (id, version, uptime, machine) and the computer's live load. */
export function NodeCard(props: { readonly now: number }) {
  const status = useApp((s) => s.status);
  const hardware = useApp((s) => s.hardware);
  if (!status) return null;
  const uptime = (props.now - Date.parse(status.startedAt)) / 1000;
  return (
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
  );
}

/** The computer's CPU and memory load now (everything on it, not only peers' work). */
export function LiveUsageCard() {
  const usage = useApp((s) => s.usage);
  return (
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
            <meter min={0} max={usage.memory.totalBytes} value={usage.memory.usedBytes} aria-label="Memory in use" />{' '}
            <span data-testid="usage-memory">
              {formatBytes(usage.memory.usedBytes)} of {formatBytes(usage.memory.totalBytes)}
            </span>
          </dd>
        </dl>
      ) : (
        <p>Measuring…</p>
      )}
    </section>
  );
}
