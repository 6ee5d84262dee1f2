/**
 * The Activity page's view of the node (docs/activity.md): the work this machine does for others and the work it
 * has others do, each item's receipt trail (what the consumer signed, the reward formula with its numbers, the
 * transaction and block that paid it), and the wallet's reconciliation. Amounts are decimal Caesar strings.
 */

import type { TxStatus } from './ledger';
import type { ResourceKind } from './settings';

/** 'for-others': this node provides (runs jobs, grants leases, serves memory); 'by-others': it consumes. */
export const ACTIVITY_DIRECTIONS = ['for-others', 'by-others'] as const;
export type ActivityDirection = (typeof ACTIVITY_DIRECTIONS)[number];

export const ACTIVITY_KINDS = ['job', 'lease', 'memory'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** 'ended': a lease or mapping that ran its time (or was freed); 'failed': a job without an accepted result. */
export const ACTIVITY_STATES = ['running', 'done', 'failed', 'ended', 'revoked'] as const;
export type ActivityState = (typeof ACTIVITY_STATES)[number];

/** Most items one query returns. */
export const ACTIVITY_LIMIT = { min: 1, max: 1000, default: 200 } as const;

export interface ActivityQuery {
  readonly direction?: ActivityDirection;
  readonly kind?: ActivityKind;
  readonly state?: ActivityState;
  /** ISO time: only items that started at or after it. */
  readonly since?: string;
  /** 1–1000, default 200; newest first. */
  readonly limit?: number;
}

export interface ActivityResource {
  readonly kind: ResourceKind;
  readonly amount: number;
  readonly unit: 'slots' | 'bytes' | 'bits/s';
}

/** What came of an item, as data: ok, or the failure's stable code (a JobFailureReason for jobs). */
export type ActivityResult = { readonly ok: true } | { readonly ok: false; readonly code: string };

export interface ActivityEarnings {
  /** Caesar from confirmed reward transactions on the item's leases. */
  readonly paid: string;
  /** Caesar from reward transactions this node submitted that no block holds yet. */
  readonly pending: string;
}

export interface ActivityItem {
  /** `job:<jobId>`, `lease:<leaseId>` or `mapping:<address>`. */
  readonly id: string;
  readonly kind: ActivityKind;
  readonly direction: ActivityDirection;
  /** The other node (null: not known to this node, e.g. an anonymous consumer or a job's several providers). */
  readonly peer: string | null;
  readonly peerShort: string | null;
  readonly resources: readonly ActivityResource[];
  readonly state: ActivityState;
  /** 0–1 where the node measures one (a mapping's or lease's elapsed share of its time); null otherwise. */
  readonly progress: number | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** null while running. */
  readonly result: ActivityResult | null;
  /** The leases the item's receipts name (a job's CPU and memory leases; a lease itself; a mapping's lease). */
  readonly leaseIds: readonly string[];
  readonly earnings: ActivityEarnings;
}

/** One signed usage receipt and the reward paid for it. */
export interface ReceiptTrailEntry {
  readonly leaseId: string;
  readonly assetId: string;
  readonly consumer: string;
  readonly provider: string;
  readonly resource: ResourceKind;
  /** In the adapter's unit (slots, bytes, bits/s), as a decimal integer string. */
  readonly amount: string;
  readonly fromAt: string;
  readonly toAt: string;
  readonly formula: RewardFormulaView;
  readonly tx: { readonly txId: string; readonly status: TxStatus };
  /** The block that holds the reward; null while pending. */
  readonly block: { readonly height: number; readonly hash: string } | null;
}

/** amount ÷ unit × hours × weight × privacy multiplier × base rate = payout (ledger/rewards.ts). */
export interface RewardFormulaView {
  /** The adapter units in one reward unit (1 core, 2^30 bytes, 10^8 bit/s), decimal integer string. */
  readonly unit: string;
  readonly rewardUnits: number;
  readonly hours: number;
  readonly weight: number;
  readonly privacyLevel: string;
  readonly privacyMultiplier: number;
  /** Caesar per reward-unit-hour at weight and multiplier 1. */
  readonly baseRate: string;
  /** The formula's result, rounded down to base units, in Caesar. */
  readonly payout: string;
}

export interface ReceiptTrail {
  readonly id: string;
  readonly entries: readonly ReceiptTrailEntry[];
  /** Sum of the entries' payouts. */
  readonly total: string;
}

export interface ReconciliationLine {
  readonly key: 'rewards' | 'transfers-in' | 'transfers-out' | 'stake-locked' | 'stake-unlocked' | 'fees' | 'genesis';
  /** Signed decimal Caesar: what the line adds to the balance (negative takes away). */
  readonly amount: string;
  /** How many confirmed transactions make it. */
  readonly count: number;
}

export interface Reconciliation {
  readonly lines: readonly ReconciliationLine[];
  /** The lines' sum: what the balance should be. */
  readonly expectedBalance: string;
  /** stake locked − stake unlocked: what the stake should be. */
  readonly expectedStaked: string;
  /** The wallet's own numbers at the same moment. */
  readonly balance: string;
  readonly staked: string;
  readonly available: string;
  readonly pendingOut: string;
  readonly addsUp: boolean;
  /** balance − expectedBalance (and the same for stake): "0" when it adds up. */
  readonly balanceDifference: string;
  readonly stakedDifference: string;
  readonly height: number;
}
