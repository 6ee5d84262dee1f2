import { RESOURCE_KINDS, type ResourceKind } from '../../shared/settings';
import type { SharingDecision } from '../../shared/sharing-policy';
import type { AbsentCode, ResourceShareView, SharingView } from '../../shared/sharing-view';
import type { AssetAdapter } from '../assets/index';

/**
 * Measures the CPU that peers' work uses now, in cores (over the last ~2 s): the job processes' CPU time. The job
 * pool (child processes, issue #26) provides it; until then CPU use shows as "not measured" next to the leases.
 */
export interface PeerCpuMeter {
  coresInUse(): number | null;
}

export interface ShareViewSources {
  /** The node's asset adapters (their detected size, and the leases peers hold). */
  readonly adapter: (kind: ResourceKind) => AssetAdapter | undefined;
  /**
   * What the bandwidth limiter let through to peers over the last 2 s, bits/s (it paces every byte written to a
   * peer), or null without a transport.
   */
  readonly sendBitsPerSec: () => number | null;
  /** The cap the bandwidth limiter holds to now, bits/s, or null for none (or without a transport). */
  readonly bandwidthCapBitsPerSec?: () => number | null;
  readonly peerCpu?: PeerCpuMeter | undefined;
}

const UNITS: Readonly<Record<ResourceKind, ResourceShareView['unit']>> = {
  cpu: 'cores',
  gpu: 'bytes',
  memory: 'bytes',
  storage: 'bytes',
  bandwidth: 'bits/s',
};

function resourceView(kind: ResourceKind, decision: SharingDecision, sources: ShareViewSources): ResourceShareView {
  const allowance = decision.resources[kind];
  const capacity = sources.adapter(kind)?.describe();
  const present = capacity?.present ?? false;
  // The adapter's own words (e.g. "no GPU detected on this machine"), or why it has none yet.
  const absent = present
    ? undefined
    : (capacity?.reason ??
      (capacity ? (kind === 'gpu' ? 'no GPU on this computer' : 'not available') : 'not detected yet'));
  const absentCode: AbsentCode | undefined = present ? undefined : (capacity?.absentCode ?? 'not-detected');
  let allowed = present && capacity ? (capacity.total * allowance.percent) / 100 : null;
  const leased = capacity?.inUse ?? 0;
  let used: number | null = leased;
  let usedSource: ResourceShareView['usedSource'] = 'leased';
  if (kind === 'cpu') {
    // Leased slots say how many jobs may run at once, not how much CPU they take.
    const cores = sources.peerCpu?.coresInUse() ?? null;
    used = cores;
    usedSource = cores === null ? 'none' : 'measured';
  } else if (kind === 'bandwidth') {
    const bits = sources.sendBitsPerSec();
    if (bits !== null) {
      used = bits;
      usedSource = 'measured';
    }
    // What the limiter enforces: the share of the link, or the user's explicit cap where lower (and at least the
    // floor that keeps the node reachable while the share is zero).
    const cap = sources.bandwidthCapBitsPerSec?.() ?? null;
    if (cap !== null && allowed !== null) allowed = cap;
  }
  return {
    kind,
    unit: UNITS[kind],
    present,
    ...(absentCode === undefined ? {} : { absentCode }),
    ...(absent === undefined ? {} : { absent }),
    configuredPercent: allowance.configuredPercent,
    allowedPercent: allowance.percent,
    allowed,
    used,
    usedSource,
    leased,
    reasons: allowance.reasons,
  };
}

/** Allowed vs used, per resource, with the reasons: what getStatus, getUsage, the Dashboard and the CLI show. */
export function sharingView(
  decision: SharingDecision,
  sources: ShareViewSources,
  allowedCores: number | null,
  now: Date,
): SharingView {
  const state = decision.reasons.includes('off')
    ? 'off'
    : decision.reasons.includes('paused')
      ? 'paused'
      : decision.reasons.length > 0
        ? 'limited'
        : 'active';
  return {
    state,
    reasons: decision.reasons,
    pausedUntil: decision.pausedUntil,
    idle: decision.idle,
    unavailable: decision.unavailable,
    allowedCores,
    resources: RESOURCE_KINDS.map((kind) => resourceView(kind, decision, sources)),
    evaluatedAt: now.toISOString(),
  };
}
