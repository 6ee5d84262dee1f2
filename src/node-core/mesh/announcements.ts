import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Statement } from 'better-sqlite3';
import { formatHostPort } from '../../shared/network';
import { parseServiceAddress } from '../../shared/settings';
import type { PeerLink } from '../transport/index';
import { sharedPqVerifier } from '../trust/index';
import {
  AnnouncementError,
  chainDigest,
  decodeAnnouncement,
  decodeChainAnswer,
  decodeChainRequest,
  encodeAnnouncement,
  encodeChainAnswer,
  encodeChainRequest,
  encodeCompactAnnouncement,
  signingInput,
  type AnnouncedAsset,
  type AnnouncementBody,
  type ReceivedAnnouncement,
} from './announcement';
import { isRelayed, type MeshContext } from './context';
import { deviceOf } from './gpu-device';
import { ANNOUNCE_TOPIC, type MeshLibp2p } from './libp2p-node';
import { TRUST_FLOOR } from './peer-book';
import { stoqAddressOf } from './stoq-libp2p';

/** STOQ call by which a peer asks for the certificate chains behind announcements it got in compact form. */
export const MESH_CHAIN_METHOD = 'mesh.chain';
/** How long a peer has to answer a chain request. */
const CHAIN_TIMEOUT_MS = 10_000;

export interface KnownAnnouncement {
  readonly body: AnnouncementBody;
  /** The signed announcement in compact form, as it is passed on (null for one kept by an older version, which
   *  stored the body only). */
  readonly signed: Uint8Array | null;
  /** SHA-256 of the owner's chain (null with `signed`). */
  readonly chainRef: string | null;
  readonly receivedAt: number;
}

/** Where the chain of an announcement in compact form may be had: the peer that passed it on. */
export type ChainSource = (digest: string) => Promise<readonly Uint8Array[] | null>;

/**
 * Announcements: this node's own (signed, published over gossipsub, re-published when its assets change), and the
 * peers' (checked against their TrustChain chain and ML-DSA signature, kept in memory and SQLite, their chains held
 * by digest and served to peers that ask). docs/mesh.md.
 */
export class Announcements {
  /** The newest valid announcement of each peer, by NodeId. */
  readonly held = new Map<string, KnownAnnouncement>();
  /** The certificate chains of the announcements held (and this node's own), by digest: looked up when an
   *  announcement arrives in compact form, and given to peers that ask. */
  readonly chains = new Map<string, readonly Uint8Array[]>();
  /** Chain requests under way, by digest, so concurrent announcements of one owner ask once. */
  private readonly chainFetches = new Map<string, Promise<readonly Uint8Array[] | null>>();
  private readonly verifiedChains = new Map<
    string,
    { nodeId: string; serialHex: string; mldsaPublicKey: Uint8Array; until: number }
  >();
  lastAnnounce: { at: number; fingerprint: string } | null = null;
  /** This node's newest signed announcement, passed on as is by sync. */
  ownSigned: { seq: number; expiresAt: number; bytes: Uint8Array } | null = null;
  /** The last announcement went out while no peer was subscribed: publish again when the first one is. */
  private announcedAlone = false;
  private seq = 0;
  private announceChangedSoon: NodeJS.Timeout | undefined;
  private announceSoon: NodeJS.Timeout | undefined;
  private storeStatement: Statement<[string, number, string, number, number]> | undefined;

  constructor(private readonly ctx: MeshContext) {
    this.load();
    ctx.options.stoq.router.rpc(MESH_CHAIN_METHOD, (body) => this.serveChains(body));
  }

  /** Hooks the announcements into a libp2p node that is about to start. */
  attach(node: MeshLibp2p): void {
    // A peer that connects pulls this node's announcement itself (sync); the mesh at large hears it by gossip, so it
    // is published again only when it last went out to nobody (not on every connection, which costs a signature
    // and a flood of the whole mesh each time).
    node.services.pubsub.addEventListener('subscription-change', (evt) => {
      if (this.announcedAlone && evt.detail.subscriptions.some((s) => s.topic === ANNOUNCE_TOPIC && s.subscribe)) {
        this.scheduleAnnounce();
      }
    });
  }

  /** The node started: validate and subscribe to the topic. */
  started(node: MeshLibp2p): void {
    node.services.pubsub.topicValidators.set(ANNOUNCE_TOPIC, (from, msg) => this.validate(from, msg.data));
    node.services.pubsub.subscribe(ANNOUNCE_TOPIC);
    // The first id starts at the clock, so announcements after a restart still supersede earlier ones.
    this.seq = Math.max(this.seq, this.ctx.now());
  }

  stop(): void {
    clearTimeout(this.announceChangedSoon);
    this.announceChangedSoon = undefined;
  }

  /** Forgets an owner's announcement (it expired) and its chain. */
  forget(nodeId: string): void {
    const held = this.held.get(nodeId);
    this.held.delete(nodeId);
    if (held?.chainRef) this.chains.delete(held.chainRef);
  }

  /** The assets this node tells the whole mesh about: what its privacy settings show any certified peer. */
  private ownAssets(): AnnouncedAsset[] {
    const registry = this.ctx.options.assets;
    if (!registry) return [];
    const settings = this.ctx.options.settings();
    const out: AnnouncedAsset[] = [];
    for (const { announcement } of registry.announcementsFor({ nodeId: '', presentsAllFourProofs: true })) {
      // Anonymous views are never put under the node's signature (docs/mesh.md).
      if ('anonymous' in announcement) continue;
      out.push({
        assetId: announcement.assetId,
        kind: announcement.kind,
        capacity: { ...announcement.capacity },
        privacyLevel: announcement.privacyLevel,
        allocationType: announcement.allocationType,
        pricePerHour: settings.rewards.minimumRatePerHour,
        requiredProofs: { ...settings.requiredProofs },
        ...deviceOf(announcement),
      });
    }
    return out;
  }

  /** What this node offers may have changed (settings, a registration): announced within a second if it did. */
  changed(): void {
    if (!this.ctx.node) return; // announced when the mesh starts
    if (this.announceChangedSoon) return;
    // A short delay gathers a burst of changes (several assets re-registered at once) into one announcement.
    this.announceChangedSoon = setTimeout(() => {
      this.announceChangedSoon = undefined;
      void this.announceIfDue().catch(() => undefined);
    }, 250);
    this.announceChangedSoon.unref();
  }

  private scheduleAnnounce(): void {
    if (this.announceSoon) return;
    this.announceSoon = setTimeout(() => {
      this.announceSoon = undefined;
      void this.announceIfDue(true).catch(() => undefined);
    }, 1_000);
    this.announceSoon.unref();
  }

  /** Publishes when the assets changed, the interval passed, or `force`. */
  async announceIfDue(force = false): Promise<void> {
    const assets = this.ownAssets();
    const fingerprint = JSON.stringify(assets);
    const due =
      force ||
      !this.lastAnnounce ||
      this.lastAnnounce.fingerprint !== fingerprint ||
      this.ctx.now() - this.lastAnnounce.at >= (this.ctx.options.announceIntervalMs ?? 60_000);
    if (!due) return;
    // Announced even with no assets: the announcement is also how the mesh learns the node exists and where.
    await this.announce(assets, fingerprint);
  }

  /**
   * Where peers may reach this node: its STOQ socket, then (behind NAT) the mappings peers observed of it, which
   * work where the NAT forwards the port and are what a hole punch aims at.
   */
  private ownAddresses(node: MeshLibp2p): string[] {
    const nat = node.services.nat;
    const mapped = nat.isPublic ? [] : nat.observed.list().slice(0, 2);
    return [...new Set([this.ctx.options.stoq.address, ...mapped].map((a) => formatHostPort(a)))];
  }

  private async announce(assets: AnnouncedAsset[], fingerprint: string): Promise<void> {
    const { options } = this.ctx;
    const node = this.ctx.node;
    const chain = options.trust?.chain();
    if (!node || !chain) return;
    const now = this.ctx.now();
    this.seq = Math.max(this.seq + 1, now);
    const body: AnnouncementBody = {
      v: 1,
      nodeId: options.identity.nodeId,
      peerId: node.peerId.toString(),
      addresses: this.ownAddresses(node),
      seq: this.seq,
      issuedAt: now,
      expiresAt: now + Math.min(options.announcementTtlMs ?? 300_000, 600_000),
      assets,
    };
    const signature = options.identity.sign(signingInput(body));
    const chainRef = chainDigest(chain);
    this.chains.set(chainRef, chain);
    const bytes = encodeCompactAnnouncement({ body, chainRef, signature });
    this.ownSigned = { seq: body.seq, expiresAt: body.expiresAt, bytes };
    this.announcedAlone = node.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length === 0;
    await node.services.pubsub.publish(ANNOUNCE_TOPIC, bytes);
    this.lastAnnounce = { at: now, fingerprint };
  }

  /**
   * Gossip validation: accept (and keep) a valid announcement, ignore a stale one (or one whose chain its sender
   * cannot give), reject and penalize the rest.
   */
  private validate(from: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    return this.judge(this.ctx.nodeOfPeer.get(from.toString()), from, data, (digest) => this.chainVia(from, digest));
  }

  /** Accepts or refuses an announcement `from` passed on (by gossip or sync), and scores the peer for it. */
  async judge(
    forwarder: string | undefined,
    from: PeerId,
    data: Uint8Array,
    source: ChainSource,
    decoded?: ReceivedAnnouncement,
  ): Promise<TopicValidatorResult> {
    const { log } = this.ctx.options;
    try {
      const accepted = await this.accept(data, source, decoded);
      if (accepted !== 'new') return TopicValidatorResult.Ignore;
      if (forwarder) this.ctx.book.reward(forwarder);
      return TopicValidatorResult.Accept;
    } catch (err) {
      const reason = (err as Error).message;
      if (!(err instanceof AnnouncementError)) {
        // This node's own trouble (a stopped database, a failed worker), not the peer's doing.
        log.debug(`could not check an announcement: ${reason}`);
        return TopicValidatorResult.Ignore;
      }
      log.warn(`refused an announcement from ${forwarder?.slice(0, 8) ?? from.toString()}: ${reason}`);
      if (forwarder) {
        const score = this.ctx.book.penalize(forwarder, reason);
        if (score !== null && score < TRUST_FLOOR) {
          log.warn(`peer ${forwarder.slice(0, 8)} fell below the trust floor; disconnecting`);
          void this.ctx.node?.hangUp(from).catch(() => undefined);
        }
      }
      return TopicValidatorResult.Reject;
    }
  }

  /**
   * Checks an announcement: shape, lifetime, the owner's TrustChain chain (inline, held, or asked of `source`),
   * its ML-DSA signature, and that it is newer than the one held. Returns 'stale' for a valid but older one (late
   * gossip, not an attack) and 'no-chain' when the chain of a compact one could not be had (not proven wrong).
   */
  private async accept(
    data: Uint8Array,
    source: ChainSource,
    decoded?: ReceivedAnnouncement,
  ): Promise<'new' | 'stale' | 'no-chain'> {
    const { options } = this.ctx;
    const a = decoded ?? decodeAnnouncement(data, this.ctx.now());
    const { body } = a;
    const isStale = () =>
      body.nodeId === options.identity.nodeId || (this.held.get(body.nodeId)?.body.seq ?? -1) >= body.seq;
    if (isStale()) return 'stale';
    let chain = a.chain ?? this.chains.get(a.chainRef) ?? null;
    if (!chain) {
      chain = await this.fetchChain(a.chainRef, source);
      if (!chain) return 'no-chain';
      if (isStale()) return 'stale'; // a newer one came meanwhile
    }
    const now = this.ctx.now();
    const signer = this.verifyChain(chain, a.chainRef, now);
    if (signer.nodeId !== body.nodeId) throw new AnnouncementError("is signed under another node's certificate");
    const signatures = options.signatures ?? sharedPqVerifier();
    if (!(await signatures.verify('ml-dsa-65', a.signature, signingInput(body), signer.mldsaPublicKey))) {
      throw new AnnouncementError('signature does not verify');
    }
    if (isStale()) return 'stale'; // a newer one was accepted while this one was checked
    // Kept and passed on in compact form; a sync answer's announcements are views into one larger buffer, so a copy.
    const signed = a.chain
      ? encodeCompactAnnouncement({ body, chainRef: a.chainRef, signature: a.signature })
      : Uint8Array.from(data);
    const previous = this.held.get(body.nodeId)?.chainRef;
    if (previous && previous !== a.chainRef) this.chains.delete(previous);
    this.chains.set(a.chainRef, chain);
    this.held.set(body.nodeId, { body, signed, chainRef: a.chainRef, receivedAt: now });
    // A signed, chain-checked announcement puts its node in the peer book (a connection is not needed for that).
    const address = body.addresses.map((a) => parseServiceAddress(a)).find((a) => a !== null);
    if (address) this.ctx.book.heardOf(body.nodeId, { ...address, peerId: body.peerId, certificate: signer.serialHex });
    // Stored with its chain, so it can be checked and passed on after a restart too.
    this.storeAnnouncement.run(
      body.nodeId,
      body.seq,
      new TextDecoder().decode(encodeAnnouncement({ body, chain, signature: a.signature })),
      body.expiresAt,
      now,
    );
    this.ctx.nodeOfPeer.set(body.peerId, body.nodeId);
    return 'new';
  }

  private get storeAnnouncement(): Statement<[string, number, string, number, number]> {
    this.storeStatement ??= this.ctx.options.db.prepare<[string, number, string, number, number]>(
      `INSERT INTO mesh_announcements (node_id, seq, body, expires_at, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(node_id) DO UPDATE SET seq = excluded.seq, body = excluded.body,
         expires_at = excluded.expires_at, received_at = excluded.received_at`,
    );
    return this.storeStatement;
  }

  /** Asks `source` for a chain, once for concurrent announcements of one owner; null when it cannot give it. */
  private fetchChain(digest: string, source: ChainSource): Promise<readonly Uint8Array[] | null> {
    let fetching = this.chainFetches.get(digest);
    if (!fetching) {
      fetching = source(digest)
        .catch((err: unknown) => {
          this.ctx.options.log.debug(`chain ${digest.slice(0, 8)}: ${(err as Error).message}`);
          return null;
        })
        .finally(() => this.chainFetches.delete(digest));
      this.chainFetches.set(digest, fetching);
    }
    return fetching;
  }

  /**
   * The chain `digest` from the gossip peer `from`, which held it to accept the announcement it passed on: over
   * STOQ, on a direct connection (through a relay, the announcement waits for sync with a directly connected peer).
   */
  private async chainVia(from: PeerId, digest: string): Promise<readonly Uint8Array[] | null> {
    const nodeId = this.ctx.nodeOfPeer.get(from.toString());
    const connection = this.ctx.node?.getConnections(from).find((c) => !isRelayed(c));
    const address = connection ? stoqAddressOf(connection.remoteAddr) : null;
    if (!nodeId || !address) return null;
    const link = await this.ctx.options.stoq.dial(address, nodeId, AbortSignal.timeout(CHAIN_TIMEOUT_MS));
    return (await this.requestChains(link, [digest])).get(digest) ?? null;
  }

  /** Asks a peer for chains by digest; keeps only those that hash to a digest asked for. */
  async requestChains(link: PeerLink, digests: readonly string[]): Promise<Map<string, Uint8Array[]>> {
    const answer = decodeChainAnswer(
      await link.request(MESH_CHAIN_METHOD, encodeChainRequest(digests), { timeoutMs: CHAIN_TIMEOUT_MS }),
    );
    const wanted = new Set(digests);
    for (const digest of answer.keys()) if (!wanted.has(digest)) answer.delete(digest);
    return answer;
  }

  /** Answers a chain request with the chains held of those asked for (this node's own among them). */
  private serveChains(body: Uint8Array): Uint8Array {
    const own = this.ctx.options.trust?.chain();
    if (own) this.chains.set(chainDigest(own), own);
    const found: (readonly Uint8Array[])[] = [];
    for (const digest of decodeChainRequest(body)) {
      const chain = this.chains.get(digest);
      if (chain) found.push(chain);
    }
    return encodeChainAnswer(found);
  }

  private verifyChain(chain: readonly Uint8Array[], digest: string, now: number) {
    const trust = this.ctx.options.trust;
    if (!trust) throw new AnnouncementError('cannot be checked: no TrustChain client');
    const cached = this.verifiedChains.get(digest);
    if (cached && cached.until > now) return cached;
    let verified;
    try {
      verified = trust.verifyChain(chain);
    } catch (err) {
      throw new AnnouncementError(`certificate chain refused: ${(err as Error).message}`);
    }
    // Re-checked every 5 minutes at most, so a revocation takes effect.
    const entry = {
      nodeId: verified.nodeId,
      serialHex: verified.serialHex,
      mldsaPublicKey: verified.mldsaPublicKey,
      until: Math.min(verified.notAfter.getTime(), now + 300_000),
    };
    if (this.verifiedChains.size > 10_000) this.verifiedChains.clear();
    this.verifiedChains.set(digest, entry);
    return entry;
  }

  private load(): void {
    const { db, log } = this.ctx.options;
    const rows = db
      .prepare('SELECT body, received_at FROM mesh_announcements WHERE expires_at > ?')
      .all(this.ctx.now()) as { body: string; received_at: number }[];
    for (const row of rows) {
      try {
        const stored = JSON.parse(row.body) as AnnouncementBody | { body: AnnouncementBody };
        if (!('body' in stored)) {
          // An older version kept the body alone: still searchable, not passed on.
          const entry = { body: stored, signed: null, chainRef: null, receivedAt: row.received_at };
          this.held.set(stored.nodeId, entry);
          continue;
        }
        // Kept signed with its chain, and read back through the same checks as the wire.
        const a = decodeAnnouncement(new TextEncoder().encode(row.body), this.ctx.now());
        if (!a.chain) continue;
        this.chains.set(a.chainRef, a.chain);
        const signed = encodeCompactAnnouncement({ body: a.body, chainRef: a.chainRef, signature: a.signature });
        const entry = { body: a.body, signed, chainRef: a.chainRef, receivedAt: row.received_at };
        this.held.set(a.body.nodeId, entry);
      } catch (err) {
        log.warn(`a stored announcement could not be read and is dropped: ${(err as Error).message}`);
      }
    }
    db.prepare('DELETE FROM mesh_announcements WHERE expires_at <= ?').run(this.ctx.now());
  }
}
