import { formatHostPort } from '../../shared/network';
import { commitSpace, createConsensusProof, type SpaceCommitment } from '../consensus';
import { BLOCK_LIMITS, blockProofSubject, decodeBlock, encodeBlock, txRootOf, type BlockHeader } from './block';
import { LedgerMethod, json, type LedgerContext } from './context';
import type { Mempool, PoolEntry } from './mempool';
import { leaderOf } from './state';

/** An empty block is produced when the chain has been idle this long (PoTime's beacon must stay under an hour). */
const HEARTBEAT_MS = 20 * 60_000;
/** The capacity a block proof declares: the cheapest PoWork (a block is not a resource offer). */
const BLOCK_CAPACITY = { cpuCores: 1, memoryMiB: 1 } as const;

/** Block production: in the slots this node leads, a block of the pooled transactions that apply, with its proof. */
export class Producer {
  private producing = false;
  private space: SpaceCommitment | undefined;

  constructor(
    private readonly ctx: LedgerContext,
    private readonly mempool: Mempool,
  ) {}

  private leaderNow(at: number): { slot: number; leader: string | undefined } {
    const chain = this.ctx.requireChain();
    const slot = Math.floor(at / chain.slotMs);
    return { slot, leader: leaderOf(slot, chain.genesisRef.id, chain.state.producers(at)) };
  }

  /** In a slot this node leads: a block of the pooled transactions that apply (or an empty one when the chain idles). */
  async produce(): Promise<void> {
    const chain = this.ctx.chain;
    if (!chain || this.ctx.syncing || this.producing || this.ctx.stopped) return;
    const now = this.ctx.now();
    const { slot, leader } = this.leaderNow(now);
    if (leader !== this.ctx.options.identity.nodeId || slot <= chain.tip.slot) return;
    const certificateChain = this.ctx.options.trust.chain();
    const stake = chain.state.stakeRecord(this.ctx.options.identity.nodeId);
    if (!certificateChain || !stake) return;
    const state = chain.state.clone();
    const picked: PoolEntry[] = [];
    let size = 2048;
    const entries = [...this.mempool.values()].sort((a, b) =>
      a.tx.from === b.tx.from ? a.tx.nonce - b.tx.nonce : a.receivedAt - b.receivedAt,
    );
    for (const e of entries) {
      if (picked.length >= BLOCK_LIMITS.txs || size + e.bytes.length + 4 > BLOCK_LIMITS.bytes - 64 * 1024) break;
      try {
        state.apply(e.tx, e.id, now);
        picked.push(e);
        size += e.bytes.length + 4;
      } catch {
        // not yet (a gap in nonces) or never (afterChainChange rejects it)
      }
    }
    if (picked.length === 0 && now - chain.tip.timestamp < HEARTBEAT_MS) return;
    this.producing = true;
    try {
      const parent = chain.tip;
      const header: BlockHeader = {
        version: 1,
        height: parent.height + 1,
        parent: Buffer.from(parent.id, 'hex'),
        slot,
        timestamp: now,
        producer: this.ctx.options.identity.nodeId,
        txRoot: txRootOf(picked.map((e) => e.bytes)),
        txCount: picked.length,
      };
      const subject = blockProofSubject(header);
      this.space ??= await commitSpace(
        this.ctx.options.identity.mldsaPublicKey,
        subject.assetId,
        this.ctx.params.space,
        this.ctx.options.compute,
      );
      const proof = await createConsensusProof(
        {
          subject,
          location: formatHostPort(this.ctx.options.stoq.address),
          capacity: BLOCK_CAPACITY,
          beacon: {
            kind: 'ledger',
            id: String(parent.height),
            timestamp: parent.timestamp,
            digest: Buffer.from(parent.id, 'hex'),
          },
          certificateChain,
          stake,
        },
        this.ctx.options.identity,
        { params: this.ctx.params, compute: this.ctx.options.compute, now: () => now, spaceCommitment: this.space },
      );
      if (chain.tip.id !== parent.id) return; // the chain moved on meanwhile
      const block = decodeBlock(encodeBlock({ header, txs: picked.map((e) => e.tx), proof }));
      const result = chain.adopt(parent.height, [block]);
      if (result.error) throw result.error;
      this.ctx.options.log.debug(`ledger: produced block ${header.height} (${picked.length} transactions)`);
      this.ctx.chainChanged(result.dropped);
      void this.ctx.broadcast(LedgerMethod.Announce, json(this.ctx.head()));
    } finally {
      this.producing = false;
    }
  }
}
