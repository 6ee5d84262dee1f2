import type { ReceiptTrailEntry, Reconciliation, ReconciliationLine, RewardFormulaView } from '../../shared/activity';
import { formatAmount, parseAmount } from '../../shared/amount';
import type { TxStatus } from '../../shared/ledger';
import type { PrivacyLevel, ResourceKind } from '../../shared/settings';
import type { LedgerContext } from './context';
import {
  BASE_RATE_UNITS_PER_HOUR,
  PRIVACY_MULTIPLIER_BP,
  RESOURCE_WEIGHT_BP,
  REWARD_UNIT,
  rewardUnits,
} from './rewards';
import { decodeTx, type UsageReceipt } from './tx';
import type { Wallet } from './wallet';

/**
 * What the Activity page reads of the ledger (docs/activity.md): the reward transactions paid on leases (each with
 * its receipt, the formula's numbers and its block), the leases recorded on the ledger that this node granted or
 * holds, and the wallet's balance explained by its confirmed transactions.
 */

/** A lease the ledger recorded, seen from this node. */
export interface LedgerLeaseRecord {
  readonly leaseId: string;
  /** 'provider': this node granted it; 'consumer': this node holds it. */
  readonly role: 'provider' | 'consumer';
  readonly assetId: string;
  readonly provider: string;
  readonly consumer: string;
  readonly resource: ResourceKind | null;
  readonly amount: bigint;
  readonly grantedAt: number;
  readonly durationMs: number;
}

const BP = 10_000;

/** The reward formula's numbers for one receipt; `payout` is rewardUnits' own result. */
export function rewardFormula(receipt: UsageReceipt, privacyLevel: PrivacyLevel): RewardFormulaView {
  const durationMs = BigInt(receipt.toMs - receipt.fromMs);
  const unit = REWARD_UNIT[receipt.resource];
  return {
    unit: unit.toString(),
    rewardUnits: Number(receipt.amount) / Number(unit),
    hours: Number(durationMs) / 3_600_000,
    weight: Number(RESOURCE_WEIGHT_BP[receipt.resource]) / BP,
    privacyLevel,
    privacyMultiplier: Number(PRIVACY_MULTIPLIER_BP[privacyLevel]) / BP,
    baseRate: formatAmount(BASE_RATE_UNITS_PER_HOUR),
    payout: formatAmount(rewardUnits({ kind: receipt.resource, amount: receipt.amount, durationMs, privacyLevel })),
  };
}

interface TxRow {
  tx_id: string;
  height: number;
  idx: number;
  body: Buffer;
}

export class ReceiptTrails {
  constructor(
    private readonly ctx: LedgerContext,
    private readonly wallet: Wallet,
  ) {}

  private get me(): string {
    return this.ctx.options.identity.nodeId;
  }

  /** Every reward paid (or pending, when this node submitted it) on these leases, oldest first. */
  rewardsOn(leaseIds: readonly string[]): ReceiptTrailEntry[] {
    const wanted = new Set(leaseIds);
    if (wanted.size === 0) return [];
    const db = this.ctx.options.db;
    const confirmed = db
      .prepare(
        `SELECT t.tx_id, t.height, t.idx, t.body, b.id AS hash FROM ledger_txs t JOIN ledger_blocks b ON b.height = t.height
         WHERE t.kind = 'reward' AND (t.sender = ? OR t.recipient = ?) ORDER BY t.height, t.idx`,
      )
      .all(this.me, this.me) as (TxRow & { hash: string })[];
    const pending = db
      .prepare("SELECT tx_id, body FROM wallet_txs WHERE kind = 'reward' AND status = 'pending' ORDER BY created_at")
      .all() as { tx_id: string; body: Buffer }[];
    const levels = this.privacyHistory();
    const out: ReceiptTrailEntry[] = [];
    const add = (txId: string, body: Buffer, status: TxStatus, at: TxRow | null, hash: string | null) => {
      const tx = decodeTx(body);
      if (tx.body.kind !== 'reward' || !wanted.has(tx.body.receipt.receipt.leaseId)) return;
      const r = tx.body.receipt.receipt;
      const level = levels.at(r.assetId, at) ?? this.ctx.chain?.state.registrations.get(r.assetId)?.privacyLevel;
      out.push({
        leaseId: r.leaseId,
        assetId: r.assetId,
        consumer: r.consumer,
        provider: r.provider,
        resource: r.resource,
        amount: r.amount.toString(),
        fromAt: new Date(r.fromMs).toISOString(),
        toAt: new Date(r.toMs).toISOString(),
        formula: rewardFormula(r, level ?? 'Private'),
        tx: { txId, status },
        block: at && hash ? { height: at.height, hash } : null,
      });
    };
    for (const row of confirmed) add(row.tx_id, row.body, 'confirmed', row, row.hash);
    for (const row of pending) add(row.tx_id, row.body, 'pending', null, null);
    return out;
  }

  /**
   * Each asset's privacy level as registered on the ledger over time, so a reward is recomputed with the level in
   * force when its block applied it (a later re-registration changes later rewards only).
   */
  private privacyHistory(): { at(assetId: string, tx: TxRow | null): PrivacyLevel | undefined } {
    const rows = this.ctx.options.db
      .prepare("SELECT tx_id, height, idx, body FROM ledger_txs WHERE kind = 'registration' ORDER BY height, idx")
      .all() as TxRow[];
    const byAsset = new Map<string, { height: number; idx: number; level: PrivacyLevel }[]>();
    for (const row of rows) {
      const b = decodeTx(row.body).body;
      if (b.kind !== 'registration') continue;
      const list = byAsset.get(b.assetId) ?? [];
      list.push({ height: row.height, idx: row.idx, level: b.privacyLevel });
      byAsset.set(b.assetId, list);
    }
    return {
      at: (assetId, tx) => {
        const list = byAsset.get(assetId) ?? [];
        const before = tx
          ? list.filter((r) => r.height < tx.height || (r.height === tx.height && r.idx < tx.idx))
          : list;
        return before.at(-1)?.level;
      },
    };
  }

  /** The leases the ledger recorded that this node granted (provider) or holds (consumer). */
  leases(): LedgerLeaseRecord[] {
    const state = this.ctx.chain?.state;
    if (!state) return [];
    const out: LedgerLeaseRecord[] = [];
    for (const [leaseId, a] of state.allocations) {
      if (a.provider !== this.me && a.consumer !== this.me) continue;
      const resource = state.registrations.get(a.assetId)?.resource ?? null;
      out.push({ leaseId, role: a.provider === this.me ? 'provider' : 'consumer', ...a, resource });
    }
    return out;
  }

  /**
   * The wallet explained: every confirmed transaction that moved this account's balance or stake, summed by kind.
   * Rewards are minted by the ledger (no one pays them), and there are no fees and no genesis grants: the genesis
   * names block producers only, so those lines are zero and stay listed to say so.
   */
  reconciliation(): Reconciliation {
    const rows = this.ctx.options.db
      .prepare(
        `SELECT kind, sender, recipient, amount FROM ledger_txs
         WHERE kind IN ('reward', 'transfer', 'stake_lock', 'stake_unlock') AND (sender = ? OR recipient = ?)`,
      )
      .all(this.me, this.me) as { kind: string; sender: string; recipient: string | null; amount: string }[];
    const sums = new Map<ReconciliationLine['key'], { amount: bigint; count: number }>();
    const add = (key: ReconciliationLine['key'], amount: bigint) => {
      const s = sums.get(key) ?? { amount: 0n, count: 0 };
      sums.set(key, { amount: s.amount + amount, count: s.count + 1 });
    };
    for (const r of rows) {
      const amount = parseAmount(r.amount);
      if (r.kind === 'reward' && r.recipient === this.me) add('rewards', amount);
      else if (r.kind === 'transfer' && r.recipient === this.me && r.sender !== this.me) add('transfers-in', amount);
      else if (r.kind === 'transfer' && r.sender === this.me && r.recipient !== this.me) add('transfers-out', -amount);
      else if (r.kind === 'stake_lock' && r.sender === this.me) add('stake-locked', -amount);
      else if (r.kind === 'stake_unlock' && r.sender === this.me) add('stake-unlocked', amount);
    }
    const keys: ReconciliationLine['key'][] = [
      'genesis',
      'rewards',
      'transfers-in',
      'transfers-out',
      'stake-locked',
      'stake-unlocked',
      'fees',
    ];
    const lines = keys.map((key) => {
      const s = sums.get(key) ?? { amount: 0n, count: 0 };
      return { key, amount: formatAmount(s.amount), count: s.count };
    });
    const expectedBalance = [...sums.values()].reduce((t, s) => t + s.amount, 0n);
    const expectedStaked = -(sums.get('stake-locked')?.amount ?? 0n) - (sums.get('stake-unlocked')?.amount ?? 0n);
    const view = this.wallet.wallet();
    const balanceDifference = parseAmount(view.balance) - expectedBalance;
    const stakedDifference = parseAmount(view.staked) - expectedStaked;
    return {
      lines,
      expectedBalance: formatAmount(expectedBalance),
      expectedStaked: formatAmount(expectedStaked),
      balance: view.balance,
      staked: view.staked,
      available: view.available,
      pendingOut: view.pendingOut,
      addsUp: balanceDifference === 0n && stakedDifference === 0n,
      balanceDifference: formatAmount(balanceDifference),
      stakedDifference: formatAmount(stakedDifference),
      height: view.ledger.height,
    };
  }
}
