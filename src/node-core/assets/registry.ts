import type { WebGpuProbe } from './gpu-adapter';
import { randomBytes } from 'node:crypto';
import type { AssetView } from '../../shared/assets';
import { isSharing } from '../../shared/privacy';
import type { ResourceKind, Settings } from '../../shared/settings';
import {
  DEFAULT_CONSENSUS_PARAMS,
  parseAmount,
  beaconFromTreeHead,
  ctHeadBeaconChecker,
  decodeConsensusProof,
  encodeConsensusProof,
  proofHeaderDigest,
  verifyConsensusProof,
  createConsensusProof,
  type ConsensusCompute,
  type ConsensusProof,
  type ConsensusSubject,
  type StakeRecord,
  type VerifiedConsensusProof,
} from '../consensus';
import type { PeerLink } from '../transport/stoq/transport';
import { isAssetId } from './asset-id';
import type { SignedTreeHead } from '../trust/ct-log';
import { headFromJson, headToJson } from '../trust/protocol';
import type { HardwareProbe } from '../hardware/hardware';
import type { NodeIdentity } from '../identity/identity';
import type { Logger } from '../logging/log-book';
import type { Db } from '../store/database';
import { verifyNow } from '../trust/pq-pool';
import type { TrustClient } from '../trust/trust-client';
import { RpcError, type StoqRouter } from '../transport/stoq/rpc';
import { AllocationError } from './errors';
import { StoqCode } from '../transport/stoq/frames';
import type { AssetAdapter, Lease } from './adapter';
import {
  allAdapters,
  applySettings,
  assetIdOf,
  closeAll,
  createAssetAdapters,
  type AssetAdapters,
} from './create-adapters';
import { visibilityPolicyFrom, visibleTo, type RegisteredAsset, type VisibilityPolicy } from './registry-types';

/** A registration this node made: the asset as announced and the four-part proof that came with it. */
interface StoredRegistration {
  readonly asset: RegisteredAsset;
  readonly proof: ConsensusProof;
}

export interface AssetRegistryOptions {
  readonly db: Db;
  readonly dataDir: string;
  readonly identity: NodeIdentity;
  readonly probe: HardwareProbe;
  /** With GPU jobs on: the GPU asset exists only where WebGPU finds an adapter jobs may use (gpu-adapter.ts). */
  readonly webgpu?: WebGpuProbe;
  readonly log: Logger;
  readonly settings: () => Settings;
  /** Where proofs get the node's certificate and a beacon from; absent on a node without a peer transport. */
  readonly trust: TrustClient | undefined;
  /** The node's STOQ address, signed into PoSpace as its location. */
  readonly location: () => string;
  readonly compute: ConsensusCompute;
  readonly now?: () => number;
  /** A node's stake as the Caesar ledger holds it (PoStake): used over the provisional record once there is one. */
  readonly ledgerStake?: (nodeId: string) => StakeRecord | undefined;
  /** Told of each registration and granted lease, so they can be recorded on the ledger. */
  readonly onRecord?: (record: AssetRecordEvent) => void;
  /** Told when what this node offers may have changed (a registration made, settings applied), to announce it. */
  readonly onChange?: () => void;
  /**
   * What the sharing rules allow now, percent per resource (the governor's decision). Memory takes it as a ceiling
   * for new leases and the pool's size; CPU and GPU leases follow the sliders (their jobs are slowed instead).
   */
  readonly allowance?: () => Readonly<Partial<Record<ResourceKind, { readonly percent: number }>>> | undefined;
}

/** What the registry tells the ledger (the proofs' digests bind the records to the four-part proofs). */
export type AssetRecordEvent =
  | { readonly type: 'registered'; readonly asset: RegisteredAsset; readonly proofDigest: Uint8Array }
  | { readonly type: 'granted'; readonly assetId: string; readonly lease: Lease; readonly proofDigest: Uint8Array };

const PROVISIONAL_STAKE_KEY = 'assets.provisional_stake';
const PROVISIONAL_LEDGER_REF = 'local-store:provisional';
/** Leases one consumer may hold on one asset at once (a cheap flood of tiny leases is refused). */
const MAX_LEASES_PER_CONSUMER = 8;

/**
 * Turns the user's allocation into registered assets: the adapters enforce the caps; every shared resource gets an
 * AssetId and a registration carrying a four-part consensus proof, which the node verifies before it counts it;
 * `assets.list` announces them to peers only as the privacy settings allow.
 */
export class AssetRegistry {
  private adapters: AssetAdapters | undefined;
  private readonly registrations = new Map<string, StoredRegistration>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly problems = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly anonymityKey: Uint8Array;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: AssetRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.anonymityKey = this.secret();
    for (const row of options.db.prepare('SELECT asset_id, asset, proof FROM assets').all() as {
      asset_id: string;
      asset: string;
      proof: Buffer;
    }[]) {
      try {
        this.registrations.set(row.asset_id, {
          asset: JSON.parse(row.asset) as RegisteredAsset,
          proof: decodeConsensusProof(row.proof),
        });
      } catch (err) {
        options.log.warn(`a stored asset registration was unreadable and is redone: ${(err as Error).message}`);
      }
    }
    this.ready = this.start();
  }

  /** Resolves once the hardware is read and the adapters hold the user's caps. */
  readonly ready: Promise<void>;

  private async start(): Promise<void> {
    const adapters = await createAssetAdapters({
      probe: this.options.probe,
      dataDir: this.options.dataDir,
      settings: this.options.settings(),
      // The pool is allocated at the cap's size; its pages are committed as leases write to them.
      commitMemory: false,
      ...(this.options.webgpu ? { webgpu: this.options.webgpu } : {}),
    });
    if (this.stopped) {
      closeAll(adapters);
      return;
    }
    this.adapters = adapters;
    // Settings changed while the hardware was being read were not applied (there were no adapters yet): the caps
    // come from the settings as they are now, not as they were when the reading began.
    applySettings(adapters, this.options.settings());
    this.applyAllowance();
    this.timer = setInterval(() => {
      for (const a of allAdapters(adapters)) a.sweep();
      this.registerShared();
    }, 10_000);
    this.timer.unref();
    this.registerShared();
    this.options.onChange?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.ready.catch(() => undefined);
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending.values()]);
    if (this.adapters) closeAll(this.adapters);
    this.adapters = undefined;
  }

  /** Settings changed: new caps now, and a registration for any shared asset whose offer changed. */
  applySettings(settings: Settings): void {
    if (!this.adapters) return;
    applySettings(this.adapters, settings);
    this.applyAllowance();
    this.registerShared();
    this.options.onChange?.();
  }

  /**
   * The sharing rules' allowance changed: memory's pool and new leases follow it (existing leases are kept). The
   * offer registered and announced stays the slider's, so a rule that comes and goes does not re-register.
   */
  applyAllowance(): void {
    if (!this.adapters) return;
    const memory = this.options.allowance?.()?.memory?.percent;
    this.adapters.memory.setRuleCeiling(memory === undefined ? null : Math.min(100, Math.max(0, memory)));
  }

  /** Registers (with a fresh proof) every present, shared asset that has no current registration. */
  registerShared(): void {
    if (!this.adapters) return;
    const settings = this.options.settings();
    for (const adapter of allAdapters(this.adapters)) {
      const cap = adapter.describe();
      const assetId = assetIdOf(adapter, this.options.identity.nodeId);
      if (!assetId || !cap.present || cap.allowed <= 0 || !isSharing(settings)) continue;
      const current = this.registrations.get(assetId);
      // Peers accept a proof for DEFAULT_CONSENSUS_PARAMS.time.maxAgeMs: re-prove at half of that.
      const fresh = current && this.now() - current.proof.time.timestamp < DEFAULT_CONSENSUS_PARAMS.time.maxAgeMs / 2;
      const same =
        fresh &&
        current.asset.capacity.allowed === cap.allowed &&
        current.asset.privacyLevel === settings.privacyLevel &&
        current.asset.allocationType === settings.allocationType;
      if (same || this.pending.has(assetId)) continue;
      const run = this.register(adapter, assetId, settings)
        .then(
          () => {
            this.problems.delete(assetId);
            return true;
          },
          (err: unknown) => {
            this.problems.set(assetId, (err as Error).message);
            return false;
          },
        )
        .then((registered) => {
          this.pending.delete(assetId);
          if (!registered || this.stopped) return;
          this.options.onChange?.();
          // Settings changed while this registration was being proved were skipped (it was pending): a second
          // pass registers the offer as it is now (a no-op when nothing changed).
          this.registerShared();
        });
      this.pending.set(assetId, run);
    }
  }

  /** Waits for registrations in flight (tests, and the CLI before it prints). */
  async settled(): Promise<void> {
    // A registration that finishes may start another (settings changed meanwhile): wait for those too.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()]);
  }

  private async register(adapter: AssetAdapter, assetId: string, settings: Settings): Promise<void> {
    const detection = adapter.detection();
    if (!detection?.present) throw new Error('the resource is not present');
    const cap = adapter.describe();
    const proof = await this.prove({ assetId, operation: 'registration', counterparty: '' });
    // Checked like any peer's before it counts: a proof this node could not verify is not a registration.
    this.verify(proof, assetId);
    const asset: RegisteredAsset = {
      assetId,
      kind: adapter.kind,
      owner: this.options.identity.nodeId,
      descriptor: detection.descriptor,
      capacity: { unit: cap.unit, total: cap.total, allowed: cap.allowed },
      privacyLevel: settings.privacyLevel,
      allocationType: settings.allocationType,
      registeredAt: new Date(this.now()).toISOString(),
    };
    this.options.db
      .prepare(
        `INSERT INTO assets (asset_id, kind, asset, proof, registered_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(asset_id) DO UPDATE SET asset = excluded.asset, proof = excluded.proof,
           registered_at = excluded.registered_at`,
      )
      .run(assetId, adapter.kind, JSON.stringify(asset), encodeConsensusProof(proof), asset.registeredAt);
    this.registrations.set(assetId, { asset, proof });
    this.options.onRecord?.({ type: 'registered', asset, proofDigest: proofHeaderDigest(proof) });
    this.options.log.info(`registered ${adapter.kind} asset ${assetId.slice(0, 24)}… with a four-part proof`);
  }

  /** Verifies a registration proof as a peer would (certificate, stake, beacon, all four parts). */
  verify(proof: ConsensusProof, assetId: string): void {
    this.verifyProof(proof, { assetId, operation: 'registration', counterparty: '' });
  }

  /**
   * Verifies any node's proof for `subject`. Stake: a record on the Caesar ledger (this node's copy of it), or a
   * provisional one a node declares before it has locked stake, taken from its signed proof (so PoStake then checks
   * the signature, the certificate and the declared lock, not a balance). docs/assets.md says so.
   */
  private verifyProof(
    proof: ConsensusProof,
    subject: ConsensusSubject,
    /** A tree head the prover sent along as its beacon (checked against the federation's CA keys here). */
    presented?: SignedTreeHead,
  ): VerifiedConsensusProof {
    const trust = this.options.trust;
    if (!trust) throw new Error('no TrustChain client to check the certificate');
    return verifyConsensusProof(proof, {
      subject,
      now: this.now(),
      verifyCertificate: (chain) => {
        const v = trust.verifyChain(chain);
        return { nodeId: v.nodeId, mldsaPublicKey: v.mldsaPublicKey };
      },
      stakeOf: (nodeId) =>
        nodeId === this.options.identity.nodeId
          ? this.stakeRecord()
          : proof.stake.record.ledgerRef === PROVISIONAL_LEDGER_REF && proof.stake.record.nodeId === nodeId
            ? proof.stake.record
            : this.options.ledgerStake?.(nodeId),
      checkBeacon: ctHeadBeaconChecker(
        (id) => {
          const [logHex, size] = id.split(':');
          if (
            presented &&
            Buffer.from(presented.logId).toString('hex') === logHex &&
            presented.treeSize === Number(size)
          )
            return presented;
          return trust.knownHead(logHex ?? '', Number(size))?.head;
        },
        // Signed by the key of the federation CA whose log it is: a head nobody can forge.
        (head, message, signature) => {
          const ca = trust.caOfLog(head.logId);
          return ca !== undefined && verifyNow('ml-dsa-65', signature, message, ca.mldsaPublicKey);
        },
      ),
    });
  }

  /**
   * The node's stake: what it has locked on the Caesar ledger, or until it has locked enough, a provisional record in
   * the store at the minimum the consensus rules ask for (peers take that one as declared; docs/assets.md).
   */
  private stakeRecord(): StakeRecord {
    // Stake locked on the ledger, while it is enough and locked long enough, is what PoStake shows.
    const staked = this.options.ledgerStake?.(this.options.identity.nodeId);
    const params = DEFAULT_CONSENSUS_PARAMS.stake;
    if (
      staked &&
      (parseAmount(staked.amount) ?? 0n) >= (parseAmount(params.minimum) ?? 0n) &&
      staked.lockedUntil > this.now() + params.minLockMs
    ) {
      return staked;
    }
    const row = this.options.db.prepare('SELECT value FROM meta WHERE key = ?').get(PROVISIONAL_STAKE_KEY) as
      { value: string } | undefined;
    if (row) {
      const parsed = JSON.parse(row.value) as StakeRecord;
      if (parsed.lockedUntil > this.now() + DEFAULT_CONSENSUS_PARAMS.stake.minLockMs) return parsed;
    }
    const record: StakeRecord = {
      nodeId: this.options.identity.nodeId,
      amount: DEFAULT_CONSENSUS_PARAMS.stake.minimum,
      lockedUntil: this.now() + 30 * 86_400_000,
      ledgerRef: PROVISIONAL_LEDGER_REF,
    };
    this.options.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(PROVISIONAL_STAKE_KEY, JSON.stringify(record));
    return record;
  }

  private secret(): Uint8Array {
    const key = 'assets.anonymity_key';
    const row = this.options.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    if (row) return new Uint8Array(Buffer.from(row.value, 'hex'));
    const fresh = randomBytes(32);
    this.options.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, fresh.toString('hex'));
    return fresh;
  }

  private policy(): VisibilityPolicy {
    // Groups, approved peers and networks come with the mesh; until then those levels reach nobody.
    return visibilityPolicyFrom(this.options.settings(), {
      groups: [],
      peers: [],
      networks: [],
      ownDevices: [],
      anonymityKey: this.anonymityKey,
    });
  }

  /** What a peer may see: only current registrations of shared assets, filtered by the privacy settings. */
  announcementsFor(peer: { nodeId: string; presentsAllFourProofs: boolean }) {
    const policy = this.policy();
    const out = [];
    for (const reg of this.currentRegistrations()) {
      const v = visibleTo(reg.asset, policy, { groups: [], networks: [], ...peer });
      if (v.visible)
        out.push({ announcement: v.announcement, proof: encodeConsensusProof(reg.proof).toString('base64') });
    }
    return out;
  }

  /** The digest of this node's proof for each lease it granted (recorded on the ledger with the lease). */
  private readonly leaseProofs = new Map<string, Uint8Array>();

  /** Current registrations and live leases this node granted, as the ledger should record them. */
  records(): AssetRecordEvent[] {
    const out: AssetRecordEvent[] = [];
    for (const reg of this.currentRegistrations()) {
      out.push({ type: 'registered', asset: reg.asset, proofDigest: proofHeaderDigest(reg.proof) });
    }
    if (!this.adapters) return out;
    const live = new Set<string>();
    for (const adapter of allAdapters(this.adapters)) {
      const assetId = assetIdOf(adapter, this.options.identity.nodeId);
      if (!assetId) continue;
      for (const lease of adapter.usage().leases) {
        live.add(lease.id);
        const proofDigest = this.leaseProofs.get(lease.id);
        if (proofDigest) out.push({ type: 'granted', assetId, lease, proofDigest });
      }
    }
    for (const id of this.leaseProofs.keys()) if (!live.has(id)) this.leaseProofs.delete(id);
    return out;
  }

  /** Proof digests already spent on an allocation, until they would expire anyway. */
  private readonly usedProofs = new Map<string, number>();

  private forgetUsedProofs(): void {
    const now = this.now();
    for (const [digest, until] of this.usedProofs) if (until < now) this.usedProofs.delete(digest);
  }

  /** A four-part proof by this node for `subject` (the Catalog VM proves its executions with it). */
  proveSubject(subject: ConsensusSubject): Promise<ConsensusProof> {
    return this.prove(subject);
  }

  /** Checks any node's proof for `subject` as `verify` does, with the beacon it sent along (JSON, or null). */
  verifySubject(proof: ConsensusProof, subject: ConsensusSubject, beacon: unknown): VerifiedConsensusProof {
    return this.verifyProof(proof, subject, beacon === null ? undefined : headFromJson(beacon, "the prover's beacon"));
  }

  /** The signed head this node's proofs start from, sent along so peers that have not seen it can check it. */
  beaconJson(): unknown {
    const beacon = this.options.trust?.beacon();
    return beacon ? headToJson(beacon.head) : null;
  }

  /** A consensus proof by this node for `subject` (its certificate, stake and the freshest beacon it knows). */
  private async prove(subject: ConsensusSubject): Promise<ConsensusProof> {
    const trust = this.options.trust;
    const chain = trust?.chain();
    const beacon = trust?.beacon();
    if (!trust || !chain || !beacon) {
      throw new Error('waiting for a TrustChain certificate: PoStake carries it and PoTime starts from its CA log');
    }
    const hw = this.adapters ? allAdapters(this.adapters) : [];
    const cores = hw.find((a) => a.kind === 'cpu')?.describe().total ?? 1;
    const memoryBytes = hw.find((a) => a.kind === 'memory')?.describe().total ?? 0;
    return createConsensusProof(
      {
        subject,
        location: this.options.location(),
        capacity: { cpuCores: Math.max(1, cores), memoryMiB: Math.max(1, Math.floor(memoryBytes / 2 ** 20)) },
        beacon: beaconFromTreeHead(beacon.head),
        certificateChain: chain,
        stake: this.stakeRecord(),
      },
      this.options.identity,
      { compute: this.options.compute, now: this.now },
    );
  }

  /**
   * Serves a peer's allocation request: the asset must be one this node announces to that peer, the peer's own
   * proof for this allocation must hold (all four parts, bound to this asset and this node), and the adapter must
   * have room within the user's caps. Answers with the lease and this node's proof for the same allocation.
   */
  async grant(
    peer: { nodeId: string },
    request: { assetId: string; amount: number; durationMs: number; proof: ConsensusProof; beacon?: SignedTreeHead },
  ): Promise<{ lease: Lease; proof: ConsensusProof }> {
    const reg = this.currentRegistrations().find((r) => r.asset.assetId === request.assetId);
    const visible = reg
      ? visibleTo(reg.asset, this.policy(), {
          nodeId: peer.nodeId,
          groups: [],
          networks: [],
          presentsAllFourProofs: true,
        })
      : null;
    if (!reg || !visible?.visible) throw new Error(`asset ${request.assetId} is not offered to this peer`);
    const verified = this.verifyProof(
      request.proof,
      { assetId: request.assetId, operation: 'allocation', counterparty: this.options.identity.nodeId },
      request.beacon,
    );
    if (verified.nodeId !== peer.nodeId) throw new Error("the allocation proof is not the requesting peer's");
    // A proof buys one allocation: replaying it (it stays valid for maxAgeMs) is refused.
    const digest = proofHeaderDigest(request.proof).toString('hex');
    this.forgetUsedProofs();
    if (this.usedProofs.has(digest)) throw new Error('replay: this allocation proof was already used');
    const adapter = this.adapter(reg.asset.kind);
    if (!adapter) throw new Error('the asset is not available');
    const held = adapter.usage().leases.filter((l) => l.consumer === peer.nodeId).length;
    if (held >= MAX_LEASES_PER_CONSUMER) {
      throw new Error(`the peer already holds ${held} leases on this asset (at most ${MAX_LEASES_PER_CONSUMER})`);
    }
    this.usedProofs.set(digest, request.proof.time.timestamp + DEFAULT_CONSENSUS_PARAMS.time.maxAgeMs);
    const lease = adapter.allocate({ amount: request.amount, durationMs: request.durationMs, consumer: peer.nodeId });
    try {
      const proof = await this.prove({ assetId: request.assetId, operation: 'allocation', counterparty: peer.nodeId });
      this.options.log.info(`granted ${lease.amount} ${lease.unit} of ${reg.asset.kind} to ${peer.nodeId.slice(0, 8)}`);
      const proofDigest = proofHeaderDigest(proof);
      this.leaseProofs.set(lease.id, proofDigest);
      this.options.onRecord?.({ type: 'granted', assetId: request.assetId, lease, proofDigest });
      return { lease, proof };
    } catch (err) {
      adapter.release(lease.id);
      throw err;
    }
  }

  /** The body of an `assets.allocate` call: the request with this node's proof for it and the proof's beacon. */
  async allocationRequest(
    owner: string,
    request: { assetId: string; amount: number; durationMs: number },
  ): Promise<Uint8Array> {
    const proof = await this.prove({ assetId: request.assetId, operation: 'allocation', counterparty: owner });
    return Buffer.from(
      JSON.stringify({ ...request, proof: encodeConsensusProof(proof).toString('base64'), beacon: this.beaconJson() }),
    );
  }

  /** Asks the node behind `link` for part of one of its assets, with this node's proof; checks the owner's proof. */
  async requestAllocation(
    link: PeerLink,
    request: { assetId: string; amount: number; durationMs: number },
  ): Promise<{ lease: Lease; ownerProof: VerifiedConsensusProof }> {
    const owner = link.peer.nodeId;
    const reply = await link.request('assets.allocate', await this.allocationRequest(owner, request), {
      timeoutMs: 30_000,
    });
    const parsed = parseAllocationReply(reply);
    // The owner's answer is checked like any input: the lease it reports must be the one asked for.
    const { lease } = parsed;
    if (
      lease.consumer !== this.options.identity.nodeId ||
      lease.amount !== request.amount ||
      lease.expiresAt - lease.grantedAt > request.durationMs ||
      lease.expiresAt <= lease.grantedAt
    ) {
      throw new Error('the owner answered with a lease other than the one requested');
    }
    const ownerProof = this.verifyProof(
      decodeConsensusProof(Buffer.from(parsed.proof, 'base64')),
      { assetId: request.assetId, operation: 'allocation', counterparty: this.options.identity.nodeId },
      parsed.beacon === null ? undefined : headFromJson(parsed.beacon, "the owner's beacon"),
    );
    if (ownerProof.nodeId !== owner) throw new Error('the lease is proven by a node other than the one asked');
    return { lease: parsed.lease, ownerProof };
  }

  /** `assets.list`: the assets this node announces to the calling peer. */
  serve(router: StoqRouter): void {
    router.rpc('assets.allocate', async (body, ctx) => {
      const req = parseAllocationRequest(body);
      let granted: Awaited<ReturnType<AssetRegistry['grant']>>;
      try {
        granted = await this.grant({ nodeId: ctx.peer.nodeId }, req);
      } catch (err) {
        // Over the share: a code the consumer can tell apart from other failures (its API says OVER_QUOTA).
        if (err instanceof AllocationError && err.reason === 'over-cap')
          throw new RpcError(err.message, StoqCode.OverQuota);
        throw err;
      }
      return Buffer.from(
        JSON.stringify({
          lease: granted.lease,
          proof: encodeConsensusProof(granted.proof).toString('base64'),
          beacon: this.beaconJson(),
        }),
      );
    });
    router.rpc('assets.list', (_body, ctx) =>
      Buffer.from(
        JSON.stringify({
          assets: this.announcementsFor({ nodeId: ctx.peer.nodeId, presentsAllFourProofs: false }),
          // The head the proofs start from, so a peer that has not seen it can check their PoTime beacon.
          beacon: this.beaconJson(),
        }),
      ),
    );
  }

  private currentRegistrations(): StoredRegistration[] {
    if (!this.adapters) return [];
    const settings = this.options.settings();
    if (!isSharing(settings)) return [];
    const out: StoredRegistration[] = [];
    for (const adapter of allAdapters(this.adapters)) {
      const id = assetIdOf(adapter, this.options.identity.nodeId);
      const reg = id ? this.registrations.get(id) : undefined;
      if (reg && adapter.describe().allowed > 0) out.push(reg);
    }
    return out;
  }

  views(): AssetView[] {
    if (!this.adapters) return [];
    const settings = this.options.settings();
    return allAdapters(this.adapters).map((adapter): AssetView => {
      const cap = adapter.describe();
      const usage = adapter.usage();
      const detection = adapter.detection();
      const assetId = assetIdOf(adapter, this.options.identity.nodeId);
      const shared = cap.present && cap.allowed > 0 && isSharing(settings);
      const reg = assetId ? this.registrations.get(assetId) : undefined;
      const current =
        reg !== undefined &&
        reg.asset.capacity.allowed === cap.allowed &&
        reg.asset.privacyLevel === settings.privacyLevel &&
        reg.asset.allocationType === settings.allocationType;
      const problem = assetId ? (this.problems.get(assetId) ?? null) : null;
      const state: AssetView['registration']['state'] = !shared
        ? 'not-shared'
        : current
          ? 'registered'
          : assetId && this.pending.has(assetId)
            ? 'pending'
            : problem
              ? 'failed'
              : 'pending';
      return {
        kind: adapter.kind,
        present: cap.present,
        summary: detection?.present ? detection.summary : (detection?.reason ?? cap.reason ?? 'not detected yet'),
        unit: cap.unit,
        total: cap.total,
        allowed: cap.allowed,
        inUse: usage.inUse,
        leases: usage.leases.length,
        overCommitted: cap.overCommitted,
        assetId: shared && current ? assetId : null,
        registration: {
          state,
          registeredAt: current ? reg.asset.registeredAt : null,
          proofs: current ? { space: true, stake: true, work: true, time: true } : null,
          problem: shared && !current ? problem : null,
        },
        visibility: describeVisibility(settings, shared),
      };
    });
  }

  adapter(kind: AssetAdapter['kind']): AssetAdapter | undefined {
    return this.adapters ? allAdapters(this.adapters).find((a) => a.kind === kind) : undefined;
  }
}

function parseAllocationRequest(body: Uint8Array): {
  assetId: string;
  amount: number;
  durationMs: number;
  proof: ConsensusProof;
  beacon?: SignedTreeHead;
} {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new Error('the allocation request is not valid JSON');
  }
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw new Error('the allocation request is not an object');
  if (typeof o.assetId !== 'string' || !isAssetId(o.assetId)) throw new Error('assetId is not a valid AssetId');
  if (typeof o.amount !== 'number' || !Number.isSafeInteger(o.amount) || o.amount <= 0)
    throw new Error('amount must be a positive integer');
  if (typeof o.durationMs !== 'number' || !Number.isSafeInteger(o.durationMs) || o.durationMs <= 0)
    throw new Error('durationMs must be a positive integer');
  if (typeof o.proof !== 'string' || o.proof.length > 200_000) throw new Error('proof must be base64 text');
  return {
    assetId: o.assetId,
    amount: o.amount,
    durationMs: o.durationMs,
    proof: decodeConsensusProof(Buffer.from(o.proof, 'base64')),
    ...(o.beacon === undefined || o.beacon === null ? {} : { beacon: headFromJson(o.beacon, 'the beacon') }),
  };
}

function parseAllocationReply(reply: Uint8Array): { lease: Lease; proof: string; beacon: unknown } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(reply).toString('utf8'));
  } catch {
    throw new Error("the owner's answer is not valid JSON");
  }
  const o = v as { lease?: Record<string, unknown>; proof?: unknown; beacon?: unknown } | null;
  const l = o?.lease;
  if (
    !l ||
    typeof l.id !== 'string' ||
    typeof l.kind !== 'string' ||
    typeof l.consumer !== 'string' ||
    typeof l.unit !== 'string' ||
    ![l.amount, l.grantedAt, l.expiresAt].every((n) => typeof n === 'number' && Number.isSafeInteger(n)) ||
    typeof o.proof !== 'string' ||
    o.proof.length > 200_000
  ) {
    throw new Error("the owner's answer is malformed");
  }
  return { lease: l as unknown as Lease, proof: o.proof, beacon: o.beacon ?? null };
}

function describeVisibility(settings: Settings, shared: boolean): string {
  if (!shared || settings.privacyLevel === 'Private') return 'nobody: not shared, never announced';
  const base: Record<Settings['privacyLevel'], string> = {
    Private: 'nobody',
    PrivateNetwork: 'your private groups (none listed yet)',
    P2P: 'peers you approve one by one (none yet)',
    PublicNetwork: 'the public networks this node joins (none yet)',
    FullPublic: 'every peer',
  };
  const suffix: Record<Settings['allocationType'], string> = {
    Private: ', and only your own devices',
    Public: '',
    Anonymous: ', without your identity',
    Verified: ', only peers that present all four proofs',
  };
  return `${base[settings.privacyLevel]}${suffix[settings.allocationType]}`;
}
