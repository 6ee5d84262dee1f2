import { UNITS_PER_CAESAR } from '../../shared/amount';
import type { WalletView } from '../../shared/ledger';
import type { Settings } from '../../shared/settings';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusCompute, type ConsensusParams } from '../consensus';
import type { NodeIdentity } from '../identity/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import type { PeerLink, Transport } from '../transport/index';
import { decodeJsonBody, resolveServiceAddress } from '../transport/index';
import type { TrustClient } from '../trust/index';
import type { AssetRecordEvent } from '../assets';
import type { Chain, LoadedGenesis } from './chain';
import { LedgerRuleError, LedgerUnavailableError } from './errors';

/**
 * What every part of the ledger shares: the options, the chain once there is a genesis, the one lock chain changes
 * take, and the peer plumbing (connected peers, gossip, the CA link). The parts (mempool, producer, sync, receipts,
 * wallet) each hold this and nothing of each other's state.
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
  readonly records?: AssetRecordSource;
}

/** What the ledger needs of the asset registry: what to record (the registry satisfies it). */
export interface AssetRecordSource {
  records(): readonly AssetRecordEvent[];
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
export const AUTHORITY_WEIGHT = 1000n * UNITS_PER_CAESAR;

export interface HeadInfo {
  readonly genesis: string;
  readonly height: number;
  readonly id: string;
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The validator of a JSON object for typed STOQ calls (`callJson`/`handleJson`); refusals are 'encoding'. */
export function ledgerObject(what: string): (value: unknown) => Record<string, unknown> {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new LedgerRuleError('encoding', `${what} is not an object`);
    return v as Record<string, unknown>;
  };
}

/** What a ledger handler answers a request that is not JSON with. */
export const notJson = (what: string) => () => new LedgerRuleError('encoding', `${what} is not JSON`);

export function parseJson(body: Uint8Array, what: string): Record<string, unknown> {
  const decoded = decodeJsonBody(body);
  if (!decoded) throw notJson(what)();
  return ledgerObject(what)(decoded.value);
}

export const HEX64 = /^[0-9a-f]{64}$/;

export function parseHead(body: Uint8Array): HeadInfo {
  return headInfo(parseJson(body, 'a head'));
}

/** Checks a head as JSON (the reply to `ledger.head`, an announcement). */
export function headInfo(value: unknown): HeadInfo {
  const o = ledgerObject('a head')(value);
  if (typeof o.genesis !== 'string' || !HEX64.test(o.genesis)) throw new LedgerRuleError('encoding', 'bad genesis id');
  if (typeof o.id !== 'string' || !HEX64.test(o.id)) throw new LedgerRuleError('encoding', 'bad head id');
  if (typeof o.height !== 'number' || !Number.isSafeInteger(o.height) || o.height < 0) {
    throw new LedgerRuleError('encoding', 'bad height');
  }
  return { genesis: o.genesis, height: o.height, id: o.id };
}

/** The ledger's shared state and plumbing (see the comment at the top). */
export class LedgerContext {
  readonly now: () => number;
  readonly params: ConsensusParams;
  chain: Chain | undefined;
  genesis: LoadedGenesis | undefined;
  problem: string | null = 'Waiting for a TrustChain certificate.';
  /** A sync is adopting blocks: the producer waits. */
  syncing = false;
  stopped = false;
  private busy: Promise<unknown> = Promise.resolve();
  /** Set by the Ledger: what follows a change of the main chain (mempool and wallet upkeep, then a notification). */
  chainChanged: (dropped: readonly Buffer[]) => void = () => undefined;
  /** Set by the Ledger: tells the onChange listener about the wallet. */
  changed: () => void = () => undefined;

  constructor(readonly options: LedgerOptions) {
    this.now = options.now ?? Date.now;
    this.params = options.params ?? DEFAULT_CONSENSUS_PARAMS;
  }

  get me(): string {
    return this.options.identity.nodeId;
  }

  /** Runs `fn` after every other chain change (chain changes never interleave). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the chain change under way (if any) is over. */
  async idle(): Promise<void> {
    await this.busy.catch(() => undefined);
  }

  requireChain(): Chain {
    if (!this.chain) throw new LedgerUnavailableError(this.problem ?? 'the ledger has no genesis yet');
    return this.chain;
  }

  head(): HeadInfo {
    const chain = this.requireChain();
    return { genesis: (this.genesis as LoadedGenesis).id, height: chain.tip.height, id: chain.tip.id };
  }

  /** TrustChain peers with an open STOQ connection (the ledger gossips to them). */
  connectedPeers(): string[] {
    const out = new Set<string>();
    for (const c of this.options.stoq.stats().connections) {
      if (c.identity === 'trustchain' && c.nodeId && c.nodeId !== this.me) out.add(c.nodeId);
    }
    return [...out];
  }

  async broadcast(method: string, body: Uint8Array, except?: string): Promise<number> {
    const peers = this.connectedPeers().filter((p) => p !== except);
    const sent = await Promise.allSettled(
      peers.map(async (nodeId) => {
        const link = await this.options.stoq.dialNode(nodeId, AbortSignal.timeout(5_000));
        await link.message(method, body);
      }),
    );
    return sent.filter((s) => s.status === 'fulfilled').length;
  }

  /** The CA this node was certified by: the genesis' source and its first producer, dialled if not connected. */
  async caLink(timeoutMs = 3_000): Promise<PeerLink | undefined> {
    if (this.options.createGenesis) return undefined; // this node is the CA
    try {
      const settings = this.options.settings();
      const address = await resolveServiceAddress(settings.trust.caAddress, { ipv4: settings.network.ipv4 });
      return await this.options.stoq.dial(address, undefined, AbortSignal.timeout(timeoutMs));
    } catch {
      return undefined;
    }
  }
}
