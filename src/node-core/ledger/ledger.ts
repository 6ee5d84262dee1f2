import { randomUUID } from 'node:crypto';
import { formatAmount, parseAmount, UNITS_PER_CAESAR } from '../../shared/amount';
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
import { formatHostPort } from '../../shared/network';
import { shuffled } from '../../shared/random';
import type { Settings } from '../../shared/settings';
import {
  DEFAULT_CONSENSUS_PARAMS,
  commitSpace,
  createConsensusProof,
  type ConsensusCompute,
  type ConsensusParams,
  type SpaceCommitment,
} from '../consensus';
import type { NodeIdentity } from '../identity/identity';
import type { Logger } from '../logging/log-book';
import type { Db } from '../store/database';
import type { CallContext } from '../transport/stoq/rpc';
import type { PeerLink, Transport } from '../transport/stoq/transport';
import { resolveServiceAddress } from '../transport/resolve-address';
import type { TrustClient } from '../trust/trust-client';
import type { AssetRecordEvent } from '../assets/registry';
import {
  BLOCK_LIMITS,
  blockProofSubject,
  decodeBlock,
  decodeGenesis,
  encodeBlock,
  encodeGenesis,
  genesisId,
  genesisSigningInput,
  txRootOf,
  type BlockHeader,
  type DecodedBlock,
  type Genesis,
} from './block';
import { Reader, Writer } from './codec';
import { Chain, MAX_REORG_DEPTH, isBetter, type ChainRef, type LoadedGenesis } from './chain';
import {
  InsufficientBalanceError,
  LedgerRuleError,
  LedgerUnavailableError,
  PeerOfflineError,
  StakeLockedError,
  UnknownRecipientError,
} from './errors';
import { earlierTx, sendRequest, stakeRequest, unlockRequest, type IdempotentRequest } from './idempotency';
import { rewardUnits } from './rewards';
import type { WalletService } from './service';
import { LedgerState, leaderOf } from './state';
import {
  decodeSignedReceipt,
  decodeTx,
  encodeSignedReceipt,
  encodeTx,
  signReceipt,
  signTx,
  txIdOf,
  verifyTxSignatures,
  type Transaction,
  type TxBody,
  type UsageReceipt,
} from './tx';
import { verifyNow } from '../trust/pq-pool';

/**
 * The Caesar ledger service: holds the chain (chain.ts), gets the genesis from its CA, replicates blocks over STOQ
 * (announce, locate, fetch, validate, apply), keeps a mempool, produces blocks in the slots it leads, turns
 * consumers' usage receipts into rewards, and is the wallet the API shows. docs/ledger.md has the design.
 */

/**
 * What the ledger needs of TrustChain (a TrustClient; the benchmark gives a stand-in for test accounts): of a
 * verified chain, only the NodeId and ML-DSA key it certifies.
 */
export type LedgerTrust = Pick<TrustClient, 'chain' | 'resolve'> & {
  verifyChain(
    chain: readonly Uint8Array[],
    at?: number,
  ): { readonly nodeId: string; readonly mldsaPublicKey: Uint8Array };
};

/** What the ledger needs of the node identity: its NodeId, keys and ML-DSA signatures. */
export type LedgerIdentity = Pick<NodeIdentity, 'nodeId' | 'nodeIdShort' | 'mldsaPublicKey' | 'tlsPublicKey' | 'sign'>;

export interface LedgerOptions {
  readonly db: Db;
  readonly identity: LedgerIdentity;
  readonly stoq: Transport;
  readonly trust: LedgerTrust;
  readonly log: Logger;
  readonly settings: () => Settings;
  /** A CA node creates the genesis when it has none; every other node fetches its CA's. */
  readonly createGenesis: boolean;
  readonly compute: ConsensusCompute;
  /** Must be the same on every node of a network. Default DEFAULT_CONSENSUS_PARAMS. */
  readonly params?: ConsensusParams;
  readonly now?: () => number;
  /** Slot length written into a new genesis (default 2000 ms). */
  readonly slotMs?: number;
  /** How often the ledger syncs, produces and signs receipts (default 1000 ms). */
  readonly tickMs?: number;
  /** How often a consumer signs usage receipts for its leases (default 60 s). */
  readonly receiptIntervalMs?: number;
  /** Every change of this wallet (a block, a send, a rejection). */
  readonly onChange?: (wallet: WalletView) => void;
  /** Whether a NodeId is known to this node (peer book, connected peers): sends to unknown ones are refused. */
  readonly knowsNode?: (nodeId: string) => boolean;
  /** This node's current asset registrations and granted leases, which the ledger records (rewards need them). */
  readonly records?: () => readonly AssetRecordEvent[];
}

export const LedgerMethod = {
  Genesis: 'ledger.genesis',
  Head: 'ledger.head',
  Locate: 'ledger.locate',
  Blocks: 'ledger.blocks',
  Tx: 'ledger.tx',
  Announce: 'ledger.announce',
  Receipt: 'ledger.receipt',
} as const;

/** Genesis authority weight: 1,000 Caesar of leader-election weight (not money). */
const AUTHORITY_WEIGHT = 1000n * UNITS_PER_CAESAR;
/** An empty block is produced when the chain has been idle this long (PoTime's beacon must stay under an hour). */
const HEARTBEAT_MS = 20 * 60_000;
const MEMPOOL_MAX = 4096;
const MEMPOOL_TTL_MS = 3_600_000;
/** How often this wallet's pending transactions are sent out again. */
const REBROADCAST_MS = 10_000;
const SYNC_BATCH = 128;
/** Connected peers (besides those that announced a better head, and the CA) asked for their head each sync. */
const SYNC_PULL_PEERS = 3;
const REPLY_MAX_BYTES = 900 * 1024;
/** The capacity a block proof declares: the cheapest PoWork (a block is not a resource offer). */
const BLOCK_CAPACITY = { cpuCores: 1, memoryMiB: 1 } as const;

interface PoolEntry {
  readonly tx: Transaction;
  readonly bytes: Buffer;
  readonly id: string;
  readonly receivedAt: number;
}

interface HeadInfo {
  readonly genesis: string;
  readonly height: number;
  readonly id: string;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function parseJson(body: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new LedgerRuleError('encoding', `${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new LedgerRuleError('encoding', `${what} is not an object`);
  return v as Record<string, unknown>;
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseHead(body: Uint8Array): HeadInfo {
  const o = parseJson(body, 'a head');
  if (typeof o.genesis !== 'string' || !HEX64.test(o.genesis)) throw new LedgerRuleError('encoding', 'bad genesis id');
  if (typeof o.id !== 'string' || !HEX64.test(o.id)) throw new LedgerRuleError('encoding', 'bad head id');
  if (typeof o.height !== 'number' || !Number.isSafeInteger(o.height) || o.height < 0) {
    throw new LedgerRuleError('encoding', 'bad height');
  }
  return { genesis: o.genesis, height: o.height, id: o.id };
}

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

export class Ledger implements WalletService {
  private chain: Chain | undefined;
  private genesis: LoadedGenesis | undefined;
  private readonly mempool = new Map<string, PoolEntry>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly params: ConsensusParams;
  private space: SpaceCommitment | undefined;
  private problem: string | null = 'Waiting for a TrustChain certificate.';
  private syncing = false;
  private producingBlock = false;
  private lastSyncAt = 0;
  private lastReceiptsAt = 0;
  private ticking = false;
  private stopped = false;
  /** Peers that announced a better head than ours since the last sync. */
  private readonly ahead = new Set<string>();

  constructor(private readonly options: LedgerOptions) {
    this.now = options.now ?? Date.now;
    this.params = options.params ?? DEFAULT_CONSENSUS_PARAMS;
  }

  // ---------- lifecycle ----------

  start(): void {
    this.serve();
    const stored = this.options.db.prepare("SELECT value FROM meta WHERE key = 'ledger.genesis'").get() as
      { value: string } | undefined;
    if (stored) this.useGenesis(Buffer.from(stored.value, 'base64'));
    const tickMs = this.options.tickMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy.catch(() => undefined);
  }

  /** Runs `fn` after every other chain change (chain changes never interleave). */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      if (!this.chain) {
        await this.obtainGenesis();
        return;
      }
      // Syncing and receipts talk to peers that may be gone: they run beside the tick, never holding up a block.
      const now = this.now();
      const tickMs = this.options.tickMs ?? 1000;
      if (!this.syncRunning && (now - this.lastSyncAt >= 3 * tickMs || this.ahead.size > 0)) {
        this.lastSyncAt = now;
        this.syncRunning = true;
        void this.syncWithPeers()
          .catch((err: unknown) => this.options.log.debug(`ledger: sync: ${(err as Error).message}`))
          .finally(() => (this.syncRunning = false));
      }
      const receiptEvery = this.options.receiptIntervalMs ?? 60_000;
      if (!this.receiptsRunning && now - this.lastReceiptsAt >= receiptEvery) {
        this.lastReceiptsAt = now;
        this.receiptsRunning = true;
        void this.signReceipts()
          .catch((err: unknown) => this.options.log.debug(`ledger: receipts: ${(err as Error).message}`))
          .finally(() => (this.receiptsRunning = false));
      }
      if (now - this.lastRebroadcastAt >= REBROADCAST_MS) {
        this.lastRebroadcastAt = now;
        this.rebroadcastOwn();
      }
      await this.reconcileRecords();
      await this.exclusive(() => this.produce());
    } catch (err) {
      this.options.log.warn(`ledger: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private syncRunning = false;
  private receiptsRunning = false;
  private lastRebroadcastAt = 0;

  /**
   * This wallet's pending transactions go out again now and then: a message sent into a partition (or to a peer
   * that went away) is lost, and a transaction nobody else holds would never reach a producer.
   */
  private rebroadcastOwn(): void {
    const me = this.options.identity.nodeId;
    const own = [...this.mempool.values()].filter((e) => e.tx.from === me).slice(0, 64);
    for (const e of own) void this.broadcast(LedgerMethod.Tx, e.bytes);
  }

  /** The CA this node was certified by: the genesis' source and its first producer, dialled if not connected. */
  private async caLink(timeoutMs = 3_000): Promise<PeerLink | undefined> {
    if (this.options.createGenesis) return undefined; // this node is the CA
    try {
      const settings = this.options.settings();
      const address = await resolveServiceAddress(settings.trust.caAddress, { ipv4: settings.network.ipv4 });
      return await this.options.stoq.dial(address, undefined, AbortSignal.timeout(timeoutMs));
    } catch {
      return undefined;
    }
  }

  // ---------- genesis ----------

  private useGenesis(bytes: Buffer): void {
    const genesis = decodeGenesis(bytes);
    this.genesis = { genesis, id: genesisId(bytes), bytes };
    this.chain = new Chain({
      db: this.options.db,
      genesis: this.genesis,
      verifyCertificate: (chain, at) => this.options.trust.verifyChain(chain, at),
      params: this.params,
      now: this.now,
      log: this.options.log,
    });
    this.problem = null;
    this.options.log.info(
      `ledger: genesis ${this.genesis.id.slice(0, 12)}, height ${this.chain.tip.height}, state ${this.chain.state.digest().slice(0, 12)}`,
    );
  }

  private storeGenesis(bytes: Buffer): void {
    this.options.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES ('ledger.genesis', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(bytes.toString('base64'));
    this.useGenesis(bytes);
  }

  /** A CA node makes the genesis; every other node asks its CA for it and checks the creator's chain and signature. */
  private async obtainGenesis(): Promise<void> {
    const chain = this.options.trust.chain();
    if (!chain) {
      this.problem = 'Waiting for a TrustChain certificate.';
      return;
    }
    if (this.options.createGenesis) {
      const unsigned: Omit<Genesis, 'signature'> = {
        version: 1,
        network: 'hypermesh',
        createdAt: this.now(),
        slotMs: this.options.slotMs ?? 2000,
        authorities: [{ nodeId: this.options.identity.nodeId, weight: AUTHORITY_WEIGHT }],
        creatorChain: chain,
      };
      const bytes = encodeGenesis({
        ...unsigned,
        signature: this.options.identity.sign(genesisSigningInput(unsigned)),
      });
      this.storeGenesis(bytes);
      this.options.log.info('ledger: created the genesis (this node is its first block producer)');
      return;
    }
    this.problem = 'Fetching the ledger genesis from the certificate authority.';
    const link = await this.caLink(10_000);
    if (!link) throw new LedgerUnavailableError('the certificate authority is not reachable for the ledger genesis');
    const bytes = Buffer.from(await link.request(LedgerMethod.Genesis, new Uint8Array(), { timeoutMs: 10_000 }));
    this.checkGenesis(bytes);
    this.storeGenesis(bytes);
  }

  private checkGenesis(bytes: Buffer): void {
    const g = decodeGenesis(bytes);
    const creator = g.authorities[0];
    let cert;
    try {
      cert = this.options.trust.verifyChain(g.creatorChain, g.createdAt);
    } catch (err) {
      throw new LedgerRuleError('genesis', `the creator's certificate does not verify: ${(err as Error).message}`);
    }
    if (!creator || cert.nodeId !== creator.nodeId)
      throw new LedgerRuleError('genesis', 'the creator is not its first authority');
    const { signature, ...unsigned } = g;
    if (!verifyNow('ml-dsa-65', signature, genesisSigningInput(unsigned), cert.mldsaPublicKey)) {
      throw new LedgerRuleError('genesis', "the creator's signature does not verify");
    }
  }

  // ---------- serving peers ----------

  private serve(): void {
    const router = this.options.stoq.router;
    router.rpc(LedgerMethod.Genesis, () => {
      if (!this.genesis) throw new LedgerUnavailableError('this node has no genesis yet');
      return this.genesis.bytes;
    });
    router.rpc(LedgerMethod.Head, () => json(this.head()));
    router.rpc(LedgerMethod.Locate, (body) => {
      const chain = this.requireChain();
      const o = parseJson(body, 'a locator');
      const ids = o.ids;
      if (!Array.isArray(ids) || ids.length > 64 || !ids.every((x) => typeof x === 'string' && HEX64.test(x))) {
        throw new LedgerRuleError('encoding', 'a locator is a list of up to 64 block ids');
      }
      return json({ height: chain.locate(ids as string[]) });
    });
    router.rpc(LedgerMethod.Blocks, (body) => {
      const chain = this.requireChain();
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
    router.message(LedgerMethod.Tx, (body, ctx) => {
      void this.receiveTx(Buffer.from(body), ctx.peer.nodeId).catch(() => undefined);
    });
    router.message(LedgerMethod.Announce, (body, ctx) => {
      const head = parseHead(body);
      const chain = this.chain;
      if (!chain || head.genesis !== this.genesis?.id) return;
      if (isBetter(head, chain.tip)) this.ahead.add(ctx.peer.nodeId);
    });
    router.rpc(LedgerMethod.Receipt, async (body, ctx) => json(await this.acceptReceipt(body, ctx)));
  }

  private head(): HeadInfo {
    const chain = this.requireChain();
    return { genesis: (this.genesis as LoadedGenesis).id, height: chain.tip.height, id: chain.tip.id };
  }

  private requireChain(): Chain {
    if (!this.chain) throw new LedgerUnavailableError(this.problem ?? 'the ledger has no genesis yet');
    return this.chain;
  }

  /** TrustChain peers with an open STOQ connection (the ledger gossips to them). */
  private connectedPeers(): string[] {
    const out = new Set<string>();
    for (const c of this.options.stoq.stats().connections) {
      if (c.identity === 'trustchain' && c.nodeId && c.nodeId !== this.options.identity.nodeId) out.add(c.nodeId);
    }
    return [...out];
  }

  private async broadcast(method: string, body: Uint8Array, except?: string): Promise<number> {
    const peers = this.connectedPeers().filter((p) => p !== except);
    const sent = await Promise.allSettled(
      peers.map(async (nodeId) => {
        const link = await this.options.stoq.dialNode(nodeId, AbortSignal.timeout(5_000));
        await link.message(method, body);
      }),
    );
    return sent.filter((s) => s.status === 'fulfilled').length;
  }

  // ---------- transactions ----------

  /** A transaction from a peer: checked (signatures, and against the state unless it waits on an earlier nonce), pooled, passed on. */
  private async receiveTx(bytes: Buffer, from: string): Promise<void> {
    const chain = this.chain;
    if (!chain) return;
    const id = txIdOf(bytes);
    if (this.mempool.has(id) || chain.isOnMain(id)) return;
    let tx: Transaction;
    try {
      tx = decodeTx(bytes);
      verifyTxSignatures(tx);
      this.checkAgainstState(tx, id);
    } catch (err) {
      this.options.log.debug(`ledger: refused a transaction from ${from.slice(0, 8)}: ${(err as Error).message}`);
      return;
    }
    chain.rememberTx(id);
    this.pool({ tx, bytes, id, receivedAt: this.now() });
    await this.broadcast(LedgerMethod.Tx, bytes, from);
  }

  /** Would the transaction apply after the pooled ones of the same sender? (Not if a rule already refuses it.) */
  private checkAgainstState(tx: Transaction, id: string): void {
    const chain = this.requireChain();
    const state = chain.state.clone();
    const pending = [...this.mempool.values()]
      .filter((e) => e.tx.from === tx.from)
      .sort((a, b) => a.tx.nonce - b.tx.nonce);
    for (const e of pending) {
      if (e.tx.nonce >= tx.nonce) break;
      try {
        state.apply(e.tx, e.id, this.now());
      } catch {
        break;
      }
    }
    const next = state.account(tx.from).nonce + 1;
    if (tx.nonce > next) return; // waits for an earlier one
    state.apply(tx, id, this.now());
  }

  private pool(entry: PoolEntry): void {
    if (this.mempool.size >= MEMPOOL_MAX) {
      const oldest = [...this.mempool.values()].sort((a, b) => a.receivedAt - b.receivedAt)[0];
      if (oldest) this.mempool.delete(oldest.id);
    }
    this.mempool.set(entry.id, entry);
  }

  /** After the main chain changed: drop what is in it, re-pool what a reorganisation took out, reject what no longer applies. */
  private afterChainChange(dropped: readonly Buffer[]): void {
    const chain = this.requireChain();
    for (const bytes of dropped) {
      const id = txIdOf(bytes);
      if (!chain.isOnMain(id)) this.pool({ tx: decodeTx(bytes), bytes, id, receivedAt: this.now() });
    }
    const state = chain.state.clone();
    const now = this.now();
    const entries = [...this.mempool.values()].sort((a, b) =>
      a.tx.from === b.tx.from ? a.tx.nonce - b.tx.nonce : a.tx.from < b.tx.from ? -1 : 1,
    );
    for (const e of entries) {
      if (chain.isOnMain(e.id)) {
        this.mempool.delete(e.id);
        continue;
      }
      const next = state.account(e.tx.from).nonce + 1;
      if (e.tx.nonce > next && now - e.receivedAt < MEMPOOL_TTL_MS) continue;
      try {
        if (now - e.receivedAt >= MEMPOOL_TTL_MS)
          throw new LedgerRuleError('nonce', 'it waited an hour for an earlier transaction');
        state.apply(e.tx, e.id, now);
      } catch (err) {
        this.mempool.delete(e.id);
        this.rejectOwn(e.id, (err as Error).message);
      }
    }
    this.syncOwnStatus();
  }

  // ---------- producing ----------

  private leaderNow(at: number): { slot: number; leader: string | undefined } {
    const chain = this.requireChain();
    const slot = Math.floor(at / chain.slotMs);
    return { slot, leader: leaderOf(slot, chain.genesisRef.id, chain.state.producers(at)) };
  }

  /** In a slot this node leads: a block of the pooled transactions that apply (or an empty one when the chain idles). */
  private async produce(): Promise<void> {
    const chain = this.chain;
    if (!chain || this.syncing || this.producingBlock || this.stopped) return;
    const now = this.now();
    const { slot, leader } = this.leaderNow(now);
    if (leader !== this.options.identity.nodeId || slot <= chain.tip.slot) return;
    const certificateChain = this.options.trust.chain();
    const stake = chain.state.stakeRecord(this.options.identity.nodeId);
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
    this.producingBlock = true;
    try {
      const parent = chain.tip;
      const header: BlockHeader = {
        version: 1,
        height: parent.height + 1,
        parent: Buffer.from(parent.id, 'hex'),
        slot,
        timestamp: now,
        producer: this.options.identity.nodeId,
        txRoot: txRootOf(picked.map((e) => e.bytes)),
        txCount: picked.length,
      };
      const subject = blockProofSubject(header);
      this.space ??= await commitSpace(
        this.options.identity.mldsaPublicKey,
        subject.assetId,
        this.params.space,
        this.options.compute,
      );
      const proof = await createConsensusProof(
        {
          subject,
          location: formatHostPort(this.options.stoq.address),
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
        this.options.identity,
        { params: this.params, compute: this.options.compute, now: () => now, spaceCommitment: this.space },
      );
      if (chain.tip.id !== parent.id) return; // the chain moved on meanwhile
      const block = decodeBlock(encodeBlock({ header, txs: picked.map((e) => e.tx), proof }));
      const result = chain.adopt(parent.height, [block]);
      if (result.error) throw result.error;
      this.options.log.debug(`ledger: produced block ${header.height} (${picked.length} transactions)`);
      this.afterChainChange(result.dropped);
      this.changed();
      void this.broadcast(LedgerMethod.Announce, json(this.head()));
    } finally {
      this.producingBlock = false;
    }
  }

  // ---------- syncing ----------

  /**
   * Asks for heads at once (a dead peer costs a short timeout) and follows the best: the peers that announced a
   * better head, a few other connected peers chosen at random, and the CA. New heads are pushed (`ledger.announce`),
   * so the pull is a backstop; asking every connected peer every few seconds cost a meshed node tens of requests a
   * second for nothing.
   */
  private async syncWithPeers(): Promise<void> {
    const chain = this.requireChain();
    const others = this.connectedPeers().filter((nodeId) => !this.ahead.has(nodeId));
    const sampled = shuffled(others).slice(0, SYNC_PULL_PEERS);
    const candidates = [...this.ahead, ...sampled];
    this.ahead.clear();
    const heads = await Promise.allSettled([
      ...candidates.map(async (nodeId) => {
        const link = await this.options.stoq.dialNode(nodeId, AbortSignal.timeout(3_000));
        const head = parseHead(await link.request(LedgerMethod.Head, new Uint8Array(), { timeoutMs: 3_000 }));
        return { nodeId, link, head };
      }),
      // The CA too, connected or not: after a partition heals, it may be the only way back to the producers.
      (async () => {
        const link = await this.caLink();
        if (!link) throw new Error('the CA is not reachable');
        const head = parseHead(await link.request(LedgerMethod.Head, new Uint8Array(), { timeoutMs: 3_000 }));
        return { nodeId: link.peer.nodeId, link, head };
      })(),
    ]);
    const better = heads
      .flatMap((h) => (h.status === 'fulfilled' ? [h.value] : []))
      .filter((h) => h.head.genesis === chain.genesisRef.id && isBetter(h.head, chain.tip))
      .sort((x, y) => (isBetter(x.head, y.head) ? -1 : 1));
    for (const { nodeId, link } of better) {
      if (this.stopped) return;
      try {
        await this.syncFrom(link);
        return;
      } catch (err) {
        this.options.log.debug(`ledger: sync with ${nodeId.slice(0, 8)}: ${(err as Error).message}`);
      }
    }
  }

  /** Follows a peer whose chain is better than ours: locate where they meet, fetch from there, validate, adopt. */
  async syncFrom(link: PeerLink, signal?: AbortSignal): Promise<void> {
    const chain = this.requireChain();
    const head = parseHead(await link.request(LedgerMethod.Head, new Uint8Array(), { timeoutMs: 10_000 }));
    if (head.genesis !== chain.genesisRef.id || !isBetter(head, chain.tip)) return;
    this.syncing = true;
    try {
      const located = parseJson(
        await link.request(LedgerMethod.Locate, json({ ids: chain.locator() }), { timeoutMs: 10_000 }),
        'a located height',
      ).height;
      if (typeof located !== 'number' || !Number.isSafeInteger(located) || located < 0 || located > chain.tip.height) {
        throw new LedgerRuleError('encoding', 'the peer located no common block');
      }
      let base = located;
      let pending: DecodedBlock[] = [];
      while (base + pending.length < head.height) {
        signal?.throwIfAborted();
        if (this.stopped) return;
        const from = base + pending.length + 1;
        const reply = await link.request(LedgerMethod.Blocks, json({ from, count: SYNC_BATCH }), { timeoutMs: 30_000 });
        const blocks = decodeBlockList(reply).map((b) => decodeBlock(b));
        if (blocks.length === 0) break;
        pending.push(...blocks);
        const last = blocks.at(-1) as DecodedBlock;
        const lastRef = { height: last.header.height, id: last.id };
        // Extending our tip is adopted batch by batch (a node killed mid-sync keeps what it has); a fork only once
        // it is better than our chain.
        const current = this.requireChain();
        if (base === current.tip.height || isBetter(lastRef, current.tip)) {
          const batch = pending;
          const b = base;
          const result = await this.exclusive(() => {
            const r = current.adopt(b, batch);
            if (r.changed) {
              this.afterChainChange(r.dropped);
              this.changed();
            }
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
      this.syncing = false;
    }
  }

  // ---------- receipts and rewards ----------

  /** Consumer side: sign receipts for the leases this node holds on peers' assets and hand them to the providers. */
  private async signReceipts(): Promise<void> {
    const now = this.now();
    const rows = this.options.db
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
        consumer: this.options.identity.nodeId,
        resource: lease.kind,
        amount: BigInt(lease.amount),
        fromMs,
        toMs,
      };
      try {
        const link = await this.options.stoq.dialNode(row.owner, AbortSignal.timeout(5_000));
        await link.request(LedgerMethod.Receipt, encodeSignedReceipt(signReceipt(receipt, this.options.identity)), {
          timeoutMs: 15_000,
        });
        this.options.db
          .prepare(
            `INSERT INTO ledger_receipts (lease_id, role, paid_until) VALUES (?, 'consumer', ?)
             ON CONFLICT(lease_id) DO UPDATE SET paid_until = excluded.paid_until`,
          )
          .run(row.lease_id, toMs);
      } catch (err) {
        this.options.log.debug(`ledger: receipt for lease ${row.lease_id.slice(0, 8)}: ${(err as Error).message}`);
      }
    }
    await this.signUsageReceipts(now);
  }

  /**
   * Owes a provider for use of a lease paid by use (a Catalog VM job's CPU-time or memory-time): the next receipt
   * round signs it. Such a receipt's window is a cursor over the lease: it starts where the last one ended and is
   * as long as the use (`amount` for `durationMs`), never past the lease's end or the present.
   */
  queueUsage(usage: {
    leaseId: string;
    assetId: string;
    provider: string;
    resource: UsageReceipt['resource'];
    amount: bigint;
    durationMs: number;
  }): void {
    if (usage.amount <= 0n || usage.durationMs <= 0) return;
    this.options.db
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
        this.now(),
      );
    this.lastReceiptsAt = 0;
  }

  private async signUsageReceipts(now: number): Promise<void> {
    const rows = this.options.db
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
    const drop = this.options.db.prepare('DELETE FROM ledger_usage WHERE id = ?');
    const failed = new Set<string>();
    for (const row of rows) {
      if (failed.has(row.lease_id)) continue; // one lease's receipts go in order
      const lease = row.lease ? (JSON.parse(row.lease) as { grantedAt: number; expiresAt: number }) : undefined;
      const fromMs = row.paid_until ?? lease?.grantedAt ?? 0;
      if (!lease || fromMs >= lease.expiresAt) {
        this.options.log.warn(`ledger: usage on lease ${row.lease_id.slice(0, 8)} can no longer be paid (it ended)`);
        drop.run(row.id);
        continue;
      }
      const toMs = Math.min(fromMs + row.duration_ms, now, lease.expiresAt);
      if (toMs <= fromMs) continue;
      const receipt: UsageReceipt = {
        leaseId: row.lease_id,
        assetId: row.asset_id,
        provider: row.provider,
        consumer: this.options.identity.nodeId,
        resource: row.resource,
        amount: BigInt(row.amount),
        fromMs,
        toMs,
      };
      try {
        const link = await this.options.stoq.dialNode(row.provider, AbortSignal.timeout(5_000));
        await link.request(LedgerMethod.Receipt, encodeSignedReceipt(signReceipt(receipt, this.options.identity)), {
          timeoutMs: 15_000,
        });
        this.options.db.transaction(() => {
          this.options.db
            .prepare(
              `INSERT INTO ledger_receipts (lease_id, role, paid_until) VALUES (?, 'consumer', ?)
               ON CONFLICT(lease_id) DO UPDATE SET paid_until = excluded.paid_until`,
            )
            .run(row.lease_id, toMs);
          // What did not fit before the present is owed at the next round.
          const rest = row.duration_ms - (toMs - fromMs);
          if (rest > 0 && toMs < lease.expiresAt)
            this.options.db.prepare('UPDATE ledger_usage SET duration_ms = ? WHERE id = ?').run(rest, row.id);
          else drop.run(row.id);
        })();
      } catch (err) {
        failed.add(row.lease_id);
        this.options.log.debug(
          `ledger: usage receipt for lease ${row.lease_id.slice(0, 8)}: ${(err as Error).message}`,
        );
      }
    }
  }

  /** Provider side: a consumer's signed receipt for a lease this node granted becomes a reward transaction. */
  private async acceptReceipt(body: Uint8Array, ctx: CallContext): Promise<{ txId: string }> {
    const chain = this.requireChain();
    const signed = decodeSignedReceipt(body);
    const r = signed.receipt;
    if (r.consumer !== ctx.peer.nodeId) throw new LedgerRuleError('receipt', 'a receipt comes from its consumer');
    if (r.provider !== this.options.identity.nodeId)
      throw new LedgerRuleError('receipt', 'the receipt is for another provider');
    const lease = chain.state.allocations.get(r.leaseId);
    if (!lease)
      throw new LedgerRuleError('receipt', 'the lease is not on the ledger yet; send the receipt again later');
    const held = this.options.db
      .prepare("SELECT paid_until FROM ledger_receipts WHERE lease_id = ? AND role = 'provider'")
      .get(r.leaseId) as { paid_until: number } | undefined;
    if (held && r.fromMs < held.paid_until) throw new LedgerRuleError('receipt', 'this usage was already claimed');
    const tx = await this.submitOwn({ kind: 'reward', receipt: signed }, null);
    this.options.db
      .prepare(
        `INSERT INTO ledger_receipts (lease_id, role, paid_until) VALUES (?, 'provider', ?)
         ON CONFLICT(lease_id) DO UPDATE SET paid_until = excluded.paid_until`,
      )
      .run(r.leaseId, r.toMs);
    // The user's reward preference: a share of each reward is locked as stake straight away.
    const percent = BigInt(this.options.settings().rewards.autoStakePercent);
    const reg = chain.state.registrations.get(r.assetId);
    if (percent > 0n && reg) {
      const payout = rewardUnits({
        kind: r.resource,
        amount: r.amount,
        durationMs: BigInt(r.toMs - r.fromMs),
        privacyLevel: reg.privacyLevel,
      });
      const amount = (payout * percent) / 100n;
      const account = chain.state.account(this.options.identity.nodeId);
      const lockedUntil = Math.max(account.lockedUntil, this.now() + 30 * 86_400_000);
      if (amount > 0n) await this.submitOwn({ kind: 'stake_lock', amount, lockedUntil }, null).catch(() => undefined);
    }
    return { txId: tx.txId };
  }

  /** The registry registered an asset or granted a lease: record it on the ledger at the next tick. */
  record(_event: AssetRecordEvent): void {
    this.recordsDue = true;
  }

  private recordsDue = true;
  private lastRecordsAt = 0;

  /** Submits a registration or allocation record for what the ledger lacks (and is not already pooled). */
  private async reconcileRecords(): Promise<void> {
    const chain = this.chain;
    const records = this.options.records;
    if (!chain || !records) return;
    const now = this.now();
    if (!this.recordsDue && now - this.lastRecordsAt < 30_000) return;
    this.recordsDue = false;
    this.lastRecordsAt = now;
    const me = this.options.identity.nodeId;
    const pooled = [...this.mempool.values()].filter((e) => e.tx.from === me).map((e) => e.tx.body);
    for (const event of records()) {
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
        await this.submitOwn(body, null);
        pooled.push(body);
      } catch (err) {
        this.options.log.warn(`ledger: could not record ${event.type}: ${(err as Error).message}`);
        this.recordsDue = true;
      }
    }
  }

  // ---------- the wallet's own transactions ----------

  private nextNonce(): number {
    const chain = this.requireChain();
    let nonce = chain.state.account(this.options.identity.nodeId).nonce;
    for (const e of this.mempool.values())
      if (e.tx.from === this.options.identity.nodeId) nonce = Math.max(nonce, e.tx.nonce);
    return nonce + 1;
  }

  /** Signs, checks, pools and gossips one of this wallet's transactions; `requestId` makes a retry a no-op. */
  private submitOwn(body: TxBody, request: IdempotentRequest | null): Promise<WalletTxView> {
    return this.exclusive(async () => {
      const chain = this.requireChain();
      if (request !== null) {
        const existing = earlierTx(this.options.db, request);
        if (existing) return this.txView(existing);
      }
      const now = this.now();
      const tx = signTx({ nonce: this.nextNonce(), timestamp: now, body }, this.options.identity);
      const bytes = encodeTx(tx);
      const id = txIdOf(bytes);
      this.checkAgainstState(tx, id);
      const isProducer = chain.state.producers(now).some((p) => p.nodeId === this.options.identity.nodeId);
      const peers = this.connectedPeers().length;
      if (!isProducer && peers === 0) {
        throw new PeerOfflineError(
          'No peer is connected to carry the transaction to a block producer; nothing was sent.',
        );
      }
      chain.rememberTx(id);
      this.pool({ tx, bytes, id, receivedAt: now });
      this.options.db
        .prepare(
          `INSERT INTO wallet_txs (tx_id, request_id, request_digest, kind, nonce, body, status, reason, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, ?)`,
        )
        .run(id, request?.requestId ?? null, request?.digest ?? null, body.kind, tx.nonce, bytes, now);
      void this.broadcast(LedgerMethod.Tx, bytes);
      this.changed();
      return this.txView(id);
    });
  }

  private rejectOwn(txId: string, reason: string): void {
    const row = this.options.db
      .prepare("SELECT nonce FROM wallet_txs WHERE tx_id = ? AND status = 'pending'")
      .get(txId) as { nonce: number } | undefined;
    if (!row) return;
    this.options.db.prepare("UPDATE wallet_txs SET status = 'rejected', reason = ? WHERE tx_id = ?").run(reason, txId);
    this.options.log.warn(`ledger: this wallet's transaction ${txId.slice(0, 12)} was rejected: ${reason}`);
    // Later transactions of this wallet waited on its nonce: sign them again one nonce lower.
    const later = this.options.db
      .prepare("SELECT tx_id, body FROM wallet_txs WHERE status = 'pending' AND nonce > ? ORDER BY nonce")
      .all(row.nonce) as { tx_id: string; body: Buffer }[];
    for (const l of later) {
      const old = decodeTx(l.body);
      this.mempool.delete(l.tx_id);
      const tx = signTx({ nonce: old.nonce - 1, timestamp: this.now(), body: old.body }, this.options.identity);
      const bytes = encodeTx(tx);
      const id = txIdOf(bytes);
      this.pool({ tx, bytes, id, receivedAt: this.now() });
      this.options.db
        .prepare('UPDATE wallet_txs SET tx_id = ?, nonce = ?, body = ? WHERE tx_id = ?')
        .run(id, tx.nonce, bytes, l.tx_id);
      void this.broadcast(LedgerMethod.Tx, bytes);
    }
  }

  /** Own transactions now in the main chain are confirmed; confirmed ones a reorganisation took out are pending again. */
  private syncOwnStatus(): void {
    const chain = this.requireChain();
    const rows = this.options.db
      .prepare("SELECT tx_id, status, body FROM wallet_txs WHERE status != 'rejected'")
      .all() as { tx_id: string; status: string; body: Buffer }[];
    for (const r of rows) {
      const onMain = chain.isOnMain(r.tx_id);
      if (onMain && r.status === 'pending') {
        this.options.db.prepare("UPDATE wallet_txs SET status = 'confirmed' WHERE tx_id = ?").run(r.tx_id);
      } else if (!onMain && r.status === 'confirmed') {
        this.options.db.prepare("UPDATE wallet_txs SET status = 'pending' WHERE tx_id = ?").run(r.tx_id);
        if (!this.mempool.has(r.tx_id))
          this.pool({ tx: decodeTx(r.body), bytes: r.body, id: r.tx_id, receivedAt: this.now() });
      }
    }
  }

  private changed(): void {
    if (!this.options.onChange) return;
    try {
      this.options.onChange(this.wallet());
    } catch {
      // a listener's failure is not the ledger's
    }
  }

  // ---------- WalletService ----------

  status(): LedgerStatusView {
    const chain = this.chain;
    if (!chain) {
      return {
        state: 'waiting-genesis',
        problem: this.problem,
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
    const producers = chain.state.producers(this.now());
    return {
      state: this.syncing ? 'syncing' : 'synced',
      problem: this.problem,
      genesisHash: chain.genesisRef.id,
      height: chain.tip.height,
      headHash: chain.tip.height === 0 ? null : chain.tip.id,
      headAt: new Date(chain.tip.timestamp).toISOString(),
      producers: producers.length,
      producing: producers.some((p) => p.nodeId === this.options.identity.nodeId),
      mempool: this.mempool.size,
      stateDigest: chain.state.digest(),
    };
  }

  wallet(): WalletView {
    const me = this.options.identity.nodeId;
    const chain = this.chain;
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
      addressShort: this.options.identity.nodeIdShort,
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
    const me = this.options.identity.nodeId;
    const limit = query.limit ?? 200;
    const confirmed = this.options.db
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
    const own = this.options.db
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
    const chain = this.chain;
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
    const end = Math.floor(this.now() / hour) * hour + hour;
    const start = end - days * 24 * hour;
    const rows = this.options.db
      .prepare("SELECT amount, time FROM ledger_txs WHERE kind = 'reward' AND recipient = ? AND time >= ? AND time < ?")
      .all(this.options.identity.nodeId, start, end) as { amount: string; time: number }[];
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
    const chain = this.requireChain();
    const idempotent = sendRequest(request);
    const existing = earlierTx(this.options.db, idempotent);
    if (existing) return this.txView(existing);
    const me = this.options.identity.nodeId;
    let to = request.to;
    if (!NODE_ID_PATTERN.test(to)) {
      try {
        to = (await this.options.trust.resolve(to)).nodeId;
      } catch (err) {
        throw new UnknownRecipientError(`No node is registered as "${request.to}": ${(err as Error).message}`);
      }
    } else if (!chain.state.accounts.has(to) && !(this.options.knowsNode?.(to) ?? false)) {
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
    const chain = this.requireChain();
    // A retry gets its transaction back even when the balance or the lock has changed since.
    const idempotent = stakeRequest(request);
    const existing = earlierTx(this.options.db, idempotent);
    if (existing) return this.txView(existing);
    const amount = parseAmount(request.amount);
    const available = parseAmount(this.wallet().available);
    if (amount > available) {
      throw new InsufficientBalanceError(
        `You have ${formatAmount(available)} Caesar available to stake; ${request.amount} was asked.`,
      );
    }
    const account = chain.state.account(this.options.identity.nodeId);
    const lockedUntil = Math.max(account.lockedUntil, this.now() + request.lockDays * 86_400_000);
    if (lockedUntil < this.now() + chain.state.rules.minLockAheadMs)
      throw new StakeLockedError('A stake is locked at least a day.');
    return this.submitOwn({ kind: 'stake_lock', amount, lockedUntil }, idempotent);
  }

  async unlockStake(requestId: string): Promise<WalletTxView> {
    const chain = this.requireChain();
    const idempotent = unlockRequest(requestId);
    const existing = earlierTx(this.options.db, idempotent);
    if (existing) return this.txView(existing);
    const account = chain.state.account(this.options.identity.nodeId);
    if (account.staked === 0n) throw new StakeLockedError('There is no stake to unlock.');
    if (this.now() < account.lockedUntil) {
      throw new StakeLockedError(`The stake is locked until ${new Date(account.lockedUntil).toISOString()}.`);
    }
    return this.submitOwn({ kind: 'stake_unlock' }, idempotent);
  }

  // ---------- for tests, the CLI and the benchmark ----------

  get tip(): ChainRef | undefined {
    return this.chain?.tip;
  }

  get ledgerState(): LedgerState | undefined {
    return this.chain?.state;
  }

  /** A fresh request id (the CLI's sends). */
  static requestId(): string {
    return randomUUID().replaceAll('-', '');
  }
}
