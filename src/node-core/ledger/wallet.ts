import { formatAmount, parseAmount } from '../../shared/amount';
import {
  NODE_ID_PATTERN,
  type EarningsPoint,
  type LedgerStatusView,
  type LedgerTxKind,
  type SendRequest,
  type StakeRequest,
  type WalletHistoryQuery,
  type WalletTxView,
  type WalletView,
} from '../../shared/ledger';
import { LedgerMethod, type LedgerContext } from './context';
import {
  InsufficientBalanceError,
  LedgerUnavailableError,
  PeerOfflineError,
  StakeLockedError,
  UnknownRecipientError,
} from './errors';
import { earlierTx, sendRequest, stakeRequest, unlockRequest, type IdempotentRequest } from './idempotency';
import type { Mempool } from './mempool';
import { rewardUnits } from './rewards';
import { decodeTx, encodeTx, signTx, txIdOf, type Transaction, type TxBody } from './tx';

/**
 * The wallet: this node's own transactions (signed, pooled, gossiped, re-signed when an earlier one is rejected,
 * confirmed or pending again as the main chain moves) and the views the API shows (status, balance, history,
 * earnings), plus the user's send and stake requests.
 */
export class Wallet {
  constructor(
    private readonly ctx: LedgerContext,
    private readonly mempool: Mempool,
  ) {}

  private nextNonce(): number {
    const chain = this.ctx.requireChain();
    let nonce = chain.state.account(this.ctx.options.identity.nodeId).nonce;
    for (const e of this.mempool.values())
      if (e.tx.from === this.ctx.options.identity.nodeId) nonce = Math.max(nonce, e.tx.nonce);
    return nonce + 1;
  }

  /** Signs, checks, pools and gossips one of this wallet's transactions; `requestId` makes a retry a no-op. */
  submitOwn(body: TxBody, request: IdempotentRequest | null): Promise<WalletTxView> {
    return this.ctx.exclusive(async () => {
      const chain = this.ctx.requireChain();
      if (request !== null) {
        const existing = earlierTx(this.ctx.options.db, request);
        if (existing) return this.txView(existing);
      }
      const now = this.ctx.now();
      const tx = signTx({ nonce: this.nextNonce(), timestamp: now, body }, this.ctx.options.identity);
      const bytes = encodeTx(tx);
      const id = txIdOf(bytes);
      this.mempool.checkAgainstState(tx, id);
      const isProducer = chain.state.producers(now).some((p) => p.nodeId === this.ctx.options.identity.nodeId);
      const peers = this.ctx.connectedPeers().length;
      if (!isProducer && peers === 0) {
        throw new PeerOfflineError(
          'No peer is connected to carry the transaction to a block producer; nothing was sent.',
        );
      }
      chain.rememberTx(id);
      this.mempool.add({ tx, bytes, id, receivedAt: now });
      this.ctx.options.db
        .prepare(
          `INSERT INTO wallet_txs (tx_id, request_id, request_digest, kind, nonce, body, status, reason, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, ?)`,
        )
        .run(id, request?.requestId ?? null, request?.digest ?? null, body.kind, tx.nonce, bytes, now);
      void this.ctx.broadcast(LedgerMethod.Tx, bytes);
      this.ctx.changed();
      return this.txView(id);
    });
  }

  rejectOwn(txId: string, reason: string): void {
    const row = this.ctx.options.db
      .prepare("SELECT nonce FROM wallet_txs WHERE tx_id = ? AND status = 'pending'")
      .get(txId) as { nonce: number } | undefined;
    if (!row) return;
    this.ctx.options.db
      .prepare("UPDATE wallet_txs SET status = 'rejected', reason = ? WHERE tx_id = ?")
      .run(reason, txId);
    this.ctx.options.log.warn(`ledger: this wallet's transaction ${txId.slice(0, 12)} was rejected: ${reason}`);
    // Later transactions of this wallet waited on its nonce: sign them again one nonce lower.
    const later = this.ctx.options.db
      .prepare("SELECT tx_id, body FROM wallet_txs WHERE status = 'pending' AND nonce > ? ORDER BY nonce")
      .all(row.nonce) as { tx_id: string; body: Buffer }[];
    for (const l of later) {
      const old = decodeTx(l.body);
      this.mempool.delete(l.tx_id);
      const tx = signTx({ nonce: old.nonce - 1, timestamp: this.ctx.now(), body: old.body }, this.ctx.options.identity);
      const bytes = encodeTx(tx);
      const id = txIdOf(bytes);
      this.mempool.add({ tx, bytes, id, receivedAt: this.ctx.now() });
      this.ctx.options.db
        .prepare('UPDATE wallet_txs SET tx_id = ?, nonce = ?, body = ? WHERE tx_id = ?')
        .run(id, tx.nonce, bytes, l.tx_id);
      void this.ctx.broadcast(LedgerMethod.Tx, bytes);
    }
  }

  /** Own transactions now in the main chain are confirmed; confirmed ones a reorganisation took out are pending again. */
  syncOwnStatus(): void {
    const chain = this.ctx.requireChain();
    const rows = this.ctx.options.db
      .prepare("SELECT tx_id, status, body FROM wallet_txs WHERE status != 'rejected'")
      .all() as { tx_id: string; status: string; body: Buffer }[];
    for (const r of rows) {
      const onMain = chain.isOnMain(r.tx_id);
      if (onMain && r.status === 'pending') {
        this.ctx.options.db.prepare("UPDATE wallet_txs SET status = 'confirmed' WHERE tx_id = ?").run(r.tx_id);
      } else if (!onMain && r.status === 'confirmed') {
        this.ctx.options.db.prepare("UPDATE wallet_txs SET status = 'pending' WHERE tx_id = ?").run(r.tx_id);
        if (!this.mempool.has(r.tx_id))
          this.mempool.add({ tx: decodeTx(r.body), bytes: r.body, id: r.tx_id, receivedAt: this.ctx.now() });
      }
    }
  }

  // ---------- the views and requests of WalletService ----------

  status(): LedgerStatusView {
    const chain = this.ctx.chain;
    if (!chain) {
      return {
        state: 'waiting-genesis',
        problem: this.ctx.problem,
        genesisHash: null,
        height: 0,
        headHash: null,
        headAt: null,
        producers: 0,
        producing: false,
        mempool: 0,
        stateDigest: null,
      };
    }
    const producers = chain.state.producers(this.ctx.now());
    return {
      state: this.ctx.syncing ? 'syncing' : 'synced',
      problem: this.ctx.problem,
      genesisHash: chain.genesisRef.id,
      height: chain.tip.height,
      headHash: chain.tip.height === 0 ? null : chain.tip.id,
      headAt: new Date(chain.tip.timestamp).toISOString(),
      producers: producers.length,
      producing: producers.some((p) => p.nodeId === this.ctx.options.identity.nodeId),
      mempool: this.mempool.size,
      stateDigest: chain.state.digest(),
    };
  }

  wallet(): WalletView {
    const me = this.ctx.options.identity.nodeId;
    const chain = this.ctx.chain;
    const account = chain?.state.account(me);
    let pendingIn = 0n;
    let pendingOut = 0n;
    for (const e of this.mempool.values()) {
      const b = e.tx.body;
      if (b.kind === 'transfer') {
        if (e.tx.from === me) pendingOut += b.amount;
        if (b.to === me) pendingIn += b.amount;
      } else if (b.kind === 'stake_lock' && e.tx.from === me) {
        pendingOut += b.amount;
      }
    }
    const balance = account?.balance ?? 0n;
    const available = balance > pendingOut ? balance - pendingOut : 0n;
    return {
      address: me,
      addressShort: this.ctx.options.identity.nodeIdShort,
      available: formatAmount(available),
      balance: formatAmount(balance),
      pendingIn: formatAmount(pendingIn),
      pendingOut: formatAmount(pendingOut),
      staked: formatAmount(account?.staked ?? 0n),
      stakeLockedUntil: account && account.staked > 0n ? new Date(account.lockedUntil).toISOString() : null,
      earnedTotal: formatAmount(account?.earned ?? 0n),
      ledger: this.status(),
    };
  }

  private txView(txId: string): WalletTxView {
    const view = this.history({ limit: 1000 }).find((t) => t.txId === txId);
    if (!view) throw new LedgerUnavailableError(`transaction ${txId} is not known`);
    return view;
  }

  history(query: WalletHistoryQuery): readonly WalletTxView[] {
    const me = this.ctx.options.identity.nodeId;
    const limit = query.limit ?? 200;
    const confirmed = this.ctx.options.db
      .prepare(
        `SELECT t.tx_id, t.kind, t.sender, t.recipient, t.amount, t.time, t.height, t.body
         FROM ledger_txs t WHERE t.sender = ? OR t.recipient = ? ORDER BY t.height DESC, t.idx DESC LIMIT ?`,
      )
      .all(me, me, limit * 2) as {
      tx_id: string;
      kind: LedgerTxKind;
      sender: string;
      recipient: string | null;
      amount: string;
      time: number;
      height: number;
      body: Buffer;
    }[];
    const own = this.ctx.options.db
      .prepare(
        "SELECT tx_id, kind, body, status, reason, created_at FROM wallet_txs WHERE status != 'confirmed' ORDER BY created_at DESC LIMIT ?",
      )
      .all(limit) as {
      tx_id: string;
      kind: LedgerTxKind;
      body: Buffer;
      status: 'pending' | 'rejected';
      reason: string | null;
      created_at: number;
    }[];
    const out: WalletTxView[] = [];
    for (const r of own) {
      const tx = decodeTx(r.body);
      out.push(this.viewOf(r.tx_id, tx, r.status, null, r.created_at, r.reason));
    }
    for (const r of confirmed) {
      const tx = decodeTx(r.body);
      const direction: WalletTxView['direction'] =
        r.kind === 'transfer'
          ? r.recipient === me
            ? 'in'
            : 'out'
          : r.kind === 'reward' && r.recipient === me
            ? 'in'
            : 'none';
      out.push({
        txId: r.tx_id,
        kind: r.kind,
        direction,
        counterparty:
          r.kind === 'transfer' ? (r.sender === me ? r.recipient : r.sender) : r.kind === 'reward' ? r.sender : null,
        amount: r.amount,
        status: 'confirmed',
        height: r.height,
        time: new Date(r.time).toISOString(),
        memo: tx.body.kind === 'transfer' && tx.body.memo !== '' ? tx.body.memo : null,
        reason: null,
      });
    }
    return out
      .filter(
        (t) =>
          (query.kind === undefined || t.kind === query.kind) &&
          (query.direction === undefined || t.direction === query.direction) &&
          (query.status === undefined || t.status === query.status),
      )
      .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
      .slice(0, limit);
  }

  private viewOf(
    txId: string,
    tx: Transaction,
    status: 'pending' | 'rejected',
    height: number | null,
    at: number,
    reason: string | null,
  ): WalletTxView {
    const b = tx.body;
    const chain = this.ctx.chain;
    let amount = 0n;
    let counterparty: string | null = null;
    let direction: WalletTxView['direction'] = 'none';
    if (b.kind === 'transfer') {
      amount = b.amount;
      counterparty = b.to;
      direction = 'out';
    } else if (b.kind === 'stake_lock') {
      amount = b.amount;
    } else if (b.kind === 'reward') {
      counterparty = b.receipt.receipt.consumer;
      direction = 'in';
      const reg = chain?.state.registrations.get(b.receipt.receipt.assetId);
      const r = b.receipt.receipt;
      if (reg)
        amount = rewardUnits({
          kind: r.resource,
          amount: r.amount,
          durationMs: BigInt(r.toMs - r.fromMs),
          privacyLevel: reg.privacyLevel,
        });
    }
    return {
      txId,
      kind: b.kind,
      direction,
      counterparty,
      amount: formatAmount(amount),
      status,
      height,
      time: new Date(at).toISOString(),
      memo: b.kind === 'transfer' && b.memo !== '' ? b.memo : null,
      reason,
    };
  }

  earnings(days: number): readonly EarningsPoint[] {
    const hour = 3_600_000;
    const end = Math.floor(this.ctx.now() / hour) * hour + hour;
    const start = end - days * 24 * hour;
    const rows = this.ctx.options.db
      .prepare("SELECT amount, time FROM ledger_txs WHERE kind = 'reward' AND recipient = ? AND time >= ? AND time < ?")
      .all(this.ctx.options.identity.nodeId, start, end) as { amount: string; time: number }[];
    const buckets = new Map<number, bigint>();
    for (const r of rows) {
      const at = Math.floor(r.time / hour) * hour;
      buckets.set(at, (buckets.get(at) ?? 0n) + parseAmount(r.amount));
    }
    const out: EarningsPoint[] = [];
    for (let at = start; at < end; at += hour) {
      out.push({ at: new Date(at).toISOString(), amount: formatAmount(buckets.get(at) ?? 0n) });
    }
    return out;
  }

  async send(request: SendRequest, signal?: AbortSignal): Promise<WalletTxView> {
    const chain = this.ctx.requireChain();
    const idempotent = sendRequest(request);
    const existing = earlierTx(this.ctx.options.db, idempotent);
    if (existing) return this.txView(existing);
    const me = this.ctx.options.identity.nodeId;
    let to = request.to;
    if (!NODE_ID_PATTERN.test(to)) {
      try {
        to = (await this.ctx.options.trust.resolve(to)).nodeId;
      } catch (err) {
        throw new UnknownRecipientError(`No node is registered as "${request.to}": ${(err as Error).message}`);
      }
    } else if (!chain.state.accounts.has(to) && !(this.ctx.options.knowsNode?.(to) ?? false)) {
      throw new UnknownRecipientError(
        `No node ${to.slice(0, 12)}… is known to this node or the ledger; check the address (nothing was sent).`,
      );
    }
    signal?.throwIfAborted();
    if (to === me) throw new UnknownRecipientError('This is your own address.');
    const amount = parseAmount(request.amount);
    const available = parseAmount(this.wallet().available);
    if (amount > available) {
      throw new InsufficientBalanceError(
        `You have ${formatAmount(available)} Caesar available; ${request.amount} was asked.`,
      );
    }
    return this.submitOwn({ kind: 'transfer', to, amount, memo: request.memo ?? '' }, idempotent);
  }

  async lockStake(request: StakeRequest): Promise<WalletTxView> {
    const chain = this.ctx.requireChain();
    // A retry gets its transaction back even when the balance or the lock has changed since.
    const idempotent = stakeRequest(request);
    const existing = earlierTx(this.ctx.options.db, idempotent);
    if (existing) return this.txView(existing);
    const amount = parseAmount(request.amount);
    const available = parseAmount(this.wallet().available);
    if (amount > available) {
      throw new InsufficientBalanceError(
        `You have ${formatAmount(available)} Caesar available to stake; ${request.amount} was asked.`,
      );
    }
    const account = chain.state.account(this.ctx.options.identity.nodeId);
    const lockedUntil = Math.max(account.lockedUntil, this.ctx.now() + request.lockDays * 86_400_000);
    if (lockedUntil < this.ctx.now() + chain.state.rules.minLockAheadMs)
      throw new StakeLockedError('A stake is locked at least a day.');
    return this.submitOwn({ kind: 'stake_lock', amount, lockedUntil }, idempotent);
  }

  async unlockStake(requestId: string): Promise<WalletTxView> {
    const chain = this.ctx.requireChain();
    const idempotent = unlockRequest(requestId);
    const existing = earlierTx(this.ctx.options.db, idempotent);
    if (existing) return this.txView(existing);
    const account = chain.state.account(this.ctx.options.identity.nodeId);
    if (account.staked === 0n) throw new StakeLockedError('There is no stake to unlock.');
    if (this.ctx.now() < account.lockedUntil) {
      throw new StakeLockedError(`The stake is locked until ${new Date(account.lockedUntil).toISOString()}.`);
    }
    return this.submitOwn({ kind: 'stake_unlock' }, idempotent);
  }
}
