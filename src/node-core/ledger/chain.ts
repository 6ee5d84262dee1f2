import { formatAmount, parseAmount } from '../../shared/amount';
import { DEFAULT_CONSENSUS_PARAMS, verifyConsensusProof, type Beacon, type ConsensusParams } from '../consensus';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import { blockProofSubject, type DecodedBlock, type Genesis } from './block';
import { LedgerRuleError } from './errors';
import { LedgerState, leaderOf, type ProducerRules, type TxEffect } from './state';
import { decodeTx, verifyTxSignatures } from './tx';

/**
 * The chain this node holds: the main chain in SQLite, the state it leads to in memory, and the rules that decide
 * which blocks extend it and which chain wins (docs/ledger.md, "Fork choice"). No network: ledger.ts feeds it.
 */

export interface ChainRef {
  readonly height: number;
  /** Hex id (the genesis id at height 0). */
  readonly id: string;
  readonly slot: number;
  readonly timestamp: number;
}

export interface LoadedGenesis {
  readonly genesis: Genesis;
  readonly id: string;
  readonly bytes: Buffer;
}

export interface ChainOptions {
  readonly db: Db;
  readonly genesis: LoadedGenesis;
  /** Checks a TrustChain chain at time `at` and gives the NodeId and ML-DSA key it certifies. */
  readonly verifyCertificate: (
    chain: readonly Uint8Array[],
    at: number,
  ) => { readonly nodeId: string; readonly mldsaPublicKey: Uint8Array };
  readonly params?: ConsensusParams;
  readonly now: () => number;
  readonly log?: Logger;
}

/** How far ahead of this node's clock a block may be. */
export const BLOCK_CLOCK_SKEW_MS = 30_000;
/** Reorganisations deeper than this are refused: blocks this deep are final (docs/ledger.md). */
export const MAX_REORG_DEPTH = 1000;

/** The fork-choice order: the longer chain wins; at equal height, the lower tip id. */
export function isBetter(a: Pick<ChainRef, 'height' | 'id'>, b: Pick<ChainRef, 'height' | 'id'>): boolean {
  return a.height > b.height || (a.height === b.height && a.id < b.id);
}

export interface AdoptResult {
  /** Blocks of the branch now on the main chain. */
  readonly applied: number;
  /** Why the first refused block was refused. */
  readonly error?: LedgerRuleError;
  /** Whether the main chain changed (extended or reorganised). */
  readonly changed: boolean;
  /** Transactions of blocks taken off the main chain by a reorganisation (they go back to the mempool). */
  readonly dropped: readonly Buffer[];
}

export class Chain {
  state: LedgerState;
  tip: ChainRef;
  readonly genesisRef: ChainRef;
  private readonly params: ConsensusParams;
  private readonly rules: ProducerRules;
  private readonly verifiedTxs = new Set<string>();
  private readonly verifiedBlocks = new Set<string>();

  constructor(private readonly options: ChainOptions) {
    this.params = options.params ?? DEFAULT_CONSENSUS_PARAMS;
    this.rules = { minStake: parseAmount(this.params.stake.minimum), minLockAheadMs: this.params.stake.minLockMs };
    const g = options.genesis.genesis;
    this.genesisRef = {
      height: 0,
      id: options.genesis.id,
      slot: Math.floor(g.createdAt / g.slotMs),
      timestamp: g.createdAt,
    };
    this.state = this.replay(Number.MAX_SAFE_INTEGER);
    this.tip = this.refAt(this.maxHeight()) ?? this.genesisRef;
  }

  get slotMs(): number {
    return this.options.genesis.genesis.slotMs;
  }

  private maxHeight(): number {
    const row = this.options.db.prepare('SELECT MAX(height) AS h FROM ledger_blocks').get() as { h: number | null };
    return row.h ?? 0;
  }

  refAt(height: number): ChainRef | undefined {
    if (height === 0) return this.genesisRef;
    const row = this.options.db
      .prepare('SELECT height, id, slot, timestamp FROM ledger_blocks WHERE height = ?')
      .get(height) as ChainRef | undefined;
    return row ? { height: row.height, id: row.id, slot: row.slot, timestamp: row.timestamp } : undefined;
  }

  heightOf(id: string): number | undefined {
    if (id === this.genesisRef.id) return 0;
    const row = this.options.db.prepare('SELECT height FROM ledger_blocks WHERE id = ?').get(id) as
      { height: number } | undefined;
    return row?.height;
  }

  /** The state after the main chain's block at `upTo` (signatures are not re-checked: they were on arrival). */
  replay(upTo: number): LedgerState {
    const state = new LedgerState(this.options.genesis.genesis.authorities, this.rules);
    const rows = this.options.db
      .prepare(
        `SELECT t.tx_id, t.body, b.timestamp FROM ledger_txs t JOIN ledger_blocks b ON b.height = t.height
         WHERE t.height <= ? ORDER BY t.height, t.idx`,
      )
      .all(upTo) as { tx_id: string; body: Buffer; timestamp: number }[];
    for (const row of rows) state.apply(decodeTx(row.body), row.tx_id, row.timestamp);
    return state;
  }

  /** Block encodings of the main chain from `from`, as many as fit `maxBytes` (at least one). */
  blocksFrom(from: number, count: number, maxBytes: number): Buffer[] {
    const rows = this.options.db
      .prepare('SELECT body FROM ledger_blocks WHERE height >= ? ORDER BY height LIMIT ?')
      .all(from, count) as { body: Buffer }[];
    const out: Buffer[] = [];
    let size = 0;
    for (const r of rows) {
      if (out.length > 0 && size + r.body.length + 4 > maxBytes) break;
      out.push(r.body);
      size += r.body.length + 4;
    }
    return out;
  }

  /** Ids of the main chain at tip, tip−1, tip−2, tip−4, … and the genesis: where a peer's chain meets ours. */
  locator(): string[] {
    const ids: string[] = [];
    let step = 1;
    for (let h = this.tip.height; h > 0; h -= step) {
      const ref = this.refAt(h);
      if (ref) ids.push(ref.id);
      if (ids.length > 10) step *= 2;
    }
    ids.push(this.genesisRef.id);
    return ids;
  }

  /** The highest of `ids` on this node's main chain (0, the genesis, if none). */
  locate(ids: readonly string[]): number {
    for (const id of ids) {
      const h = this.heightOf(id);
      if (h !== undefined) return h;
    }
    return 0;
  }

  /**
   * Every rule a block must meet on top of `parent` with `state` (the state after `parent`, which is changed: pass a
   * copy). Throws LedgerRuleError naming the first rule broken.
   */
  validate(block: DecodedBlock, parent: ChainRef, state: LedgerState): TxEffect[] {
    const h = block.header;
    if (h.height !== parent.height + 1 || Buffer.from(h.parent).toString('hex') !== parent.id) {
      throw new LedgerRuleError(
        'block.parent',
        `block ${h.height} does not follow ${parent.height} (${parent.id.slice(0, 12)})`,
      );
    }
    if (h.slot !== Math.floor(h.timestamp / this.slotMs))
      throw new LedgerRuleError('block.slot', 'the slot does not match the time');
    if (h.slot <= parent.slot) throw new LedgerRuleError('block.slot', "the slot is not after the parent's");
    if (h.timestamp > this.options.now() + BLOCK_CLOCK_SKEW_MS) {
      throw new LedgerRuleError('block.time', 'the block is from the future');
    }
    const producers = state.producers(h.timestamp);
    const leader = leaderOf(h.slot, this.options.genesis.id, producers);
    if (leader !== h.producer) {
      throw new LedgerRuleError(
        'block.producer',
        `slot ${h.slot} belongs to ${leader?.slice(0, 8) ?? 'nobody'}, not ${h.producer.slice(0, 8)}`,
      );
    }
    if (!this.verifiedBlocks.has(block.id)) {
      const expected: Beacon = {
        kind: 'ledger',
        id: String(parent.height),
        timestamp: parent.timestamp,
        digest: Buffer.from(parent.id, 'hex'),
      };
      let verified;
      try {
        verified = verifyConsensusProof(block.proof, {
          subject: blockProofSubject(h),
          // A block's proof is checked at the block's own time, so a late joiner judges it as its peers did.
          now: h.timestamp,
          params: this.params,
          verifyCertificate: (chain) => this.options.verifyCertificate(chain, h.timestamp),
          stakeOf: (nodeId) => state.stakeRecord(nodeId),
          checkBeacon: (b) =>
            b.kind === expected.kind &&
            b.id === expected.id &&
            b.timestamp === expected.timestamp &&
            Buffer.from(b.digest).equals(expected.digest),
        });
      } catch (err) {
        throw new LedgerRuleError('block.proof', (err as Error).message, { cause: err });
      }
      if (verified.nodeId !== h.producer) throw new LedgerRuleError('block.proof', "the proof is another node's");
    }
    const effects: TxEffect[] = [];
    block.txs.forEach((tx, i) => {
      const txId = block.txIds[i] as string;
      if (tx.timestamp > h.timestamp + BLOCK_CLOCK_SKEW_MS)
        throw new LedgerRuleError('block.time', 'a transaction is from after its block');
      if (!this.verifiedTxs.has(txId)) {
        verifyTxSignatures(tx);
        this.rememberTx(txId);
      }
      effects.push(state.apply(tx, txId, h.timestamp));
    });
    this.verifiedBlocks.add(block.id);
    if (this.verifiedBlocks.size > 4096) this.verifiedBlocks.clear();
    return effects;
  }

  /** A transaction whose signatures were checked (in the mempool, say) is not checked again in its block. */
  rememberTx(txId: string): void {
    this.verifiedTxs.add(txId);
    if (this.verifiedTxs.size > 100_000) this.verifiedTxs.clear();
  }

  /**
   * Takes `blocks` (consecutive, the first on top of the main chain's block at `ancestor`) and makes them the main
   * chain if the valid part of them makes a better chain than the current one; stores them atomically.
   */
  adopt(ancestor: number, blocks: readonly DecodedBlock[]): AdoptResult {
    const base = this.refAt(ancestor);
    if (!base)
      return {
        applied: 0,
        changed: false,
        dropped: [],
        error: new LedgerRuleError('block.parent', 'unknown ancestor'),
      };
    if (this.tip.height - ancestor > MAX_REORG_DEPTH) {
      return {
        applied: 0,
        changed: false,
        dropped: [],
        error: new LedgerRuleError('block.parent', 'reorganisation deeper than the finality depth'),
      };
    }
    const state = ancestor === this.tip.height ? this.state.clone() : this.replay(ancestor);
    let parent = base;
    const accepted: { block: DecodedBlock; effects: TxEffect[] }[] = [];
    let error: LedgerRuleError | undefined;
    for (const block of blocks) {
      try {
        accepted.push({ block, effects: this.validate(block, parent, state) });
      } catch (err) {
        error = err instanceof LedgerRuleError ? err : new LedgerRuleError('encoding', (err as Error).message);
        break;
      }
      const h = block.header;
      parent = { height: h.height, id: block.id, slot: h.slot, timestamp: h.timestamp };
    }
    if (accepted.length === 0 || !isBetter(parent, this.tip)) {
      return { applied: 0, changed: false, dropped: [], ...(error ? { error } : {}) };
    }
    const db = this.options.db;
    const dropped = this.txBytesAbove(ancestor);
    const droppedBlocks = this.tip.height - ancestor;
    const insertBlock = db.prepare(
      'INSERT INTO ledger_blocks (height, id, slot, timestamp, producer, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertTx = db.prepare(
      `INSERT INTO ledger_txs (tx_id, height, idx, kind, sender, recipient, amount, time, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      db.prepare('DELETE FROM ledger_blocks WHERE height > ?').run(ancestor);
      for (const { block, effects } of accepted) {
        const h = block.header;
        insertBlock.run(h.height, block.id, h.slot, h.timestamp, h.producer, block.bytes);
        effects.forEach((e, i) => {
          insertTx.run(
            block.txIds[i],
            h.height,
            i,
            e.kind,
            e.sender,
            e.recipient,
            formatAmount(e.amount),
            h.timestamp,
            block.txBytes[i],
          );
        });
      }
    })();
    if (droppedBlocks > 0) {
      this.options.log?.warn(`ledger: reorganised ${droppedBlocks} block(s) above height ${ancestor}`);
    }
    this.state = state;
    this.tip = parent;
    return { applied: accepted.length, changed: true, dropped, ...(error ? { error } : {}) };
  }

  /** Transactions in main-chain blocks above `height`. */
  txBytesAbove(height: number): Buffer[] {
    return (
      this.options.db.prepare('SELECT body FROM ledger_txs WHERE height > ? ORDER BY height, idx').all(height) as {
        body: Buffer;
      }[]
    ).map((r) => r.body);
  }

  isOnMain(txId: string): boolean {
    return this.options.db.prepare('SELECT 1 FROM ledger_txs WHERE tx_id = ?').get(txId) !== undefined;
  }
}
