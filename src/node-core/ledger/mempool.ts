import type { LedgerContext } from './context';
import { LedgerRuleError } from './errors';
import { decodeTx, txIdOf, verifyTxSignatures, type Transaction } from './tx';
import { LedgerMethod } from './context';

/** The pool of transactions waiting for a block: gossiped ones, this wallet's own, and those a reorganisation undid. */

/** At most this many pooled transactions; when full, the oldest goes. */
const MEMPOOL_MAX = 4096;
/** A transaction that waited this long for an earlier nonce is given up. */
const MEMPOOL_TTL_MS = 3_600_000;

export interface PoolEntry {
  readonly tx: Transaction;
  readonly bytes: Buffer;
  readonly id: string;
  readonly receivedAt: number;
}

/** A pooled transaction that no longer applies after a chain change; the wallet marks its own as rejected. */
export interface PoolRejection {
  readonly txId: string;
  readonly reason: string;
}

export class Mempool {
  private readonly entries = new Map<string, PoolEntry>();

  constructor(private readonly ctx: LedgerContext) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  values(): IterableIterator<PoolEntry> {
    return this.entries.values();
  }

  /** One sender's pooled transactions. */
  from(nodeId: string): PoolEntry[] {
    return [...this.entries.values()].filter((e) => e.tx.from === nodeId);
  }

  add(entry: PoolEntry): void {
    if (this.entries.size >= MEMPOOL_MAX) {
      const oldest = [...this.entries.values()].sort((a, b) => a.receivedAt - b.receivedAt)[0];
      if (oldest) this.entries.delete(oldest.id);
    }
    this.entries.set(entry.id, entry);
  }

  /** A transaction from a peer: checked (signatures, and against the state unless it waits on an earlier nonce), pooled, passed on. */
  async receive(bytes: Buffer, from: string): Promise<void> {
    const chain = this.ctx.chain;
    if (!chain) return;
    const id = txIdOf(bytes);
    if (this.entries.has(id) || chain.isOnMain(id)) return;
    let tx: Transaction;
    try {
      tx = decodeTx(bytes);
      verifyTxSignatures(tx);
      this.checkAgainstState(tx, id);
    } catch (err) {
      this.ctx.options.log.debug(`ledger: refused a transaction from ${from.slice(0, 8)}: ${(err as Error).message}`);
      return;
    }
    chain.rememberTx(id);
    this.add({ tx, bytes, id, receivedAt: this.ctx.now() });
    await this.ctx.broadcast(LedgerMethod.Tx, bytes, from);
  }

  /** Would the transaction apply after the pooled ones of the same sender? (Not if a rule already refuses it.) */
  checkAgainstState(tx: Transaction, id: string): void {
    const chain = this.ctx.requireChain();
    const state = chain.state.clone();
    const pending = this.from(tx.from).sort((a, b) => a.tx.nonce - b.tx.nonce);
    for (const e of pending) {
      if (e.tx.nonce >= tx.nonce) break;
      try {
        state.apply(e.tx, e.id, this.ctx.now());
      } catch {
        break;
      }
    }
    const next = state.account(tx.from).nonce + 1;
    if (tx.nonce > next) return; // waits for an earlier one
    state.apply(tx, id, this.ctx.now());
  }

  /**
   * After the main chain changed: drop what is in it, re-pool what a reorganisation took out, and drop (returning
   * them) what no longer applies.
   */
  afterChainChange(dropped: readonly Buffer[]): PoolRejection[] {
    const chain = this.ctx.requireChain();
    for (const bytes of dropped) {
      const id = txIdOf(bytes);
      if (!chain.isOnMain(id)) this.add({ tx: decodeTx(bytes), bytes, id, receivedAt: this.ctx.now() });
    }
    const state = chain.state.clone();
    const now = this.ctx.now();
    const entries = [...this.entries.values()].sort((a, b) =>
      a.tx.from === b.tx.from ? a.tx.nonce - b.tx.nonce : a.tx.from < b.tx.from ? -1 : 1,
    );
    const rejected: PoolRejection[] = [];
    for (const e of entries) {
      if (chain.isOnMain(e.id)) {
        this.entries.delete(e.id);
        continue;
      }
      const next = state.account(e.tx.from).nonce + 1;
      if (e.tx.nonce > next && now - e.receivedAt < MEMPOOL_TTL_MS) continue;
      try {
        if (now - e.receivedAt >= MEMPOOL_TTL_MS)
          throw new LedgerRuleError('nonce', 'it waited an hour for an earlier transaction');
        state.apply(e.tx, e.id, now);
      } catch (err) {
        this.entries.delete(e.id);
        rejected.push({ txId: e.id, reason: (err as Error).message });
      }
    }
    return rejected;
  }
}
