import { X509Certificate } from 'node:crypto';
import { ErrorCode } from '../../shared/errors';
import { base32 } from '../identity/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import type { StoqRouter } from '../transport/index';
import { serveCa } from './ca-rpc';
import {
  PQ_COSIGN_CONTEXT,
  PqAlgorithm,
  canonicalSerial,
  finishCertificate,
  verifyCosignatures,
  prepareNodeCertificate,
  readCosignatures,
  verifyCsr,
  DEFAULT_NODE_VALIDITY_MS,
  type CaMaterial,
  type PqCosignature,
} from './certificates';
import { checkCosignValidity, inspectPrecertificate, learnRevocations, parseSeenRevocations } from './cosign';
import { CtLog, type SignedTreeHead } from './ct-log';
import { encodeCtProof } from './ct-proof';
import { AlreadyCertifiedError, CaRefusedError, TrustError } from './errors';
import { decideIssuance, defaultIssueLimits, type IssueLimits } from './issue-policy';
import { NameRateLimiter, checkNameQuota } from './name-policy';
import {
  signFederation,
  verifyFederation,
  parseFederationDocument,
  type FederationDocument,
  type TrustedCa,
  type TrustedFederation,
} from './federation';
import { verifyNow, type PqSigner } from '../crypto';
import {
  COSIGN_REQUEST_CONTEXT,
  RESERVED_NAMES,
  caNodeSigningInput,
  checkName,
  headToJson,
  nameSigningInput,
  revocationSigningInput,
  type BundleReply,
  type CaNodeStatementJson,
  type CosignRequest,
  type NameRecordJson,
  type RevocationListJson,
} from './protocol';
import { TokenBuckets, type BucketLimits } from './rate-limit';
import { CaRepository, TrustStateRepository, type IssuedCertificate } from './trust-store';

/** The CA's limits per peer NodeId (docs/trust.md, "Limits"); each may be set apart from the others. */
export interface CaLimits {
  /** Re-issuing to a NodeId: renewal window and certificates per day. */
  readonly issue: IssueLimits;
  /** trust.issue calls per peer (each costs a post-quantum CSR check, refused or not). */
  readonly issueCalls: BucketLimits;
  /** trust.cosign calls per peer. */
  readonly cosign: BucketLimits;
  /** trust.register and trust.release calls per peer (before the name quota and registration rate). */
  readonly names: BucketLimits;
}

export const DEFAULT_CA_LIMITS = {
  issueCalls: { capacity: 10, refillMs: 30_000 },
  // A federation CA asks every other member once per certificate it issues: bursts of issuance pass.
  cosign: { capacity: 256, refillMs: 50 },
  names: { capacity: 20, refillMs: 6_000 },
} as const;

export interface CaServiceOptions {
  readonly db: Db;
  readonly ca: CaMaterial;
  readonly signer: PqSigner;
  readonly log: Logger;
  /** The NodeId of the node running this CA: the reserved names resolve to it. */
  readonly nodeId: string;
  /** Where this CA's node serves STOQ, as peers should dial it; null if unknown. */
  readonly address: string | null;
  /** Node certificate lifetime; 24 h by default. */
  readonly validityMs?: number;
  readonly now?: () => number;
  /** Asks another federation CA for its co-signatures (over STOQ); needed when the threshold is above 1. */
  readonly requestCosignatures?: (member: TrustedCa, request: CosignRequest) => Promise<PqCosignature[]>;
  /** Whether this node has stopped trusting a CA (caught in a split view): it co-signs nothing for it. */
  readonly isDistrusted?: (caId: string) => boolean;
  readonly limits?: Partial<CaLimits>;
}

const FEDERATION_KEY = 'ca.federation';
const REVOCATION_SEQUENCE_KEY = 'ca.revocations.sequence';
const NAME_LIFETIME_MS = 30 * 86_400_000;
const MAX_CONCURRENT_ISSUANCE = 64;
const SEEN_REVOCATIONS_KEY = 'cosign.revocations.';

/**
 * The certificate authority: issues node certificates from CSRs (hybrid: ECDSA chain + ML-DSA-65 and Falcon-1024
 * co-signatures), logs every one in its transparency log before handing it out, publishes signed revocation lists
 * and tree heads, co-signs for the other CAs of its federation and keeps the signed name registry.
 */
export class CaService {
  readonly caId: string;
  readonly log: CtLog;
  private readonly repo: CaRepository;
  private readonly state: TrustStateRepository;
  private readonly now: () => number;
  private fed: TrustedFederation;
  private inFlight = 0;
  private headSigning: Promise<SignedTreeHead> | null = null;
  private headQueued: Promise<SignedTreeHead> | null = null;
  private revocations: Promise<RevocationListJson> | null = null;
  private readonly nameRate = new NameRateLimiter();
  private readonly signedNames = new Map<string, { key: string; record: Promise<NameRecordJson>; expiresAt: number }>();
  private readonly issueLimits: IssueLimits;
  /** Per peer NodeId, for the RPC methods (ca-rpc.ts). */
  readonly issueCallRate: TokenBuckets;
  readonly cosignRate: TokenBuckets;
  readonly nameCallRate: TokenBuckets;
  /** NodeIds with an issuance under way: a second request for the same NodeId is refused until it is done. */
  private readonly issuing = new Set<string>();
  private nodeStatement: CaNodeStatementJson | null = null;

  constructor(private readonly options: CaServiceOptions) {
    const { ca, db, signer } = options;
    this.caId = ca.caId;
    this.now = options.now ?? Date.now;
    const limits = options.limits ?? {};
    this.issueLimits = limits.issue ?? defaultIssueLimits(options.validityMs ?? DEFAULT_NODE_VALIDITY_MS);
    this.issueCallRate = new TokenBuckets(limits.issueCalls ?? DEFAULT_CA_LIMITS.issueCalls, this.now);
    this.cosignRate = new TokenBuckets(limits.cosign ?? DEFAULT_CA_LIMITS.cosign, this.now);
    this.nameCallRate = new TokenBuckets(limits.names ?? DEFAULT_CA_LIMITS.names, this.now);
    this.repo = new CaRepository(db);
    this.state = new TrustStateRepository(db);
    this.log = new CtLog(db, {
      logId: ca.caIdRaw,
      signHead: (message) => signer.sign('ml-dsa-65', message, ca.mldsa.secretKey),
      verifyHead: (message, signature) => verifyNow('ml-dsa-65', signature, message, ca.mldsa.publicKey),
    });
    const stored = this.state.get(FEDERATION_KEY);
    this.fed = stored === undefined ? this.genesisPending() : verifyFederation(parseFederationDocument(stored));
  }

  get ca(): CaMaterial {
    return this.options.ca;
  }

  get federation(): TrustedFederation {
    return this.fed;
  }

  /** Before the first start a CA is a federation of one; its self-signed genesis document is made in `init`. */
  private genesisPending(): TrustedFederation {
    return {
      epoch: 0,
      threshold: 1,
      members: new Map(),
      document: {
        version: 1,
        epoch: 0,
        threshold: 1,
        issuedAt: new Date(0).toISOString(),
        members: [],
        signatures: [],
      },
    };
  }

  private headTimer: NodeJS.Timeout | undefined;

  /**
   * Keeps the log's signed head fresh even when nothing is issued: consensus proofs use it as a "not before"
   * beacon and accept one at most an hour old (docs/consensus.md).
   */
  startHeadRefresh(everyMs = 5 * 60_000, maxAgeMs = 10 * 60_000): void {
    clearInterval(this.headTimer);
    this.headTimer = setInterval(() => {
      const head = this.log.latestHead();
      if (head && this.now() - head.timestamp < maxAgeMs) return;
      this.log.signHead(this.now()).catch((err: unknown) => {
        this.options.log.warn(`could not sign a fresh tree head: ${(err as Error).message}`);
      });
    }, everyMs);
    this.headTimer.unref();
  }

  stopHeadRefresh(): void {
    clearInterval(this.headTimer);
  }

  /** Makes the genesis federation document (phase 0: this CA alone) and the first tree head, if there are none. */
  async init(): Promise<void> {
    if (this.fed.epoch === 0) {
      const unsigned = {
        version: 1 as const,
        epoch: 1,
        threshold: 1,
        issuedAt: new Date(this.now()).toISOString(),
        members: [this.memberEntry()],
      };
      const signature = await signFederation(
        unsigned,
        { caId: this.caId, mldsaSecretKey: this.ca.mldsa.secretKey },
        this.options.signer,
      );
      this.adoptFederation({ ...unsigned, signatures: [signature] });
    }
    if (!this.log.latestHead()) await this.log.signHead(this.now());
    // Which STOQ node serves this CA, signed by the CA's key: a client refuses a bundle from any other node.
    const unsigned = { caId: this.caId, nodeId: this.options.nodeId, issuedAt: new Date(this.now()).toISOString() };
    const sig = await this.options.signer.sign('ml-dsa-65', caNodeSigningInput(unsigned), this.ca.mldsa.secretKey);
    this.nodeStatement = { ...unsigned, signature: Buffer.from(sig).toString('base64') };
  }

  memberEntry(): FederationDocument['members'][number] {
    return {
      caId: this.caId,
      name: this.ca.name,
      root: Buffer.from(this.ca.root.certificate).toString('base64'),
      address: this.options.address,
    };
  }

  /** Signs a proposed federation document that lists this CA (how CAs cross-certify each other). */
  async signFederationProposal(
    doc: Omit<FederationDocument, 'signatures'>,
  ): Promise<{ caId: string; signature: string }> {
    if (!doc.members.some((m) => m.caId === this.caId)) throw new TrustError('the proposal does not list this CA');
    if (doc.epoch <= this.fed.epoch) throw new TrustError(`epoch ${doc.epoch} is not newer than ${this.fed.epoch}`);
    return signFederation(doc, { caId: this.caId, mldsaSecretKey: this.ca.mldsa.secretKey }, this.options.signer);
  }

  /** Accepts a newer federation document (checked against the current one) and serves it from now on. */
  adoptFederation(doc: FederationDocument): TrustedFederation {
    const next = verifyFederation(doc, this.fed.epoch === 0 ? undefined : this.fed);
    if (!next.members.has(this.caId)) this.options.log.warn('this CA is no longer a member of its federation');
    this.fed = next;
    this.state.set(FEDERATION_KEY, doc);
    this.options.log.info(`federation epoch ${next.epoch}: ${next.members.size} CA(s), threshold ${next.threshold}`);
    return next;
  }

  bundle(): BundleReply {
    if (!this.nodeStatement) throw new TrustError('the CA is not started yet');
    const head = this.log.latestHead();
    return {
      caId: this.caId,
      federation: this.fed.document,
      head: head ? headToJson(head) : null,
      node: this.nodeStatement,
    };
  }

  /**
   * Issues a node certificate for a CSR. `requesterNodeId` is who asked (the STOQ peer); it must be the node the
   * CSR is for, so nobody can obtain a certificate for someone else's keys. The certificate is logged first.
   */
  async issue(
    csr: Uint8Array,
    requesterNodeId: string | null,
  ): Promise<{ certificate: Uint8Array; chain: Uint8Array[] }> {
    const request = verifyCsr(csr, requesterNodeId ?? undefined);
    if (requesterNodeId !== null && request.nodeId !== requesterNodeId) {
      throw new TrustError(`the CSR is for NodeId ${request.nodeId}, but ${requesterNodeId} asked`);
    }
    // Revocation is about the keys: a node whose certificate was revoked gets no new one for the same keys.
    const revoked = this.repo.issuedTo(request.nodeId).find((c) => c.revokedAt !== null);
    if (revoked) {
      throw new TrustError(
        `the certificate of ${request.nodeId} was revoked (${revoked.revocationReason ?? 'unspecified'}); this CA issues none for these keys`,
      );
    }
    if (this.inFlight >= MAX_CONCURRENT_ISSUANCE) throw new TrustError('the CA is busy; try again shortly');
    if (this.issuing.has(request.nodeId)) {
      throw new CaRefusedError(
        ErrorCode.CaRateLimited,
        `a certificate for ${request.nodeId} is being issued already`,
        1000,
      );
    }
    this.checkReissue(request.nodeId);
    this.inFlight++;
    this.issuing.add(request.nodeId);
    try {
      const { precert, signingInput } = await prepareNodeCertificate({
        csr,
        verified: request,
        issuer: this.ca.intermediate,
        ...(this.options.validityMs === undefined ? {} : { validityMs: this.options.validityMs }),
        now: new Date(this.now()),
      });
      // The co-signatures and the log's tree head are independent post-quantum signatures: in parallel.
      const [cosignatures, logged] = await Promise.all([
        this.collectCosignatures(signingInput),
        this.append(signingInput),
      ]);
      const certificate = await finishCertificate(precert, {
        cosignatures,
        ctProof: encodeCtProof({
          logId: this.ca.caIdRaw,
          leafIndex: logged.index,
          treeSize: logged.head.treeSize,
          timestamp: logged.head.timestamp,
          rootHash: logged.head.rootHash,
          signature: logged.head.signature,
          path: this.log.inclusionProof(logged.index, logged.head.treeSize),
        }),
      });
      if (this.repo.issuedTo(request.nodeId).some((c) => c.revokedAt !== null)) {
        throw new TrustError(`the certificate of ${request.nodeId} was revoked while this one was being issued`);
      }
      // The binding was checked with the CSR: only the serial and dates are read back (no second PQ verification).
      const issued = new X509Certificate(certificate);
      const parsed = { serialHex: canonicalSerial(issued.serialNumber), nodeId: request.nodeId };
      this.repo.recordIssued({
        serial: parsed.serialHex,
        nodeId: parsed.nodeId,
        notBefore: Date.parse(issued.validFrom),
        notAfter: Date.parse(issued.validTo),
        leafIndex: logged.index,
        der: certificate,
      });
      this.options.log.info(
        `issued certificate ${parsed.serialHex.slice(0, 12)} to ${parsed.nodeId.slice(0, 8)} (log index ${logged.index})`,
      );
      return { certificate, chain: [this.ca.intermediate.certificate] };
    } finally {
      this.inFlight--;
      this.issuing.delete(request.nodeId);
    }
  }

  /**
   * One identity must not grow the log: no new certificate while the NodeId holds one that is valid, unrevoked and
   * not due for renewal (the refusal carries it, so a node that lost its files gets it back), and at most
   * `perWindow` a day.
   */
  private checkReissue(nodeId: string): void {
    const decision = decideIssuance(this.repo.issuedTo(nodeId), this.now(), this.issueLimits, (c) => this.holds(c));
    if (decision.kind === 'already-certified') {
      throw new AlreadyCertifiedError(
        `${nodeId} holds certificate ${decision.current.serial.slice(0, 12)}, valid until ${new Date(decision.current.notAfter).toISOString()}; renewal opens in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
        decision.retryAfterMs,
        { certificate: decision.current.der, chain: [this.ca.intermediate.certificate] },
      );
    }
    if (decision.kind === 'rate-limited') {
      throw new CaRefusedError(
        ErrorCode.CaRateLimited,
        `${nodeId} was issued ${this.issueLimits.perWindow} certificates in the last ${Math.round(this.issueLimits.windowMs / 3600_000)} h, the most allowed; try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
        decision.retryAfterMs,
      );
    }
  }

  /** Whether a certificate issued here still holds: signed by the current intermediate, co-signed by enough CAs. */
  private holds(c: IssuedCertificate): boolean {
    try {
      const cert = new X509Certificate(c.der);
      if (!cert.checkIssued(new X509Certificate(this.ca.intermediate.certificate))) return false;
      // The co-signatures were verified when it was issued: only who signed is counted against today's federation.
      const signers = new Set(readCosignatures(c.der).cosignatures.map((s) => base32(s.caIdRaw)));
      const members = [...signers].filter((id) => this.fed.members.has(id)).length;
      return members >= this.fed.threshold;
    } catch {
      return false;
    }
  }

  private async ownCosignatures(signingInput: Uint8Array): Promise<PqCosignature[]> {
    const message = Buffer.concat([PQ_COSIGN_CONTEXT, signingInput]);
    const { signer } = this.options;
    const [mldsa, falcon] = await Promise.all([
      signer.sign('ml-dsa-65', message, this.ca.mldsa.secretKey),
      signer.sign('falcon-1024', message, this.ca.falcon.secretKey),
    ]);
    return [
      { caIdRaw: this.ca.caIdRaw, algorithm: PqAlgorithm.MlDsa65, signature: mldsa },
      { caIdRaw: this.ca.caIdRaw, algorithm: PqAlgorithm.Falcon1024, signature: falcon },
    ];
  }

  /** This CA's co-signatures plus, in a federation, those of enough other members to reach the threshold. */
  private async collectCosignatures(signingInput: Uint8Array): Promise<PqCosignature[]> {
    const needOthers = this.fed.threshold - 1;
    if (needOthers <= 0) return this.ownCosignatures(signingInput);
    const ask = this.options.requestCosignatures;
    if (!ask)
      throw new TrustError(`the federation needs ${this.fed.threshold} co-signers and this CA cannot reach others`);
    const requestSignature = await this.options.signer.sign(
      'ml-dsa-65',
      Buffer.concat([Buffer.from(COSIGN_REQUEST_CONTEXT), signingInput]),
      this.ca.mldsa.secretKey,
    );
    const request: CosignRequest = {
      caId: this.caId,
      signingInput: Buffer.from(signingInput).toString('base64'),
      signature: Buffer.from(requestSignature).toString('base64'),
      revocations: await this.revocationList(),
    };
    const others = [...this.fed.members.values()].filter((m) => m.caId !== this.caId);
    const [own, results] = await Promise.all([
      this.ownCosignatures(signingInput),
      Promise.allSettled(others.map((m) => ask(m, request))),
    ]);
    const gathered: PqCosignature[] = [];
    const failures: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') gathered.push(...r.value);
      else failures.push(`${others[i]?.name ?? '?'}: ${(r.reason as Error).message}`);
    });
    // Count only members whose ML-DSA-65 and Falcon-1024 signatures both verify: the answers came over a connection
    // that was not required to authenticate, and a bad co-signature would make every verifier refuse the certificate.
    const signers = verifyCosignatures(signingInput, gathered, this.fed.members);
    signers.delete(this.caId);
    if (signers.size < needOthers) {
      throw new TrustError(
        `only ${signers.size} of the ${needOthers} other CAs needed co-signed (${failures.join('; ') || 'no answers'})`,
      );
    }
    return [...own, ...gathered.filter((c) => signers.has(base32(c.caIdRaw)))];
  }

  /** Appends to the log and waits for a signed head that covers the entry. Concurrent appends share one head. */
  private async append(signingInput: Uint8Array): Promise<{ index: number; head: SignedTreeHead }> {
    const { firstIndex } = this.log.appendBatch([signingInput]);
    const head = await this.headCovering(firstIndex + 1);
    return { index: firstIndex, head };
  }

  private headCovering(size: number): Promise<SignedTreeHead> {
    const latest = this.log.latestHead();
    if (latest && latest.treeSize >= size) return Promise.resolve(latest);
    if (!this.headSigning) {
      this.headSigning = this.log.signHead(this.now()).finally(() => (this.headSigning = null));
      return this.headSigning.then((h) => (h.treeSize >= size ? h : this.headCovering(size)));
    }
    // A head is being signed that may not cover this entry: one queued round, after it, covers every append since.
    if (!this.headQueued) {
      this.headQueued = this.headSigning
        .catch(() => undefined)
        .then(() => {
          this.headQueued = null;
          return this.headCovering(size);
        });
    }
    return this.headQueued.then((h) => (h.treeSize >= size ? h : this.headCovering(size)));
  }

  /** Revokes a certificate this CA issued; clients refuse it after their next revocation refresh. */
  revoke(serialHex: string, reason = 'unspecified'): void {
    const serial = canonicalSerial(serialHex);
    if (!this.repo.issued(serial)) throw new TrustError(`this CA issued no certificate with serial ${serial}`);
    if (!this.repo.revoke(serial, reason, this.now())) return;
    const seq = Number(this.state.get(REVOCATION_SEQUENCE_KEY) ?? 0) + 1;
    this.state.set(REVOCATION_SEQUENCE_KEY, seq);
    this.revocations = null;
    this.options.log.info(`revoked certificate ${serial} (${reason})`);
  }

  issuedTo(nodeId: string) {
    return this.repo.issuedTo(nodeId);
  }

  stats(): { issued: number; revoked: number; logSize: number } {
    return { issued: this.repo.issuedCount(), revoked: this.repo.revocationCount(), logSize: this.log.size };
  }

  /** The signed list of revoked serials; re-signed only when it changes. */
  revocationList(): Promise<RevocationListJson> {
    if (!this.revocations) {
      const unsigned = {
        caId: this.caId,
        sequence: Number(this.state.get(REVOCATION_SEQUENCE_KEY) ?? 0),
        issuedAt: new Date(this.now()).toISOString(),
        serials: this.repo.revokedSerials(this.now()),
        nodeIds: this.repo.revokedNodeIds(),
      };
      const pending = this.options.signer
        .sign('ml-dsa-65', revocationSigningInput(unsigned), this.ca.mldsa.secretKey)
        .then((sig) => ({ ...unsigned, signature: Buffer.from(sig).toString('base64') }));
      pending.catch(() => {
        if (this.revocations === pending) this.revocations = null;
      });
      this.revocations = pending;
    }
    return this.revocations;
  }

  /**
   * Co-signs a node certificate another federation CA is issuing, after checking that the request comes from a
   * trusted member (its ML-DSA signature), that the precertificate is a short-lived node certificate with a valid
   * binding starting about now, and that its subject is not one the requesting CA revoked.
   */
  async cosign(request: CosignRequest): Promise<PqCosignature[]> {
    const member = this.fed.members.get(request.caId);
    if (!member) throw new TrustError(`CA ${request.caId} is not in this CA's federation`);
    if (this.options.isDistrusted?.(member.caId))
      throw new TrustError(`co-signing refused: ${member.name} was caught showing a split view`);
    const signingInput = new Uint8Array(Buffer.from(request.signingInput, 'base64'));
    const ok = verifyNow(
      'ml-dsa-65',
      Buffer.from(request.signature, 'base64'),
      Buffer.concat([Buffer.from(COSIGN_REQUEST_CONTEXT), signingInput]),
      member.mldsaPublicKey,
    );
    if (!ok) throw new TrustError('the co-signing request is not signed by the CA it names');
    const precert = inspectPrecertificate(signingInput);
    checkCosignValidity(precert, this.now());
    const key = SEEN_REVOCATIONS_KEY + member.caId;
    const seen = learnRevocations(member, request.revocations, parseSeenRevocations(this.state.get(key)));
    this.state.set(key, seen);
    if (seen.nodeIds.includes(precert.nodeId))
      throw new TrustError(`co-signing refused: ${member.name} revoked a certificate of ${precert.nodeId}`);
    this.options.log.info(`co-signed a certificate for ${precert.nodeId.slice(0, 8)} issued by ${member.name}`);
    return this.ownCosignatures(signingInput);
  }

  /** Resolves a name to a record signed by this CA. The reserved names are this CA's node. */
  resolve(nameText: string): Promise<NameRecordJson> {
    const name = checkName(nameText);
    let nodeId: string;
    let addresses: readonly string[];
    let expiresAt: number;
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      nodeId = this.options.nodeId;
      addresses = this.options.address ? [this.options.address] : [];
      expiresAt = this.now() + NAME_LIFETIME_MS;
    } else {
      const row = this.repo.name(name);
      if (!row || row.expiresAt < this.now()) throw new TrustError(`the name "${name}" is not registered`);
      ({ nodeId, addresses, expiresAt } = row);
    }
    // A cached record is reused while it has more than half its life left (reserved names are re-signed then).
    const key = JSON.stringify([nodeId, addresses]);
    const cached = this.signedNames.get(name);
    if (cached && cached.key === key && cached.expiresAt - this.now() > NAME_LIFETIME_MS / 2) return cached.record;
    const unsigned = {
      name,
      nodeId,
      addresses,
      caId: this.caId,
      issuedAt: new Date(this.now()).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
    };
    const record = this.options.signer
      .sign('ml-dsa-65', nameSigningInput(unsigned), this.ca.mldsa.secretKey)
      .then((sig) => ({ ...unsigned, signature: Buffer.from(sig).toString('base64') }));
    record.catch(() => this.signedNames.delete(name));
    if (this.signedNames.size > 10_000) this.signedNames.clear();
    this.signedNames.set(name, { key, record, expiresAt });
    return record;
  }

  /** Registers (or renews) a name for a certified node; first come, first served; reserved names are the CA's. */
  register(nameText: string, nodeId: string, addresses: readonly string[]): Promise<NameRecordJson> {
    const name = checkName(nameText);
    if ((RESERVED_NAMES as readonly string[]).includes(name)) throw new TrustError(`"${name}" is reserved`);
    const now = this.now();
    const existing = this.repo.name(name);
    if (existing && existing.nodeId !== nodeId && existing.expiresAt > now) {
      throw new TrustError(`the name "${name}" belongs to another node`);
    }
    // One identity must not take the registry for itself: a rate, then a number of names per node.
    this.nameRate.take(nodeId, now);
    checkNameQuota(this.repo.liveNameCount(nodeId, now), existing?.nodeId === nodeId && existing.expiresAt > now);
    this.repo.putName({ name, nodeId, addresses, registeredAt: now, expiresAt: now + NAME_LIFETIME_MS });
    return this.resolve(name);
  }

  /** Frees a name `nodeId` holds (so it may register another); a name it does not hold is refused. */
  release(nameText: string, nodeId: string): void {
    const name = checkName(nameText);
    if (!this.repo.deleteName(name, nodeId)) throw new TrustError(`this node does not hold the name "${name}"`);
    this.signedNames.delete(name);
  }

  /** Serves the CA's STOQ methods (ca-rpc.ts). */
  serve(router: StoqRouter): void {
    serveCa(this, router);
  }
}
