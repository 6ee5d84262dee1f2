import { formatRelative, formatTime, shortNodeId } from '../format';

/** A time as "in 5 min" / "3 min ago", with the full time on hover. */
export function RelativeTime(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatTime(props.iso)}>
      {formatRelative(props.iso, props.now)}
    </time>
  );
}

/** A NodeId, shortened, with the full id on hover. */
export function Peer(props: { nodeId: string; className?: string }) {
  return (
    <span className={props.className ?? 'mono nowrap'} title={props.nodeId}>
      {shortNodeId(props.nodeId)}
    </span>
  );
}

/** A yes/no fact shown with its mark: "✓ yes" in good colours, "✗ no" in bad ones (other words when given). */
export function Verdict(props: { ok: boolean; yes?: string; no?: string }) {
  return props.ok ? (
    <span className="good">✓ {props.yes ?? 'yes'}</span>
  ) : (
    <span className="bad">✗ {props.no ?? 'no'}</span>
  );
}
