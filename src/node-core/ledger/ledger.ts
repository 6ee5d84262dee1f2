import { randomUUID } from 'node:crypto';
import type { ReceiptTrailEntry, Reconciliation } from '../../shared/activity';
import type * as W from '../../shared/ledger';
import type { AssetLedger, AssetRecordEvent } from '../assets';
import type { StakeRecord } from '../consensus';
import type { PeerLink } from '../transport/index';
import type { ChainRef } from './chain';
import { LedgerContext, LedgerMethod, json, type LedgerOptions } from './context';
import { loadStoredGenesis, obtainGenesis } from './genesis';
import { Mempool } from './mempool';
import { Producer } from './producer';
import { ReceiptTrails, type LedgerLeaseRecord } from './receipt-trail';
import { Receipts, type UsageOwed } from './receipts';
import type { WalletService } from './service';
import type { LedgerState } from './state';
import { Sync } from './sync';
import { Wallet } from './wallet';

export {
  LedgerMethod,
  type AssetRecordSource,
  type LedgerIdentity,
  type LedgerOptions,
  type LedgerTrust,
} from './context';

/**
 * The Caesar ledger service: holds the chain (chain.ts), gets the genesis from its CA (genesis.ts), replicates
 * blocks over STOQ (sync.ts), keeps a mempool (mempool.ts), produces blocks in the slots it leads (producer.ts),
 * turns consumers' usage receipts into rewards (receipts.ts), and is the wallet the API shows (wallet.ts). This
 * class composes those parts and runs their tick. docs/ledger.md has the design.
 */

/** How often this wallet's pending transactions are sent out again. */
const REBROADCAST_MS = 10_000;

export class Ledger implements WalletService, AssetLedger {
  private readonly ctx: LedgerContext;
  private readonly mempool: Mempool;
  private readonly walletPart: Wallet;
  private readonly producer: Producer;
  private readonly sync: Sync;
  private readonly receipts: Receipts;
  private readonly trails: ReceiptTrails;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastSyncAt = 0;
  private syncRunning = false;
  private receiptsRunning = false;
  private lastRebroadcastAt = 0;

  constructor(options: LedgerOptions) {
    const ctx = new LedgerContext(options);
    this.ctx = ctx;
    this.mempool = new Mempool(ctx);
    this.walletPart = new Wallet(ctx, this.mempool);
    this.producer = new Producer(ctx, this.mempool);
    this.sync = new Sync(ctx);
    this.receipts = new Receipts(ctx, this.mempool, this.walletPart);
    this.trails = new ReceiptTrails(ctx, this.walletPart);
    ctx.chainChanged = (dropped) => {
      for (const r of this.mempool.afterChainChange(dropped)) this.walletPart.rejectOwn(r.txId, r.reason);
      this.walletPart.syncOwnStatus();
      ctx.changed();
    };
    ctx.changed = () => {
      if (!options.onChange) return;
      try {
        options.onChange(this.wallet());
      } catch {
        // a listener's failure is not the ledger's
      }
    };
  }

  // ---------- lifecycle ----------

  start(): void {
    this.serve();
    loadStoredGenesis(this.ctx);
    const tickMs = this.ctx.options.tickMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.ctx.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ctx.idle();
  }

  private serve(): void {
    this.sync.serve();
    const router = this.ctx.options.stoq.router;
    router.message(LedgerMethod.Tx, (body, ctx) => {
      void this.mempool.receive(Buffer.from(body), ctx.peer.nodeId).catch(() => undefined);
    });
    router.rpc(LedgerMethod.Receipt, async (body, ctx) => json(await this.receipts.accept(body, ctx)));
  }

  private async tick(): Promise<void> {
    const { ctx } = this;
    if (this.ticking || ctx.stopped) return;
    this.ticking = true;
    try {
      if (!ctx.chain) {
        await obtainGenesis(ctx);
        return;
      }
      // Syncing and receipts talk to peers that may be gone: they run beside the tick, never holding up a block.
      const now = ctx.now();
      const tickMs = ctx.options.tickMs ?? 1000;
      if (!this.syncRunning && (now - this.lastSyncAt >= 3 * tickMs || this.sync.ahead.size > 0)) {
        this.lastSyncAt = now;
        this.syncRunning = true;
        void this.sync
          .withPeers()
          .catch((err: unknown) => ctx.options.log.debug(`ledger: sync: ${(err as Error).message}`))
          .finally(() => (this.syncRunning = false));
      }
      const receiptEvery = ctx.options.receiptIntervalMs ?? 60_000;
      if (!this.receiptsRunning && now - this.receipts.lastSignedAt >= receiptEvery) {
        this.receipts.lastSignedAt = now;
        this.receiptsRunning = true;
        void this.receipts
          .signReceipts()
          .catch((err: unknown) => ctx.options.log.debug(`ledger: receipts: ${(err as Error).message}`))
          .finally(() => (this.receiptsRunning = false));
      }
      if (now - this.lastRebroadcastAt >= REBROADCAST_MS) {
        this.lastRebroadcastAt = now;
        this.rebroadcastOwn();
      }
      await this.receipts.reconcileRecords();
      await ctx.exclusive(() => this.producer.produce());
    } catch (err) {
      ctx.options.log.warn(`ledger: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * This wallet's pending transactions go out again now and then: a message sent into a partition (or to a peer
   * that went away) is lost, and a transaction nobody else holds would never reach a producer.
   */
  private rebroadcastOwn(): void {
    for (const e of this.mempool.from(this.ctx.me).slice(0, 64)) void this.ctx.broadcast(LedgerMethod.Tx, e.bytes);
  }

  // ---------- what the node, the API, the VM and the benchmark call ----------

  /** Follows a peer whose chain is better than ours: locate where they meet, fetch from there, validate, adopt. */
  syncFrom(link: PeerLink, signal?: AbortSignal): Promise<void> {
    return this.sync.from(link, signal);
  }

  /** Owes a provider for use of a lease paid by use (a Catalog VM job): the next receipt round signs it. */
  queueUsage(usage: UsageOwed): void {
    this.receipts.queueUsage(usage);
  }

  /** A node's stake as this node's copy of the ledger holds it (PoStake); undefined before there is a genesis. */
  stakeRecord(nodeId: string): StakeRecord | undefined {
    return this.ctx.chain?.state.stakeRecord(nodeId);
  }

  /** The registry registered an asset or granted a lease: record it on the ledger at the next tick. */
  record(event: AssetRecordEvent): void {
    this.receipts.record(event);
  }

  status(): W.LedgerStatusView {
    return this.walletPart.status();
  }

  wallet(): W.WalletView {
    return this.walletPart.wallet();
  }

  history(query: W.WalletHistoryQuery): readonly W.WalletTxView[] {
    return this.walletPart.history(query);
  }

  earnings(days: number): readonly W.EarningsPoint[] {
    return this.walletPart.earnings(days);
  }

  send(request: W.SendRequest, signal?: AbortSignal): Promise<W.WalletTxView> {
    return this.walletPart.send(request, signal);
  }

  lockStake(request: W.StakeRequest): Promise<W.WalletTxView> {
    return this.walletPart.lockStake(request);
  }

  unlockStake(requestId: string): Promise<W.WalletTxView> {
    return this.walletPart.unlockStake(requestId);
  }

  // ---------- what the Activity page reads (docs/activity.md) ----------

  /** Rewards paid (or pending here) on these leases, each with its receipt, formula numbers and block. */
  rewardsOn(leaseIds: readonly string[]): ReceiptTrailEntry[] {
    return this.trails.rewardsOn(leaseIds);
  }

  /** Leases the ledger recorded that this node granted or holds. */
  leaseRecords(): LedgerLeaseRecord[] {
    return this.trails.leases();
  }

  /** The wallet's balance and stake explained by its confirmed transactions. */
  reconciliation(): Reconciliation {
    return this.trails.reconciliation();
  }

  // ---------- for tests, the CLI and the benchmark ----------

  get tip(): ChainRef | undefined {
    return this.ctx.chain?.tip;
  }

  get ledgerState(): LedgerState | undefined {
    return this.ctx.chain?.state;
  }

  /** A fresh request id (the CLI's sends). */
  static requestId(): string {
    return randomUUID().replaceAll('-', '');
  }
}
