import { shuffled } from '../../shared/random';
import { callJson, encodeJsonBody, handleJson, ignoreReply, type PeerLink } from '../transport/index';
import { BLOCK_LIMITS, decodeBlock, type DecodedBlock } from './block';
import { MAX_REORG_DEPTH, isBetter } from './chain';
import { Reader, Writer } from './codec';
import {
  HEX64,
  LedgerMethod,
  headInfo,
  ledgerObject,
  notJson,
  parseHead,
  parseJson,
  type LedgerContext,
} from './context';
import { LedgerRuleError, LedgerUnavailableError } from './errors';

/**
 * Replication: serving the chain to peers (genesis, head, locate, blocks, announcements) and following a better
 * chain (locate where they meet, fetch, validate, adopt).
 */

const SYNC_BATCH = 128;
/** Connected peers (besides those that announced a better head, and the CA) asked for their head each sync. */
const SYNC_PULL_PEERS = 3;
const REPLY_MAX_BYTES = 900 * 1024;

/** A locator: up to 64 block ids, newest first. */
function locator(value: unknown): string[] {
  const ids = ledgerObject('a locator')(value).ids;
  if (!Array.isArray(ids) || ids.length > 64 || !ids.every((x) => typeof x === 'string' && HEX64.test(x))) {
    throw new LedgerRuleError('encoding', 'a locator is a list of up to 64 block ids');
  }
  return ids as string[];
}

/** The peer's answer to a locator: the height of the newest block both chains hold. */
const locatedHeight = (value: unknown) => ledgerObject('a located height')(value).height;

/** Asks a peer for its head (`ledger.head` takes no body). */
const headOf = (link: PeerLink, timeoutMs: number) =>
  callJson(link, LedgerMethod.Head, undefined, { timeoutMs, validate: headInfo });

function encodeBlockList(blocks: readonly Uint8Array[]): Buffer {
  const w = new Writer().u32(blocks.length);
  for (const b of blocks) w.bytes(b);
  return w.done();
}

function decodeBlockList(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const n = r.u32('block count');
  if (n > SYNC_BATCH) throw new LedgerRuleError('encoding', 'too many blocks in one reply');
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytes('block', BLOCK_LIMITS.bytes));
  r.end();
  return out;
}

export class Sync {
  /** Peers that announced a better head than ours since the last sync. */
  readonly ahead = new Set<string>();

  constructor(private readonly ctx: LedgerContext) {}

  /** Answers peers' genesis, head, locate and blocks requests, and notes their announced heads. */
  serve(): void {
    const router = this.ctx.options.stoq.router;
    router.rpc(LedgerMethod.Genesis, () => {
      if (!this.ctx.genesis) throw new LedgerUnavailableError('this node has no genesis yet');
      return this.ctx.genesis.bytes;
    });
    // The head request has no body; whatever JSON a peer sends with it is not read.
    handleJson(router, LedgerMethod.Head, { validate: ignoreReply, emptyIsUndefined: true }, () => this.ctx.head());
    handleJson(router, LedgerMethod.Locate, { validate: locator, notJson: notJson('a locator') }, (ids) => ({
      height: this.ctx.requireChain().locate(ids),
    }));
    router.rpc(LedgerMethod.Blocks, (body) => {
      const chain = this.ctx.requireChain();
      const o = parseJson(body, 'a block request');
      const from = o.from;
      const count = o.count;
      if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1)
        throw new LedgerRuleError('encoding', 'bad from');
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > SYNC_BATCH) {
        throw new LedgerRuleError('encoding', `count must be 1–${SYNC_BATCH}`);
      }
      return encodeBlockList(chain.blocksFrom(from, count, REPLY_MAX_BYTES));
    });
    router.message(LedgerMethod.Announce, (body, ctx) => {
      const head = parseHead(body);
      const chain = this.ctx.chain;
      if (!chain || head.genesis !== this.ctx.genesis?.id) return;
      if (isBetter(head, chain.tip)) this.ahead.add(ctx.peer.nodeId);
    });
  }

  /**
   * Asks for heads at once (a dead peer costs a short timeout) and follows the best: the peers that announced a
   * better head, a few other connected peers chosen at random, and the CA. New heads are pushed (`ledger.announce`),
   * so the pull is a backstop; asking every connected peer every few seconds cost a meshed node tens of requests a
   * second for nothing.
   */
  async withPeers(): Promise<void> {
    const chain = this.ctx.requireChain();
    const others = this.ctx.connectedPeers().filter((nodeId) => !this.ahead.has(nodeId));
    const sampled = shuffled(others).slice(0, SYNC_PULL_PEERS);
    const candidates = [...this.ahead, ...sampled];
    this.ahead.clear();
    const heads = await Promise.allSettled([
      ...candidates.map(async (nodeId) => {
        const link = await this.ctx.options.stoq.dialNode(nodeId, AbortSignal.timeout(3_000));
        const head = await headOf(link, 3_000);
        return { nodeId, link, head };
      }),
      // The CA too, connected or not: after a partition heals, it may be the only way back to the producers.
      (async () => {
        const link = await this.ctx.caLink();
        if (!link) throw new Error('the CA is not reachable');
        const head = await headOf(link, 3_000);
        return { nodeId: link.peer.nodeId, link, head };
      })(),
    ]);
    const better = heads
      .flatMap((h) => (h.status === 'fulfilled' ? [h.value] : []))
      .filter((h) => h.head.genesis === chain.genesisRef.id && isBetter(h.head, chain.tip))
      .sort((x, y) => (isBetter(x.head, y.head) ? -1 : 1));
    for (const { nodeId, link } of better) {
      if (this.ctx.stopped) return;
      try {
        await this.from(link);
        return;
      } catch (err) {
        this.ctx.options.log.debug(`ledger: sync with ${nodeId.slice(0, 8)}: ${(err as Error).message}`);
      }
    }
  }

  /** Follows a peer whose chain is better than ours: locate where they meet, fetch from there, validate, adopt. */
  async from(link: PeerLink, signal?: AbortSignal): Promise<void> {
    const chain = this.ctx.requireChain();
    const head = await headOf(link, 10_000);
    if (head.genesis !== chain.genesisRef.id || !isBetter(head, chain.tip)) return;
    this.ctx.syncing = true;
    try {
      const located = await callJson(
        link,
        LedgerMethod.Locate,
        { ids: chain.locator() },
        { timeoutMs: 10_000, validate: locatedHeight },
      );
      if (typeof located !== 'number' || !Number.isSafeInteger(located) || located < 0 || located > chain.tip.height) {
        throw new LedgerRuleError('encoding', 'the peer located no common block');
      }
      let base = located;
      let pending: DecodedBlock[] = [];
      while (base + pending.length < head.height) {
        signal?.throwIfAborted();
        if (this.ctx.stopped) return;
        const from = base + pending.length + 1;
        const reply = await link.request(LedgerMethod.Blocks, encodeJsonBody({ from, count: SYNC_BATCH }), {
          timeoutMs: 30_000,
        });
        const blocks = decodeBlockList(reply).map((b) => decodeBlock(b));
        if (blocks.length === 0) break;
        pending.push(...blocks);
        const last = blocks.at(-1) as DecodedBlock;
        const lastRef = { height: last.header.height, id: last.id };
        // Extending our tip is adopted batch by batch (a node killed mid-sync keeps what it has); a fork only once
        // it is better than our chain.
        const current = this.ctx.requireChain();
        if (base === current.tip.height || isBetter(lastRef, current.tip)) {
          const batch = pending;
          const b = base;
          const result = await this.ctx.exclusive(() => {
            const r = current.adopt(b, batch);
            if (r.changed) this.ctx.chainChanged(r.dropped);
            return r;
          });
          if (result.error) {
            throw new LedgerRuleError(
              result.error.reason,
              `block ${b + result.applied + 1} refused: ${result.error.message}`,
            );
          }
          if (result.applied === 0) break;
          base += result.applied;
          pending = [];
        } else if (pending.length > MAX_REORG_DEPTH) {
          throw new LedgerRuleError(
            'block.parent',
            "the peer's branch is longer than the finality depth and no better",
          );
        }
      }
    } finally {
      this.ctx.syncing = false;
    }
  }
}
