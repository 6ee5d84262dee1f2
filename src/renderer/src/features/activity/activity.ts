import type {
  ActivityDirection,
  ActivityItem,
  ActivityKind,
  ActivityState,
  ReconciliationLine,
} from '../../../../shared/activity';
import { KIND_TITLE, formatAmount } from '../../format';

export const DIRECTION_TEXT: Readonly<Record<ActivityDirection, string>> = {
  'for-others': 'For others (on this machine)',
  'by-others': 'By others (for this node)',
};

export const KIND_TEXT: Readonly<Record<ActivityKind, string>> = {
  job: 'Job',
  lease: 'Lease',
  memory: 'Memory mapping',
};

export const STATE_TEXT: Readonly<Record<ActivityState, string>> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  ended: 'Ended',
  revoked: 'Revoked',
};

export const LINE_TEXT: Readonly<Record<ReconciliationLine['key'], string>> = {
  genesis: 'Genesis grants',
  rewards: 'Rewards (from receipts)',
  'transfers-in': 'Transfers in',
  'transfers-out': 'Transfers out',
  'stake-locked': 'Stake locked',
  'stake-unlocked': 'Stake unlocked',
  fees: 'Fees',
};

/** "CPU 1 core, Memory 64 MiB". */
export function resourcesText(item: Pick<ActivityItem, 'resources'>): string {
  return item.resources.map((r) => `${KIND_TITLE[r.kind]} ${formatAmount(r.amount, r.unit)}`).join(', ');
}

/** The trail to open for an item: a job's or lease's own, a memory mapping's lease's. */
export function trailIdOf(item: ActivityItem): string | null {
  if (item.kind !== 'memory') return item.id;
  const lease = item.leaseIds[0];
  return lease === undefined ? null : `lease:${lease}`;
}

/** How long an item ran, or has run so far: seconds. */
export function elapsedSeconds(item: Pick<ActivityItem, 'startedAt' | 'endedAt'>, now: number): number {
  const end = item.endedAt === null ? now : Date.parse(item.endedAt);
  return Math.max(0, (end - Date.parse(item.startedAt)) / 1000);
}

/** The result as people read it: "OK", "Failed: cpu-limit", or "—" while running. */
export function resultText(item: Pick<ActivityItem, 'result'>): string {
  if (item.result === null) return '—';
  return item.result.ok ? 'OK' : `Failed: ${item.result.code}`;
}
