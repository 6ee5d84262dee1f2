import type { AssetRecordEvent } from '../assets';
import type { CallContext } from '../transport/index';
import { LedgerMethod, type LedgerContext } from './context';
import { LedgerRuleError } from './errors';
import type { Mempool } from './mempool';
import { rewardUnits } from './rewards';
import { decodeSignedReceipt, encodeSignedReceipt, signReceipt, type TxBody, type UsageReceipt } from './tx';
import type { Wallet } from './wallet';

/**
 * Receipts and records. Consumer side: signs usage receipts for the leases this node holds (by time, or by use for
 * Catalog VM jobs) and hands them to the providers. Provider side: a consumer's receipt becomes a reward
 * transaction. And the registry's registrations and leases are recorded on the ledger (rewards need them).
 */
/** Use of a lease paid by use, owed to its provider. */
export interface UsageOwed {
  readonly leaseId: string;
  readonly assetId: string;
  readonly provider: string;
  readonly resource: UsageReceipt['resource'];
  readonly amount: bigint;
  readonly durationMs: number;
}

export class Receipts {
  /** When receipts were last signed; the Ledger's tick signs them again every receiptIntervalMs. */
  lastSignedAt = 0;
  private recordsDue = true;
  private lastRecordsAt = 0;

  constructor(
    private readonly ctx: LedgerContext,
    private readonly mempool: Mempool,
    private readonly wallet: Wallet,
  ) {}

  /** Consumer side: sign receipts for the leases this node holds on peers' assets and hand them to the providers. */
  async signReceipts(): Promise<void> {
    const now = this.ctx.now();
    const rows = this.ctx.options.db
      .prepare(
        `SELECT l.lease_id, l.asset_id, l.owner, l.lease, r.paid_until FROM mesh_leases l
         LEFT JOIN ledger_receipts r ON r.lease_id = l.lease_id AND r.role = 'consumer'`,
      )
      .all() as { lease_id: string; asset_id: string; owner: string; lease: string; paid_until: number | null }[];
    for (const row of rows) {
      const lease = JSON.parse(row.lease) as {
        kind: UsageReceipt['resource'];
        amount: number;
        grantedAt: number;
        expiresAt: number;
        billing?: 'usage';
      };
      // Leases paid by use (Catalog VM jobs) are paid from ledger_usage below, not for the time they are held.
      if (lease.billing === 'usage') continue;
      const fromMs = row.paid_until ?? lease.grantedAt;
      const toMs = Math.min(now, lease.expiresAt);
      // Receipts cover at least a second, except the last one of a lease (its remainder would never be paid).
      if (toMs <= fromMs || (toMs - fromMs < 1000 && toMs < lease.expiresAt)) continue;
      const receipt: UsageReceipt = {
        leaseId: row.lease_id,
        assetId: row.asset_id,
        provider: row.owner,
        consumer: this.ctx.options.identity.nodeId,
        resource: lease.kind,
        amount: BigInt(lease.amount),
        fromMs,
        toMs,
      };
      try {
        await this.deliver(receipt);
        this.markPaid(row.lease_id, toMs);
      } catch (err) {
        this.ctx.options.log.debug(`ledger: receipt for lease ${row.lease_id.slice(0, 8)}: ${(err as Error).message}`);
      }
    }
    await this.signUsageReceipts(now);
  }

  /**
   * Owes a provider for use of a lease paid by use (a Catalog VM job's CPU-time or memory-time): the next receipt
   * round signs it. Such a receipt's window is a cursor over the lease: it starts where the last one ended and is
   * as long as the use (`amount` for `durationMs`), never past the lease's end or the present.
   */
  queueUsage(usage: UsageOwed): void {
    if (usage.amount <= 0n || usage.durationMs <= 0) return;
    this.ctx.options.db
      .prepare(
        `INSERT INTO ledger_usage (lease_id, asset_id, provider, resource, amount, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        usage.leaseId,
        usage.assetId,
        usage.provider,
        usage.resource,
        usage.amount.toString(),
        Math.ceil(usage.durationMs),
        this.ctx.now(),
      );
    this.lastSignedAt = 0;
  }

  private async signUsageReceipts(now: number): Promise<void> {
    const rows = this.ctx.options.db
      .prepare(
        `SELECT u.id, u.lease_id, u.asset_id, u.provider, u.resource, u.amount, u.duration_ms, l.lease, r.paid_until
         FROM ledger_usage u LEFT JOIN mesh_leases l ON l.lease_id = u.lease_id
         LEFT JOIN ledger_receipts r ON r.lease_id = u.lease_id AND r.role = 'consumer' ORDER BY u.id`,
      )
      .all() as {
      id: number;
      lease_id: string;
      asset_id: string;
      provider: string;
      resource: UsageReceipt['resource'];
      amount: string;
      duration_ms: number;
      lease: string | null;
      paid_until: number | null;
    }[];
    const drop = this.ctx.options.db.prepare('DELETE FROM ledger_usage WHERE id = ?');
    const failed = new Set<string>();
    for (const row of rows) {
      if (failed.has(row.lease_id)) continue; // one lease's receipts go in order
      const lease = row.lease ? (JSON.parse(row.lease) as { grantedAt: number; expiresAt: number }) : undefined;
      const fromMs = row.paid_until ?? lease?.grantedAt ?? 0;
      if (!lease || fromMs >= lease.expiresAt) {
        this.ctx.options.log.warn(
          `ledger: usage on lease ${row.lease_id.slice(0, 8)} can no longer be paid (it ended)`,
        );
        drop.run(row.id);
        continue;
      }
      const toMs = Math.min(fromMs + row.duration_ms, now, lease.expiresAt);
      if (toMs <= fromMs) continue;
      const receipt: UsageReceipt = {
        leaseId: row.lease_id,
        assetId: row.asset_id,
        provider: row.provider,
        consumer: this.ctx.options.identity.nodeId,
        resource: row.resource,
        amount: BigInt(row.amount),
        fromMs,
        toMs,
      };
      try {
        await this.deliver(receipt);
        this.ctx.options.db.transaction(() => {
          this.markPaid(row.lease_id, toMs);
          // What did not fit before the present is owed at the next round.
          const rest = row.duration_ms - (toMs - fromMs);
          if (rest > 0 && toMs < lease.expiresAt)
            this.ctx.options.db.prepare('UPDATE ledger_usage SET duration_ms = ? WHERE id = ?').run(rest, row.id);
          else drop.run(row.id);
        })();
      } catch (err) {
        failed.add(row.lease_id);
        this.ctx.options.log.debug(
          `ledger: usage receipt for lease ${row.lease_id.slice(0, 8)}: ${(err as Error).message}`,
        );
      }
    }
  }

  /** Signs a receipt as its consumer and hands it to its provider. */
  private async deliver(receipt: UsageReceipt): Promise<void> {
    const link = await this.ctx.options.stoq.dialNode(receipt.provider, AbortSignal.timeout(5_000));
    const signed = encodeSignedReceipt(signReceipt(receipt, this.ctx.options.identity));
    await link.request(LedgerMethod.Receipt, signed, { timeoutMs: 15_000 });
  }

  /** The consumer's cursor over a lease: paid up to `toMs`. */
  private markPaid(leaseId: string, toMs: number): void {
    this.ctx.options.db
      .prepare(
        `INSERT INTO ledger_receipts (lease_id, role, paid_until) VALUES (?, 'consumer', ?)
         ON CONFLICT(lease_id) DO UPDATE SET paid_until = excluded.paid_until`,
      )
      .run(leaseId, toMs);
  }

  /** Provider side: a consumer's signed receipt for a lease this node granted becomes a reward transaction. */
  async accept(body: Uint8Array, ctx: CallContext): Promise<{ txId: string }> {
    const chain = this.ctx.requireChain();
    const signed = decodeSignedReceipt(body);
    const r = signed.receipt;
    if (r.consumer !== ctx.peer.nodeId) throw new LedgerRuleError('receipt', 'a receipt comes from its consumer');
    if (r.provider !== this.ctx.options.identity.nodeId)
      throw new LedgerRuleError('receipt', 'the receipt is for another provider');
    const lease = chain.state.allocations.get(r.leaseId);
    if (!lease)
      throw new LedgerRuleError('receipt', 'the lease is not on the ledger yet; send the receipt again later');
    const held = this.ctx.options.db
      .prepare("SELECT paid_until FROM ledger_receipts WHERE lease_id = ? AND role = 'provider'")
      .get(r.leaseId) as { paid_until: number } | undefined;
    if (held && r.fromMs < held.paid_until) throw new LedgerRuleError('receipt', 'this usage was already claimed');
    const tx = await this.wallet.submitOwn({ kind: 'reward', receipt: signed }, null);
    this.ctx.options.db
      .prepare(
        `INSERT INTO ledger_receipts (lease_id, role, paid_until) VALUES (?, 'provider', ?)
         ON CONFLICT(lease_id) DO UPDATE SET paid_until = excluded.paid_until`,
      )
      .run(r.leaseId, r.toMs);
    // The user's reward preference: a share of each reward is locked as stake straight away.
    const percent = BigInt(this.ctx.options.settings().rewards.autoStakePercent);
    const reg = chain.state.registrations.get(r.assetId);
    if (percent > 0n && reg) {
      const payout = rewardUnits({
        kind: r.resource,
        amount: r.amount,
        durationMs: BigInt(r.toMs - r.fromMs),
        privacyLevel: reg.privacyLevel,
      });
      const amount = (payout * percent) / 100n;
      const account = chain.state.account(this.ctx.options.identity.nodeId);
      const lockedUntil = Math.max(account.lockedUntil, this.ctx.now() + 30 * 86_400_000);
      if (amount > 0n)
        await this.wallet.submitOwn({ kind: 'stake_lock', amount, lockedUntil }, null).catch(() => undefined);
    }
    return { txId: tx.txId };
  }

  /** The registry registered an asset or granted a lease: record it on the ledger at the next tick. */
  record(_event: AssetRecordEvent): void {
    this.recordsDue = true;
  }

  /** Submits a registration or allocation record for what the ledger lacks (and is not already pooled). */
  async reconcileRecords(): Promise<void> {
    const chain = this.ctx.chain;
    const records = this.ctx.options.records;
    if (!chain || !records) return;
    const now = this.ctx.now();
    if (!this.recordsDue && now - this.lastRecordsAt < 30_000) return;
    this.recordsDue = false;
    this.lastRecordsAt = now;
    const me = this.ctx.options.identity.nodeId;
    const pooled = this.mempool.from(me).map((e) => e.tx.body);
    for (const event of records.records()) {
      let body: TxBody;
      if (event.type === 'registered') {
        const known = chain.state.registrations.get(event.asset.assetId);
        if (known && known.privacyLevel === event.asset.privacyLevel) continue;
        if (
          pooled.some(
            (b) =>
              b.kind === 'registration' &&
              b.assetId === event.asset.assetId &&
              b.privacyLevel === event.asset.privacyLevel,
          )
        )
          continue;
        body = {
          kind: 'registration',
          assetId: event.asset.assetId,
          resource: event.asset.kind,
          privacyLevel: event.asset.privacyLevel,
          proofDigest: event.proofDigest,
        };
      } else {
        if (chain.state.allocations.has(event.lease.id)) continue;
        if (pooled.some((b) => b.kind === 'allocation' && b.leaseId === event.lease.id)) continue;
        if (
          !chain.state.registrations.has(event.assetId) &&
          !pooled.some((b) => b.kind === 'registration' && b.assetId === event.assetId)
        )
          continue;
        body = {
          kind: 'allocation',
          leaseId: event.lease.id,
          assetId: event.assetId,
          consumer: event.lease.consumer,
          amount: BigInt(event.lease.amount),
          grantedAt: event.lease.grantedAt,
          durationMs: event.lease.expiresAt - event.lease.grantedAt,
          proofDigest: event.proofDigest,
        };
      }
      try {
        await this.wallet.submitOwn(body, null);
        pooled.push(body);
      } catch (err) {
        this.ctx.options.log.warn(`ledger: could not record ${event.type}: ${(err as Error).message}`);
        this.recordsDue = true;
      }
    }
  }
}
