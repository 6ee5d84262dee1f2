import type { WebGpuProbe } from './gpu-adapter';
import { randomBytes } from 'node:crypto';
import type { AssetView } from '../../shared/assets';
import { isSharing } from '../../shared/privacy';
import type { ResourceKind, Settings } from '../../shared/settings';
import {
  DEFAULT_CONSENSUS_PARAMS,
  decodeConsensusProof,
  encodeConsensusProof,
  proofHeaderDigest,
  type ConsensusCompute,
  type ConsensusProof,
  type ConsensusSubject,
  type VerifiedConsensusProof,
} from '../consensus';
import type { HardwareProbe } from '../hardware/index';
import type { NodeIdentity } from '../identity/index';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import { handleJson, ignoreReply, type StoqRouter } from '../transport/index';
import { headFromJson } from '../trust/index';
import type { TrustClient } from '../trust/index';
import type { AssetAdapter } from './adapter';
import { Allocator } from './allocation';
import {
  allAdapters,
  applySettings,
  assetIdOf,
  closeAll,
  createAssetAdapters,
  type AssetAdapters,
} from './create-adapters';
import type { AssetLedger, AssetRecordEvent } from './ledger-link';
import { AssetProver } from './prover';
import { assetViews } from './registry-views';
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
  /** Told when what this node offers may have changed (a registration made, settings applied), to announce it. */
  readonly onChange?: () => void;
  /**
   * What the sharing rules allow now, percent per resource (the governor's decision). Memory takes it as a ceiling
   * for new leases and the pool's size; CPU and GPU leases follow the sliders (their jobs are slowed instead).
   */
  readonly allowance?: () => Readonly<Partial<Record<ResourceKind, { readonly percent: number }>>> | undefined;
}

export type { AssetRecordEvent } from './ledger-link';

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
  private ledger: AssetLedger | undefined;
  private readonly prover: AssetProver;
  private readonly allocator: Allocator;

  constructor(private readonly options: AssetRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.prover = new AssetProver({
      db: options.db,
      identity: options.identity,
      trust: options.trust,
      location: options.location,
      compute: options.compute,
      now: this.now,
      hardware: () => (this.adapters ? allAdapters(this.adapters) : []),
    });
    this.allocator = new Allocator({
      identity: options.identity,
      log: options.log,
      now: this.now,
      prover: this.prover,
      host: {
        offeredTo: (assetId, nodeId) => {
          const reg = this.currentRegistrations().find((r) => r.asset.assetId === assetId);
          const peer = { nodeId, groups: [], networks: [], presentsAllFourProofs: true };
          return reg && visibleTo(reg.asset, this.policy(), peer).visible ? reg.asset : undefined;
        },
        adapter: (kind) => this.adapter(kind),
        granted: (assetId, lease, proofDigest) => {
          this.leaseProofs.set(lease.id, proofDigest);
          this.ledger?.record({ type: 'granted', assetId, lease, proofDigest });
        },
      },
    });
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

  /**
   * The Caesar ledger, once it runs (it starts after the registry): PoStake uses its stake records, and it records
   * each registration and granted lease.
   */
  useLedger(ledger: AssetLedger | undefined): void {
    this.ledger = ledger;
    this.prover.ledger = ledger;
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
      // A GPU found by a later probe is registered and announced like one found at start.
      onGpuRedetected: () => {
        if (this.stopped) return;
        this.registerShared();
        this.options.onChange?.();
      },
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
    const proof = await this.prover.prove({ assetId, operation: 'registration', counterparty: '' });
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
    this.ledger?.record({ type: 'registered', asset, proofDigest: proofHeaderDigest(proof) });
    this.options.log.info(`registered ${adapter.kind} asset ${assetId.slice(0, 24)}… with a four-part proof`);
  }

  /** Verifies a registration proof as a peer would (certificate, stake, beacon, all four parts). */
  verify(proof: ConsensusProof, assetId: string): void {
    this.prover.verify(proof, { assetId, operation: 'registration', counterparty: '' });
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

  /** A four-part proof by this node for `subject` (the Catalog VM proves its executions with it). */
  proveSubject(subject: ConsensusSubject): Promise<ConsensusProof> {
    return this.prover.prove(subject);
  }

  /** Checks any node's proof for `subject` as `verify` does, with the beacon it sent along (JSON, or null). */
  verifySubject(proof: ConsensusProof, subject: ConsensusSubject, beacon: unknown): VerifiedConsensusProof {
    return this.prover.verify(
      proof,
      subject,
      beacon === null ? undefined : headFromJson(beacon, "the prover's beacon"),
    );
  }

  /** The signed head this node's proofs start from, sent along so peers that have not seen it can check it. */
  beaconJson(): unknown {
    return this.prover.beaconJson();
  }

  /** Serves a peer's allocation request (Allocator.grant). */
  grant(...args: Parameters<Allocator['grant']>): ReturnType<Allocator['grant']> {
    return this.allocator.grant(...args);
  }

  /** The body of an `assets.allocate` call (Allocator.allocationRequest). */
  allocationRequest(...args: Parameters<Allocator['allocationRequest']>): Promise<Uint8Array> {
    return this.allocator.allocationRequest(...args);
  }

  /** Asks the node behind `link` for part of one of its assets (Allocator.requestAllocation). */
  requestAllocation(...args: Parameters<Allocator['requestAllocation']>): ReturnType<Allocator['requestAllocation']> {
    return this.allocator.requestAllocation(...args);
  }

  /** Gives back a lease held at the node behind `link` (Allocator.requestRelease). */
  requestRelease(...args: Parameters<Allocator['requestRelease']>): ReturnType<Allocator['requestRelease']> {
    return this.allocator.requestRelease(...args);
  }

  /** `assets.list` (the assets this node announces to the calling peer), `assets.allocate` and `assets.release`. */
  serve(router: StoqRouter): void {
    this.allocator.serve(router);
    this.allocator.serveRelease(router);
    handleJson(router, 'assets.list', { validate: ignoreReply, emptyIsUndefined: true }, (_none, ctx) => ({
      assets: this.announcementsFor({ nodeId: ctx.peer.nodeId, presentsAllFourProofs: false }),
      // The head the proofs start from, so a peer that has not seen it can check their PoTime beacon.
      beacon: this.beaconJson(),
    }));
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
    return assetViews({
      adapters: allAdapters(this.adapters),
      nodeId: this.options.identity.nodeId,
      settings: this.options.settings(),
      registered: (assetId) => this.registrations.get(assetId)?.asset,
      pending: (assetId) => this.pending.has(assetId),
      problem: (assetId) => this.problems.get(assetId) ?? null,
    });
  }

  adapter(kind: AssetAdapter['kind']): AssetAdapter | undefined {
    return this.adapters ? allAdapters(this.adapters).find((a) => a.kind === kind) : undefined;
  }
}
