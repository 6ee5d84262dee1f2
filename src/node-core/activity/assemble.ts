import type {
  ActivityItem,
  ActivityQuery,
  ActivityResource,
  ActivityResult,
  ActivityState,
  ReceiptTrail,
  ReceiptTrailEntry,
} from '../../shared/activity';
import { ACTIVITY_LIMIT } from '../../shared/activity';
import { formatAmount, parseAmount } from '../../shared/amount';
import type { ProvidedMappingView, UsedPoolView } from '../../shared/proxy';
import type { ResourceKind } from '../../shared/settings';
import { jobOutcome, type JobView } from '../../shared/vm';
import { shortNodeId } from '../identity/index';
import type { LedgerLeaseRecord } from '../ledger/index';
import { ActivityNotFoundError } from './errors';
import type { ActivitySources } from './sources';

/**
 * The Activity list (docs/activity.md), assembled from what each subsystem holds: jobs (vm), leases (the ledger's
 * records, and the mesh's leases not recorded yet), memory mappings and pools (proxy). Earnings come from the
 * reward transactions on each item's leases; nothing is estimated.
 */

/** Jobs read per query: the VM keeps every job; the list shows the newest. */
const JOBS_READ = 1000;

type Draft = Omit<ActivityItem, 'earnings'>;

export function unitOf(kind: ResourceKind): ActivityResource['unit'] {
  return kind === 'cpu' ? 'slots' : kind === 'bandwidth' ? 'bits/s' : 'bytes';
}

function peer(nodeId: string | null): Pick<ActivityItem, 'peer' | 'peerShort'> {
  return { peer: nodeId, peerShort: nodeId === null ? null : shortNodeId(nodeId) };
}

/** The elapsed share of a time-bound item (a lease, a mapping): measured from its clock times. */
function elapsedShare(startMs: number, endMs: number, now: number): number {
  if (endMs <= startMs) return 1;
  return Math.min(1, Math.max(0, (now - startMs) / (endMs - startMs)));
}

function jobItem(job: JobView): Draft {
  const forOthers = job.role === 'provider';
  const state: ActivityState = job.status === 'running' ? 'running' : job.status === 'completed' ? 'done' : 'failed';
  const outcome = jobOutcome(job);
  const result: ActivityResult | null =
    outcome === 'running'
      ? null
      : outcome === 'succeeded'
        ? { ok: true }
        : { ok: false, code: outcome === 'exited' ? 'exited' : (job.failure?.reason ?? job.status) };
  const providers = [...new Set(job.runs.map((r) => r.provider))];
  const resources: ActivityResource[] =
    job.kind === 'wgsl'
      ? [{ kind: 'gpu', amount: job.limits.memoryBytes, unit: 'bytes' }]
      : [
          { kind: 'cpu', amount: 1, unit: 'slots' },
          { kind: 'memory', amount: job.limits.memoryBytes, unit: 'bytes' },
        ];
  return {
    id: `job:${job.jobId}`,
    kind: 'job',
    direction: forOthers ? 'for-others' : 'by-others',
    ...peer(forOthers ? job.consumer : providers.length === 1 ? (providers[0] ?? null) : null),
    resources,
    state,
    progress: null,
    startedAt: job.createdAt,
    endedAt: job.finishedAt,
    result,
    leaseIds: forOthers ? (job.leaseIds ?? []) : [...new Set(job.runs.flatMap((r) => r.leaseIds ?? []))],
  };
}

function leaseItem(lease: LedgerLeaseRecord, now: number): Draft | undefined {
  if (lease.resource === null) return undefined;
  const end = lease.grantedAt + lease.durationMs;
  const running = now < end;
  const forOthers = lease.role === 'provider';
  return {
    id: `lease:${lease.leaseId}`,
    kind: 'lease',
    direction: forOthers ? 'for-others' : 'by-others',
    ...peer(forOthers ? lease.consumer : lease.provider),
    resources: [{ kind: lease.resource, amount: Number(lease.amount), unit: unitOf(lease.resource) }],
    state: running ? 'running' : 'ended',
    progress: elapsedShare(lease.grantedAt, end, now),
    startedAt: new Date(lease.grantedAt).toISOString(),
    endedAt: running ? null : new Date(end).toISOString(),
    result: running ? null : { ok: true },
    leaseIds: [lease.leaseId],
  };
}

function providedItem(m: ProvidedMappingView, now: number): Draft {
  const state: ActivityState = m.state === 'active' ? 'running' : m.state === 'revoked' ? 'revoked' : 'ended';
  const start = Date.parse(m.createdAt);
  const end = Date.parse(m.expiresAt);
  return {
    id: `mapping:${m.address}`,
    kind: 'memory',
    direction: 'for-others',
    ...peer(m.consumer),
    resources: [{ kind: 'memory', amount: m.length, unit: 'bytes' }],
    state,
    progress: state === 'running' ? elapsedShare(start, end, now) : null,
    startedAt: m.createdAt,
    endedAt: m.state === 'expired' ? m.expiresAt : null,
    result: state === 'running' ? null : state === 'revoked' ? { ok: false, code: 'revoked' } : { ok: true },
    leaseIds: [m.leaseId],
  };
}

function poolItem(p: UsedPoolView, now: number): Draft {
  const providers = [...new Set(p.shards.map((s) => s.provider))];
  return {
    id: `mapping:${p.address}`,
    kind: 'memory',
    direction: 'by-others',
    ...peer(providers.length === 1 ? (providers[0] ?? null) : null),
    resources: [{ kind: 'memory', amount: p.length, unit: 'bytes' }],
    state: 'running',
    progress: elapsedShare(Date.parse(p.createdAt), Date.parse(p.expiresAt), now),
    startedAt: p.createdAt,
    endedAt: null,
    result: null,
    leaseIds: [...new Set(p.shards.map((s) => s.leaseId))],
  };
}

/** Sums a trail's payouts: confirmed ones are paid, the others pending. */
export function earningsOf(entries: readonly ReceiptTrailEntry[]): ActivityItem['earnings'] {
  let paid = 0n;
  let pending = 0n;
  for (const e of entries) {
    const payout = parseAmount(e.formula.payout);
    if (e.tx.status === 'confirmed') paid += payout;
    else if (e.tx.status === 'pending') pending += payout;
  }
  return { paid: formatAmount(paid), pending: formatAmount(pending) };
}

/**
 * Live leases the ledger has not recorded yet (a provider records them at its next tick): those granted on this
 * node's assets, and those this node holds on peers' assets.
 */
function unrecordedLeases(sources: ActivitySources, known: ReadonlySet<string>): LedgerLeaseRecord[] {
  const out: LedgerLeaseRecord[] = [];
  for (const event of sources.assets?.records() ?? []) {
    if (event.type !== 'granted' || known.has(event.lease.id)) continue;
    const l = event.lease;
    out.push({
      leaseId: l.id,
      role: 'provider',
      assetId: event.assetId,
      provider: '',
      consumer: l.consumer,
      resource: l.kind,
      amount: BigInt(l.amount),
      grantedAt: l.grantedAt,
      durationMs: l.expiresAt - l.grantedAt,
    });
  }
  for (const l of sources.mesh?.leases() ?? []) {
    if (known.has(l.leaseId)) continue;
    out.push({
      leaseId: l.leaseId,
      role: 'consumer',
      assetId: l.assetId,
      provider: l.owner,
      consumer: '',
      resource: l.kind,
      amount: BigInt(l.amount),
      grantedAt: Date.parse(l.grantedAt),
      durationMs: Date.parse(l.expiresAt) - Date.parse(l.grantedAt),
    });
  }
  return out;
}

function drafts(sources: ActivitySources, now: number): Draft[] {
  const out: Draft[] = (sources.vm?.jobs({ limit: JOBS_READ }) ?? []).map(jobItem);
  const recorded = sources.ledger?.leaseRecords() ?? [];
  const known = new Set(recorded.map((l) => l.leaseId));
  for (const lease of [...recorded, ...unrecordedLeases(sources, known)]) {
    const item = leaseItem(lease, now);
    if (item) out.push(item);
  }
  const proxy = sources.proxy?.status();
  for (const m of proxy?.provided ?? []) out.push(providedItem(m, now));
  for (const p of proxy?.used ?? []) out.push(poolItem(p, now));
  return out;
}

/** The Activity list for a query, newest first, each item with its earnings from the ledger. */
export function activityItems(sources: ActivitySources, query: ActivityQuery, now: number): ActivityItem[] {
  const since = query.since === undefined ? -Infinity : Date.parse(query.since);
  const picked = drafts(sources, now)
    .filter(
      (d) =>
        (query.direction === undefined || d.direction === query.direction) &&
        (query.kind === undefined || d.kind === query.kind) &&
        (query.state === undefined || d.state === query.state) &&
        Date.parse(d.startedAt) >= since,
    )
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
    .slice(0, query.limit ?? ACTIVITY_LIMIT.default);
  const rewards = sources.ledger?.rewardsOn([...new Set(picked.flatMap((d) => d.leaseIds))]) ?? [];
  return picked.map((d) => ({
    ...d,
    earnings: earningsOf(rewards.filter((r) => d.leaseIds.includes(r.leaseId))),
  }));
}

/** A job's or lease's receipt trail; an id this node does not know is ACTIVITY_NOT_FOUND. */
export function receiptTrail(sources: ActivitySources, id: string): ReceiptTrail {
  const [kind, key] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
  let leaseIds: readonly string[] | undefined;
  if (kind === 'job') {
    const job = sources.vm?.jobs({ limit: JOBS_READ }).find((j) => j.jobId === key);
    if (job) leaseIds = jobItem(job).leaseIds;
  } else if (kind === 'lease') {
    const recorded = sources.ledger?.leaseRecords() ?? [];
    const known =
      recorded.some((l) => l.leaseId === key) || unrecordedLeases(sources, new Set()).some((l) => l.leaseId === key);
    if (known) leaseIds = [key];
  }
  if (!leaseIds) throw new ActivityNotFoundError(id);
  const entries = sources.ledger?.rewardsOn(leaseIds) ?? [];
  const total = entries.reduce((t, e) => t + parseAmount(e.formula.payout), 0n);
  return { id, entries, total: formatAmount(total) };
}
