import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerLink } from '../transport/index';
import {
  MAX_CHAIN_REQUEST,
  MAX_SYNC_ANSWER_BYTES,
  MAX_SYNC_HAVE,
  decodeAnnouncement,
  decodeSyncAnswer,
  decodeSyncRequest,
  encodeSyncAnswer,
  encodeSyncRequest,
  type ReceivedAnnouncement,
} from './announcement';
import type { Announcements, ChainSource } from './announcements';
import { isRelayed, type MeshContext, type SyncPeer } from './context';
import { MeshError } from './errors';
import type { MeshLibp2p } from './libp2p-node';
import { stoqAddressOf } from './stoq-libp2p';

/** STOQ call by which two peers that connect pull each other's announcements (docs/mesh.md: Sync on connect). */
export const MESH_SYNC_METHOD = 'mesh.sync';
/** How long a peer has to answer one sync request (it answers from memory, but may be busy). */
const SYNC_TIMEOUT_MS = 30_000;
/** Rounds of one sync at most (each answer carries up to MAX_SYNC_ANSWER_BYTES). */
const SYNC_ROUNDS = 16;
/** An announcement this close to expiry is not passed on by sync (it could expire on the way). */
const SYNC_EXPIRY_MARGIN_MS = 10_000;

/**
 * Sync on connect and anti-entropy: a peer that connects pulls the announcements the other holds that are newer
 * than its own, and each maintenance round pulls from one random peer. docs/mesh.md.
 */
export class AnnouncementSync {
  /** Syncs run one after another, so each asks with what the ones before brought. */
  private queue: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();

  constructor(
    private readonly ctx: MeshContext,
    private readonly announcements: Announcements,
  ) {
    ctx.options.stoq.router.rpc(MESH_SYNC_METHOD, (body, call) => this.serve(body, call.peer.nodeId));
  }

  /**
   * Anti-entropy: each round, a pull from one connected peer chosen at random. Gossip spreads an announcement fast
   * but may miss a node (a message sent while its mesh was forming, a peer pruned); pulling from random peers makes
   * every node converge on the newest announcements anyway, and costs one small request when nothing is missing.
   */
  antiEntropy(node: MeshLibp2p): void {
    const direct = node.getConnections().filter((c) => !isRelayed(c));
    const connection = direct[Math.floor(Math.random() * direct.length)];
    if (!connection) return;
    const nodeId = this.ctx.nodeOfPeer.get(connection.remotePeer.toString());
    const address = stoqAddressOf(connection.remoteAddr);
    if (nodeId && address) this.enqueue({ nodeId, peerId: connection.remotePeer, address });
  }

  /** Queues a pull of `peer`'s announcements (one sync at a time; a peer already queued is not queued twice). */
  enqueue(peer: SyncPeer): void {
    if (this.queued.has(peer.nodeId)) return;
    this.queued.add(peer.nodeId);
    this.queue = this.queue.then(async () => {
      try {
        await this.syncWith(peer);
      } catch (err) {
        this.ctx.options.log.debug(`sync with ${peer.nodeId.slice(0, 8)}: ${(err as Error).message}`);
      } finally {
        this.queued.delete(peer.nodeId);
      }
    });
  }

  /**
   * Pulls from a peer that just connected the announcements it holds that are newer than ours (its own among
   * them): a node that joins learns the mesh from its first peer at once, instead of over the next announcement
   * interval. Each is checked exactly as gossip is, and a bad one counts against the peer that passed it on.
   */
  private async syncWith(peer: SyncPeer): Promise<void> {
    if (!this.ctx.node) return;
    const { options } = this.ctx;
    const link = await options.stoq.dial(peer.address, peer.nodeId, AbortSignal.timeout(10_000));
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      if (!this.ctx.node) return;
      const have = new Map<string, number>();
      const own = this.announcements.ownSigned;
      if (own) have.set(options.identity.nodeId, own.seq);
      for (const [nodeId, held] of this.announcements.held) {
        // Past the request's limit the answer repeats what this node has: wasteful, not wrong.
        if (have.size >= MAX_SYNC_HAVE) break;
        have.set(nodeId, held.body.seq);
      }
      const answer = decodeSyncAnswer(
        await link.request(MESH_SYNC_METHOD, encodeSyncRequest(have), { timeoutMs: SYNC_TIMEOUT_MS }),
      );
      // Decoded once here, for the chains to ask for and for the checks; one that does not decode is judged (and
      // refused) from its bytes.
      const now = this.ctx.now();
      const decoded = answer.announcements.map((signed) => {
        try {
          return decodeAnnouncement(signed, now);
        } catch {
          return undefined;
        }
      });
      const chains = await this.missingChains(link, decoded);
      const source: ChainSource = (digest) => Promise.resolve(chains.get(digest) ?? null);
      for (const [i, signed] of answer.announcements.entries()) {
        const verdict = await this.announcements.judge(peer.nodeId, peer.peerId, signed, source, decoded[i]);
        if (verdict === TopicValidatorResult.Reject) return;
      }
      if (!answer.more) return;
    }
  }

  /** The chains of a sync answer's compact announcements that this node does not hold, in one request. */
  private async missingChains(
    link: PeerLink,
    announcements: readonly (ReceivedAnnouncement | undefined)[],
  ): Promise<Map<string, Uint8Array[]>> {
    const missing = new Set<string>();
    for (const a of announcements) {
      if (a && !a.chain && !this.announcements.chains.has(a.chainRef)) missing.add(a.chainRef);
    }
    if (missing.size === 0) return new Map();
    try {
      return await this.announcements.requestChains(link, [...missing].slice(0, MAX_CHAIN_REQUEST));
    } catch (err) {
      this.ctx.options.log.debug(`chains from ${(link.peer.nodeId ?? '?').slice(0, 8)}: ${(err as Error).message}`);
      return new Map();
    }
  }

  /** Answers a sync: the signed announcements held (this node's own first) that are newer than the asker's. */
  private serve(body: Uint8Array, asker: string): Uint8Array {
    if (!this.ctx.node) throw new MeshError('the mesh is not running on this node');
    const have = decodeSyncRequest(body);
    const now = this.ctx.now();
    const fresh = (nodeId: string, seq: number, expiresAt: number) =>
      nodeId !== asker && expiresAt > now + SYNC_EXPIRY_MARGIN_MS && (have.get(nodeId) ?? -1) < seq;
    const out: Uint8Array[] = [];
    let bytes = 0;
    let more = false;
    const candidates: Uint8Array[] = [];
    const own = this.announcements.ownSigned;
    if (own && fresh(this.ctx.options.identity.nodeId, own.seq, own.expiresAt)) candidates.push(own.bytes);
    for (const [nodeId, held] of this.announcements.held) {
      if (held.signed && fresh(nodeId, held.body.seq, held.body.expiresAt)) candidates.push(held.signed);
    }
    for (const signed of candidates) {
      if (bytes + signed.length > MAX_SYNC_ANSWER_BYTES) {
        more = true;
        break;
      }
      out.push(signed);
      bytes += signed.length;
    }
    return encodeSyncAnswer(out, more);
  }
}
