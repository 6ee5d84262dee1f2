import { ErrorCode } from '../../shared/errors';
import type { TrustSettings } from '../../shared/settings';
import type { ResolvedName, TrustStatus } from '../../shared/trust';
import type { NodeIdentity } from '../identity/index';
import type { Logger } from '../logging/index';
import { resolveServiceAddress } from '../transport/index';
import type { PeerIdentity } from '../transport/index';
import { type PeerLink, type Transport } from '../transport/index';
import { StoqCode } from '../transport/index';
import { callJson } from '../transport/index';
import { RpcError } from '../transport/index';
import type { CaService } from './ca-service';
import { canonicalSerial, createCsr } from './certificates';
import { detectSplitView, type SignedTreeHead } from './ct-log';
import { AlreadyCertifiedError, CaRefusedError, SplitViewError, TrustError, throwIfRefused } from './errors';
import { parseFederationDocument, verifyFederation, type TrustedCa, type TrustedFederation } from './federation';
import { createHash } from 'node:crypto';
import { verifyNow } from '../crypto';
import {
  TrustMethod,
  consistencyReply,
  decodeJson,
  encodeJson,
  jsonObject,
  headFromJson,
  headToJson,
  parseBundle,
  parseIssueReply,
  parseRevocationList,
  revocationSigningInput,
} from './protocol';
import type { TrustStateRepository } from './trust-store';
import { trustChainIdentity, type TrustChainVerifier } from './verifier';
import { verifyHead, type VerifiedNodeCertificate } from './verify-node';
import { checkCaNode } from './ca-node';
import { pemOf, readChainFiles, writeChainFiles } from './cert-files';
import { TrustNames } from './trust-names';
import { trustStatus } from './trust-status';

export interface TrustClientOptions {
  readonly identity: NodeIdentity;
  readonly state: TrustStateRepository;
  readonly log: Logger;
  /** Where this node's chain is kept as PEM files (node.pem, intermediate.pem, root.pem). */
  readonly certDir: string;
  readonly transport: Transport;
  readonly verifier: TrustChainVerifier;
  readonly settings: () => { readonly trust: TrustSettings; readonly ipv4: boolean };
  /** Set when this node runs the CA itself: it certifies itself and needs no network for it. */
  readonly authority?: CaService;
  readonly now?: () => number;
  /** How often revocations, the federation and tree heads are refreshed (default 5 minutes). */
  readonly refreshMs?: number;
  /** Told when the CA is caught showing a split view, so the node can raise an alarm. */
  readonly onSplitView?: (err: SplitViewError) => void;
}

const FEDERATION_KEY = 'client.federation';
const HEADS_KEY = 'client.heads';
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

/**
 * The TrustChain client every node embeds: bootstraps from the configured CA (phase 0) or its own CA, obtains and
 * renews the node's certificate and puts it into STOQ, refreshes the federation and revocation lists, and audits
 * the CA's transparency log (consistency of every tree head it sees, and comparison with peers' views).
 */
export class TrustClient {
  private problem: string | null = null;
  private current: { chain: Uint8Array[]; verified: VerifiedNodeCertificate } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | null = null;
  private failures = 0;
  private lastRefreshAt: number | null = null;
  private revocationSequence = new Map<string, number>();
  /** Newest verified head per log (caId), and heads seen since that are still to be checked against it. */
  private readonly heads = new Map<string, SignedTreeHead>();
  private readonly pendingHeads: { head: SignedTreeHead; ca: TrustedCa }[] = [];
  private splitView: string | null = null;
  private caNode: { key: string; nodeId: string } | null = null;
  /** The CA behind the configured address, once its bundle was read. */
  private caIdOfLink: string | null = null;
  /** When the CA said this node's renewal opens, if it refused one as too early (CA_ALREADY_CERTIFIED). */
  private renewalOpensAt = 0;
  private readonly now: () => number;
  private readonly names: TrustNames;

  constructor(private readonly options: TrustClientOptions) {
    this.now = options.now ?? Date.now;
    this.names = new TrustNames({
      authority: options.authority,
      identity: options.identity,
      settings: options.settings,
      caLink: (trust) => this.caLink(trust),
      chain: () => this.current?.chain ?? null,
      federation: () => this.federation,
      now: this.now,
    });
    options.verifier.onHead = (head, ca) => {
      const known = this.heads.get(ca.caId);
      if (!known || known.treeSize !== head.treeSize || Buffer.compare(known.rootHash, head.rootHash) !== 0) {
        if (this.pendingHeads.length < 1000) this.pendingHeads.push({ head, ca });
      }
    };
    // Every node answers which heads it has seen, so peers can compare views of each log.
    options.transport.router.rpc(TrustMethod.Heads, () =>
      encodeJson({ heads: [...this.heads.values()].map(headToJson) }),
    );
  }

  get federation(): TrustedFederation | null {
    return this.options.verifier.federation;
  }

  /** Loads what was trusted before (federation, heads, this node's chain) and starts the refresh loop. */
  start(): void {
    const { state, verifier } = this.options;
    const doc = state.get(FEDERATION_KEY);
    if (doc !== undefined) {
      try {
        verifier.setFederation(verifyFederation(parseFederationDocument(doc)));
      } catch (err) {
        this.options.log.warn(`the stored federation document was not accepted: ${(err as Error).message}`);
      }
    }
    const heads = state.get(HEADS_KEY);
    if (Array.isArray(heads)) {
      for (const h of heads) {
        try {
          const head = headFromJson(h);
          this.heads.set(caIdOfLog(head.logId, verifier.federation), head);
        } catch {
          // a damaged entry is re-learned from the CA
        }
      }
    }
    this.loadStoredChain();
    this.schedule(0);
  }

  /** The CA address or pinned root changed: forget the old CA's federation and bootstrap from the new one. */
  restartBootstrap(): void {
    this.options.state.delete(FEDERATION_KEY);
    this.options.state.delete(HEADS_KEY);
    this.options.verifier.setFederation(null);
    this.heads.clear();
    this.pendingHeads.length = 0;
    this.current = null;
    this.caIdOfLink = null;
    this.caNode = null;
    this.problem = null;
    this.failures = 0;
    this.schedule(0);
  }

  /** Stops the loop; a round in flight gets a moment to finish (a dial to a dead CA is cut by the transport's stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const running = this.running?.catch(() => undefined);
    if (running) await Promise.race([running, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.refresh().then(
        () => this.schedule(this.nextDelay()),
        () => this.schedule(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.failures, 6))),
      );
    }, ms);
    this.timer.unref();
  }

  private nextDelay(): number {
    const refresh = this.options.refreshMs ?? 5 * 60_000;
    const renewAt = this.current ? Math.max(this.renewAt(this.current.verified), this.renewalOpensAt) : this.now();
    return Math.max(1000, Math.min(refresh, renewAt - this.now()));
  }

  private renewAt(v: VerifiedNodeCertificate): number {
    const from = v.notBefore.getTime();
    return from + ((v.notAfter.getTime() - from) * 2) / 3;
  }

  /** One round: certify (or renew), refresh federation and revocations, audit heads. Concurrent calls share it. */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.round()
        .then(
          () => {
            this.failures = 0;
            this.lastRefreshAt = this.now();
          },
          (err: unknown) => {
            this.failures++;
            this.problem = (err as Error).message;
            if (err instanceof SplitViewError) this.reportSplitView(err);
            else this.options.log.warn(`TrustChain: ${this.problem}`);
            throw err;
          },
        )
        .finally(() => (this.running = null));
    }
    return this.running;
  }

  private async round(): Promise<void> {
    const authority = this.options.authority;
    if (authority) return this.localRound(authority);
    const { trust } = this.options.settings();
    if (trust.caAddress === '') {
      this.problem = null;
      return;
    }
    const link = await this.caLink(trust);
    await this.refreshFederation(link, trust);
    await this.refreshRevocations(link);
    if (this.needsCertificate()) await this.certify(link);
    await this.audit(link);
    this.problem = null;
  }

  /** A CA node certifies itself from its own CA, without the network. */
  private async localRound(authority: CaService): Promise<void> {
    if (this.federation?.epoch !== authority.federation.epoch) this.adopt(authority.federation);
    const list = await authority.revocationList();
    this.applyRevocations(list.caId, list.sequence, list.serials);
    if (this.needsCertificate()) {
      try {
        const issued = await authority.issue(await createCsr(this.options.identity), this.options.identity.nodeId);
        this.install([issued.certificate, ...issued.chain]);
      } catch (err) {
        // Its files were lost but its certificate stands: the CA hands that one back rather than log a new one.
        if (!(err instanceof AlreadyCertifiedError)) throw err;
        this.installHeld([err.current.certificate, ...err.current.chain], err.retryAfterMs);
      }
    }
    await this.audit(null);
    this.problem = null;
  }

  /** No certificate, renewal due, or the one we have no longer holds (a new federation threshold, a revocation). */
  private needsCertificate(): boolean {
    if (!this.current) return true;
    // The CA said renewal opens later (clocks differ): wait for it rather than ask every round.
    const due = Math.max(this.renewAt(this.current.verified), this.renewalOpensAt);
    if (this.now() >= Math.min(due, this.current.verified.notAfter.getTime())) return true;
    try {
      this.options.verifier.verifyChain(this.current.chain);
      return false;
    } catch (err) {
      this.options.log.info(
        `this node's certificate no longer holds (${(err as Error).message}); asking for a new one`,
      );
      // Until then it is not shown: peers (the CA among them) would refuse it and the connection with it.
      this.options.transport.presentOwnKeyOnly();
      return true;
    }
  }

  /** The full TrustChain check of a peer's chain (leaf first) under what this node trusts now. */
  verifyChain(chain: readonly Uint8Array[], at?: number): VerifiedNodeCertificate {
    return this.options.verifier.verifyChain(chain, at);
  }

  private adopt(federation: TrustedFederation): void {
    this.options.verifier.setFederation(federation);
    this.options.state.set(FEDERATION_KEY, federation.document);
  }

  /** The connection to the configured CA: once its NodeId is known, the open one is reused (no new one per round). */
  private async caLink(trust: TrustSettings): Promise<PeerLink> {
    const address = await resolveServiceAddress(trust.caAddress, { ipv4: this.options.settings().ipv4 });
    const key = `${address.host}|${address.port}`;
    const known = this.caNode?.key === key ? this.caNode.nodeId : undefined;
    const link = await this.options.transport.dial(address, known);
    this.caNode = { key, nodeId: link.peer.nodeId };
    return link;
  }

  /**
   * First contact pins the CA's federation (checking the configured root fingerprint, if any) and checks that the
   * CA's own certificate holds under it; later rounds accept only a valid successor epoch.
   */
  private async refreshFederation(link: PeerLink, trust: TrustSettings): Promise<void> {
    const bundle = parseBundle(await link.request(TrustMethod.Bundle, new Uint8Array(), { timeoutMs: 15_000 }));
    const current = this.federation;
    if (!current) {
      const federation = verifyFederation(bundle.federation);
      const ca = federation.members.get(bundle.caId);
      if (!ca) throw new TrustError('the CA is not a member of the federation it presents');
      checkCaNode(bundle, ca, link.peer.nodeId);
      if (trust.caRootSha256 !== null) {
        const fingerprint = createHash('sha256').update(ca.rootDer).digest('hex');
        if (fingerprint !== trust.caRootSha256)
          throw new TrustError(`the CA's root has fingerprint ${fingerprint}, not the pinned ${trust.caRootSha256}`);
      }
      this.adopt(federation);
      this.options.log.info(`trusting federation epoch ${federation.epoch} via CA ${ca.name} (${ca.caId.slice(0, 8)})`);
    } else {
      const next = bundle.federation.epoch > current.epoch ? verifyFederation(bundle.federation, current) : current;
      const ca = next.members.get(bundle.caId);
      if (!ca) throw new TrustError('the CA is not a member of the federation');
      checkCaNode(bundle, ca, link.peer.nodeId);
      if (next !== current) {
        this.adopt(next);
        this.options.log.info(`federation updated to epoch ${bundle.federation.epoch}`);
      }
    }
    // The CA itself must hold a valid certificate under what we now trust (an unanchored link is checked here).
    const peer = link.peer;
    if (peer.kind === 'unanchored' && peer.chain) {
      let v: VerifiedNodeCertificate;
      try {
        v = this.options.verifier.verifyChain(peer.chain);
      } catch (err) {
        link.close('the CA certificate no longer holds'); // the next round dials afresh and sees its current one
        throw err;
      }
      // Checked now that the federation is known: the connection's peer is a TrustChain node from here on.
      link.connection.peerIdentity = trustChainIdentity(v);
    } else if (peer.kind !== 'trustchain' && peer.kind !== 'unanchored') {
      // Perhaps caught between two of its certificates: the next round dials afresh rather than reuse this one.
      link.close('the CA showed no TrustChain certificate');
      throw new TrustError('the CA presented no TrustChain certificate');
    }
    this.caIdOfLink = bundle.caId;
    if (bundle.head) this.observe(headFromJson(bundle.head), bundle.caId);
  }

  private async refreshRevocations(link: PeerLink): Promise<void> {
    const list = await callJson(link, TrustMethod.Revocations, undefined, {
      timeoutMs: 15_000,
      validate: (v) => parseRevocationList(jsonObject('the revocation list')(v)),
    });
    const ca = this.federation?.members.get(list.caId);
    if (!ca) throw new TrustError('the revocation list is from a CA outside the federation');
    const { signature, ...unsigned } = list;
    if (!verifyNow('ml-dsa-65', Buffer.from(signature, 'base64'), revocationSigningInput(unsigned), ca.mldsaPublicKey))
      throw new TrustError(`the revocation list of ${ca.name} has an invalid signature`);
    const seen = this.revocationSequence.get(list.caId) ?? -1;
    if (list.sequence < seen)
      throw new TrustError(`${ca.name} served an older revocation list (${list.sequence} < ${seen})`);
    this.applyRevocations(list.caId, list.sequence, list.serials);
  }

  private applyRevocations(caId: string, sequence: number, serials: readonly string[]): void {
    const set = new Set(serials.map(canonicalSerial));
    this.options.verifier.setRevoked(caId, set);
    this.revocationSequence.set(caId, sequence);
    // Open connections of peers whose certificates were revoked since go now, not at their next handshake.
    const dropped = this.options.transport.closePeers(
      (peer: PeerIdentity) => peer.kind === 'trustchain' && peer.caId === caId && set.has(peer.serialHex ?? ''),
      'certificate revoked',
    );
    if (dropped > 0) this.options.log.warn(`closed ${dropped} connection(s) of peers with revoked certificates`);
  }

  private async certify(link: PeerLink): Promise<void> {
    const csr = await createCsr(this.options.identity);
    const body = await link.request(TrustMethod.Issue, csr, { timeoutMs: 30_000 });
    const reply = decodeJson(body, 'the issued certificate');
    try {
      throwIfRefused(reply);
    } catch (err) {
      // Its files were lost but its certificate stands: the CA hands that one back rather than log a new one.
      if (!(err instanceof CaRefusedError) || err.code !== ErrorCode.AlreadyCertified || !reply.refused) throw err;
      const held = parseIssueReply(encodeJson((reply.refused as Record<string, unknown>).current));
      this.installHeld([held.certificate, ...held.chain], err.retryAfterMs);
      return;
    }
    const issued = parseIssueReply(body);
    this.install([issued.certificate, ...issued.chain]);
  }

  /** The certificate the CA says this node holds: installed if it holds here too; renewal waits for the CA. */
  private installHeld(chain: Uint8Array[], retryAfterMs: number | null): void {
    this.renewalOpensAt = this.now() + (retryAfterMs ?? 0);
    this.options.log.info('the CA handed back the certificate this node holds (renewal is not open yet)');
    this.install(chain);
  }

  /** Checks an issued chain like any peer's, then presents it on STOQ and keeps it on disk. */
  private install(chain: Uint8Array[]): void {
    const verified = this.options.verifier.verifyChain(chain);
    if (verified.nodeId !== this.options.identity.nodeId)
      throw new TrustError(`the CA issued a certificate for ${verified.nodeId}, not this node`);
    writeChainFiles(this.options.certDir, chain, verified.issuer.rootDer);
    this.current = { chain, verified };
    this.present(chain);
    this.observe(verified.head, verified.issuer.caId);
    this.options.log.info(
      `certified by ${verified.issuer.name}: serial ${verified.serialHex.slice(0, 12)}, valid until ${verified.notAfter.toISOString()}`,
    );
  }

  /** Nodes that dial us see the chain in the handshake; nodes we dial see it in the STOQ hello. */
  private present(chain: Uint8Array[]): void {
    this.options.transport.setCertificate(
      {
        certPem: chain.map(pemOf).join(''),
        keyPem: this.options.identity.tlsPrivateKeyPem(),
        certDer: chain[0] as Uint8Array,
      },
      chain,
    );
  }

  private loadStoredChain(): void {
    if (!this.federation) return;
    try {
      const chain = readChainFiles(this.options.certDir);
      if (!chain) return;
      const verified = this.options.verifier.verifyChain(chain);
      if (verified.nodeId !== this.options.identity.nodeId) return;
      this.current = { chain, verified };
      this.present(chain);
    } catch (err) {
      this.options.log.info(`the stored certificate is not usable (${(err as Error).message}); a new one is requested`);
    }
  }

  private observe(head: SignedTreeHead, caId: string): void {
    const ca = this.federation?.members.get(caId);
    if (ca) this.pendingHeads.push({ head, ca });
  }

  /**
   * Checks every head seen since the last round against the newest one: signed by the log, and consistent
   * (the CA must prove that the smaller tree is a prefix of the larger). A failure is a split view.
   */
  private async audit(link: PeerLink | null): Promise<void> {
    const pending = this.pendingHeads.splice(0);
    for (const { head, ca } of pending) {
      verifyHead(head, ca);
      const known = this.heads.get(ca.caId);
      if (!known) {
        this.heads.set(ca.caId, head);
        continue;
      }
      const [small, large] = known.treeSize <= head.treeSize ? [known, head] : [head, known];
      let proof: Uint8Array[] = [];
      if (small.treeSize !== large.treeSize) {
        const source = this.proofSource(ca.caId, link);
        if (!source) {
          // Only the log's own CA can prove consistency; keep the head until we talk to it.
          if (this.pendingHeads.length < 1000) this.pendingHeads.push({ head, ca });
          continue;
        }
        try {
          proof = await source(small.treeSize, large.treeSize);
        } catch (err) {
          // The log signed both heads but cannot show how one grew into the other: that is the evidence.
          if (err instanceof RpcError && err.stoqCode === StoqCode.HandlerError) {
            throw new SplitViewError(
              `${ca.name} cannot prove that its tree of ${small.treeSize} entries is a prefix of its tree of ${large.treeSize}: ${err.message}`,
              [small, large],
            );
          }
          throw err;
        }
      }
      detectSplitView(small, large, proof);
      if (head.treeSize > known.treeSize) this.heads.set(ca.caId, head);
    }
    this.options.state.set(HEADS_KEY, [...this.heads.values()].map(headToJson));
  }

  /** Who can prove consistency for the log of `caId`: this node's own CA, or the CA behind `link`. */
  private proofSource(
    caId: string,
    link: PeerLink | null,
  ): ((from: number, to: number) => Promise<Uint8Array[]>) | null {
    const authority = this.options.authority;
    if (authority?.caId === caId) return async (from, to) => authority.log.consistencyProof(from, to);
    if (link && this.caIdOfLink === caId) return (from, to) => this.consistencyProof(link, from, to);
    return null;
  }

  private async consistencyProof(link: PeerLink, from: number, to: number): Promise<Uint8Array[]> {
    if (from === 0) return [];
    return callJson(link, TrustMethod.Consistency, { from, to }, { timeoutMs: 15_000, validate: consistencyReply });
  }

  /**
   * Gossip: compares this node's view of each log with a peer's. Two signed heads of the same size with different
   * roots are proof by themselves; heads of different sizes are checked with a consistency proof from the CA.
   */
  async compareWithPeer(peer: PeerLink, caLink: PeerLink | null = null): Promise<void> {
    const reply = await callJson(peer, TrustMethod.Heads, undefined, {
      timeoutMs: 15_000,
      validate: jsonObject('heads'),
    });
    const heads = reply.heads;
    if (!Array.isArray(heads) || heads.length > 64) throw new TrustError('the peer sent a malformed list of heads');
    for (const raw of heads) {
      const head = headFromJson(raw);
      const caId = caIdOfLog(head.logId, this.federation);
      const ca = this.federation?.members.get(caId);
      if (ca) this.pendingHeads.push({ head, ca });
    }
    try {
      await this.audit(caLink ?? (await this.caLinkOrNull()));
    } catch (err) {
      if (err instanceof SplitViewError) this.reportSplitView(err);
      throw err;
    }
  }

  private async caLinkOrNull(): Promise<PeerLink | null> {
    const { trust } = this.options.settings();
    if (this.options.authority || trust.caAddress === '') return null;
    return this.caLink(trust).catch(() => null);
  }

  private reportSplitView(err: SplitViewError): void {
    this.splitView = err.message;
    const heads = err.evidence as SignedTreeHead[];
    const caId = heads[0] ? caIdOfLog(heads[0].logId, this.federation) : undefined;
    if (caId) this.options.verifier.distrusted.add(caId);
    this.options.log.error(
      `TrustChain: split view detected, CA ${caId?.slice(0, 8) ?? '?'} is no longer trusted: ${err.message}`,
    );
    this.options.onSplitView?.(err);
  }

  /** Resolves a name through the CA's signed registry. */
  resolve(name: string): Promise<ResolvedName> {
    return this.names.resolve(name);
  }

  /** Registers (or renews) `name` for this node at its CA (trust-names.ts). */
  register(name: string, addresses: readonly string[]): Promise<ResolvedName> {
    return this.names.register(name, addresses);
  }

  /** Frees a name this node holds at its CA (so it may register another; docs/trust.md, "Names"). */
  release(name: string): Promise<void> {
    return this.names.release(name);
  }

  /**
   * The newest verified tree head of the log that holds this node's certificate: an unforgeable "not before"
   * beacon for consensus proofs (until the Caesar ledger has heads of its own), with a lookup for verifying it.
   */
  beacon(): { head: SignedTreeHead; ca: TrustedCa } | null {
    const issuer = this.current?.verified.issuer;
    const head = issuer ? (this.heads.get(issuer.caId) ?? this.current?.verified.head) : undefined;
    return issuer && head ? { head, ca: issuer } : null;
  }

  /** The federation CA whose transparency log has `logId`. */
  caOfLog(logId: Uint8Array): TrustedCa | undefined {
    for (const ca of this.federation?.members.values() ?? []) if (Buffer.compare(ca.caIdRaw, logId) === 0) return ca;
    return undefined;
  }

  /** A head this node has verified, by log (hex) and size; for checking beacons. */
  knownHead(logIdHex: string, treeSize: number): { head: SignedTreeHead; ca: TrustedCa } | undefined {
    for (const [caId, head] of this.heads) {
      if (Buffer.from(head.logId).toString('hex') === logIdHex && head.treeSize === treeSize) {
        const ca = this.federation?.members.get(caId);
        if (ca) return { head, ca };
      }
    }
    const own = this.current?.verified;
    if (own && Buffer.from(own.head.logId).toString('hex') === logIdHex && own.head.treeSize === treeSize)
      return { head: own.head, ca: own.issuer };
    return undefined;
  }

  /** This node's certificate chain (leaf first), if it has one. */
  chain(): readonly Uint8Array[] | null {
    return this.current?.chain ?? null;
  }

  status(): TrustStatus {
    const cur = this.current;
    return trustStatus({
      trust: this.options.settings().trust,
      federation: this.federation,
      current: cur && { ...cur, renewsAt: this.renewAt(cur.verified) },
      authority: this.options.authority ?? null,
      revoked: cur !== null && this.options.verifier.isRevoked(cur.verified.issuer.caId, cur.verified.serialHex),
      splitView: this.splitView,
      problem: this.problem,
      lastRefreshAt: this.lastRefreshAt,
      revocationSequence: cur ? (this.revocationSequence.get(cur.verified.issuer.caId) ?? null) : null,
      now: this.now(),
    });
  }
}

function caIdOfLog(logId: Uint8Array, fed: TrustedFederation | null): string {
  for (const m of fed?.members.values() ?? []) if (Buffer.compare(m.caIdRaw, logId) === 0) return m.caId;
  return Buffer.from(logId).toString('hex');
}
