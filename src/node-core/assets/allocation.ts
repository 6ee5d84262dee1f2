import { RESOURCE_KINDS } from '../../shared/settings';
import {
  DEFAULT_CONSENSUS_PARAMS,
  decodeConsensusProof,
  encodeConsensusProof,
  proofHeaderDigest,
  type ConsensusProof,
  type VerifiedConsensusProof,
} from '../consensus';
import type { NodeIdentity } from '../identity/index';
import type { Logger } from '../logging/index';
import type { SignedTreeHead } from '../trust/index';
import { headFromJson } from '../trust/index';
import { RpcError, callJson, encodeJsonBody, handleJson, type StoqRouter } from '../transport/index';
import { StoqCode } from '../transport/index';
import type { PeerLink } from '../transport/index';
import type { AssetAdapter, Lease } from './adapter';
import { isAssetId } from './asset-id';
import { AllocationError } from './errors';
import type { AssetProver } from './prover';
import type { RegisteredAsset } from './registry-types';

/**
 * Allocations between nodes, both sides: granting a peer part of an asset this node offers it (`assets.allocate`,
 * each side proving the allocation with a four-part proof), and asking a peer for part of one of its assets.
 */

/** Leases one consumer may hold on one asset at once (a cheap flood of tiny leases is refused). */
const MAX_LEASES_PER_CONSUMER = 8;

/** What allocations need of the registry. */
export interface AllocationHost {
  /** The registered asset, if it is offered to this peer now (current, shared and visible to it). */
  offeredTo(assetId: string, nodeId: string): RegisteredAsset | undefined;
  adapter(kind: AssetAdapter['kind']): AssetAdapter | undefined;
  /** A lease was granted with this node's proof (recorded on the ledger). */
  granted(assetId: string, lease: Lease, proofDigest: Uint8Array): void;
}

export interface AllocatorOptions {
  readonly identity: NodeIdentity;
  readonly log: Logger;
  readonly now: () => number;
  readonly prover: AssetProver;
  readonly host: AllocationHost;
}

export class Allocator {
  private readonly prover: AssetProver;
  private readonly host: AllocationHost;

  constructor(private readonly options: AllocatorOptions) {
    this.prover = options.prover;
    this.host = options.host;
  }

  /** `assets.allocate`: a peer's allocation request, answered with the lease and this node's proof. */
  serve(router: StoqRouter): void {
    const notJson = () => new Error('the allocation request is not valid JSON');
    handleJson(router, 'assets.allocate', { validate: parseAllocationRequest, notJson }, async (req, ctx) => {
      let granted: Awaited<ReturnType<Allocator['grant']>>;
      try {
        granted = await this.grant({ nodeId: ctx.peer.nodeId }, req);
      } catch (err) {
        // Over the share: a code the consumer can tell apart from other failures (its API says OVER_QUOTA).
        if (err instanceof AllocationError && err.reason === 'over-cap')
          throw new RpcError(err.message, StoqCode.OverQuota);
        throw err;
      }
      return {
        lease: granted.lease,
        proof: encodeConsensusProof(granted.proof).toString('base64'),
        beacon: this.prover.beaconJson(),
      };
    });
  }

  /**
   * `assets.release`: a consumer gives back a lease before its end (one it no longer needs: its leases count against
   * the owner's share until then). Only the peer holding a lease may release it; any other lease id, ended or not the
   * caller's, is answered `released: false`, so a peer learns nothing of others' leases.
   */
  serveRelease(router: StoqRouter): void {
    const notJson = () => new Error('the release request is not valid JSON');
    handleJson(router, 'assets.release', { validate: parseReleaseRequest, notJson }, (req, ctx) => {
      for (const kind of RESOURCE_KINDS) {
        const adapter = this.host.adapter(kind);
        const lease = adapter?.usage().leases.find((l) => l.id === req.leaseId);
        if (!adapter || !lease) continue;
        if (lease.consumer !== ctx.peer.nodeId) break;
        adapter.release(lease.id);
        this.options.log.info(`${ctx.peer.nodeId.slice(0, 8)} released its ${kind} lease ${lease.id.slice(0, 8)}`);
        return { released: true };
      }
      return { released: false };
    });
  }

  /** Gives a lease this node holds back to the node behind `link`; false when that node holds no such lease of ours. */
  async requestRelease(link: PeerLink, leaseId: string, signal?: AbortSignal): Promise<boolean> {
    const reply = await callJson(
      link,
      'assets.release',
      { leaseId },
      { timeoutMs: 15_000, validate: parseReleaseReply, ...(signal ? { signal } : {}) },
    );
    return reply.released;
  }

  /** Proof digests already spent on an allocation, until they would expire anyway. */
  private readonly usedProofs = new Map<string, number>();

  private forgetUsedProofs(): void {
    const now = this.options.now();
    for (const [digest, until] of this.usedProofs) if (until < now) this.usedProofs.delete(digest);
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
    const reg = this.host.offeredTo(request.assetId, peer.nodeId);
    if (!reg) throw new Error(`asset ${request.assetId} is not offered to this peer`);
    const verified = this.prover.verify(
      request.proof,
      { assetId: request.assetId, operation: 'allocation', counterparty: this.options.identity.nodeId },
      request.beacon,
    );
    if (verified.nodeId !== peer.nodeId) throw new Error("the allocation proof is not the requesting peer's");
    // A proof buys one allocation: replaying it (it stays valid for maxAgeMs) is refused.
    const digest = proofHeaderDigest(request.proof).toString('hex');
    this.forgetUsedProofs();
    if (this.usedProofs.has(digest)) throw new Error('replay: this allocation proof was already used');
    const adapter = this.host.adapter(reg.kind);
    if (!adapter) throw new Error('the asset is not available');
    const held = adapter.usage().leases.filter((l) => l.consumer === peer.nodeId).length;
    if (held >= MAX_LEASES_PER_CONSUMER) {
      throw new Error(`the peer already holds ${held} leases on this asset (at most ${MAX_LEASES_PER_CONSUMER})`);
    }
    this.usedProofs.set(digest, request.proof.time.timestamp + DEFAULT_CONSENSUS_PARAMS.time.maxAgeMs);
    const lease = adapter.allocate({ amount: request.amount, durationMs: request.durationMs, consumer: peer.nodeId });
    try {
      const proof = await this.prover.prove({
        assetId: request.assetId,
        operation: 'allocation',
        counterparty: peer.nodeId,
      });
      this.options.log.info(`granted ${lease.amount} ${lease.unit} of ${reg.kind} to ${peer.nodeId.slice(0, 8)}`);
      const proofDigest = proofHeaderDigest(proof);
      this.host.granted(request.assetId, lease, proofDigest);
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
    return encodeJsonBody(await this.allocationRequestJson(owner, request));
  }

  private async allocationRequestJson(owner: string, request: { assetId: string; amount: number; durationMs: number }) {
    const proof = await this.prover.prove({ assetId: request.assetId, operation: 'allocation', counterparty: owner });
    return { ...request, proof: encodeConsensusProof(proof).toString('base64'), beacon: this.prover.beaconJson() };
  }

  /** Asks the node behind `link` for part of one of its assets, with this node's proof; checks the owner's proof. */
  async requestAllocation(
    link: PeerLink,
    request: { assetId: string; amount: number; durationMs: number },
  ): Promise<{ lease: Lease; ownerProof: VerifiedConsensusProof }> {
    const owner = link.peer.nodeId;
    const body = await this.allocationRequestJson(owner, request);
    const parsed = await callJson(link, 'assets.allocate', body, { timeoutMs: 30_000, validate: parseAllocationReply });
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
    const ownerProof = this.prover.verify(
      decodeConsensusProof(Buffer.from(parsed.proof, 'base64')),
      { assetId: request.assetId, operation: 'allocation', counterparty: this.options.identity.nodeId },
      parsed.beacon === null ? undefined : headFromJson(parsed.beacon, "the owner's beacon"),
    );
    if (ownerProof.nodeId !== owner) throw new Error('the lease is proven by a node other than the one asked');
    return { lease: parsed.lease, ownerProof };
  }
}

function parseAllocationRequest(v: unknown): {
  assetId: string;
  amount: number;
  durationMs: number;
  proof: ConsensusProof;
  beacon?: SignedTreeHead;
} {
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

/** Lease ids are the owner's (`cpu-…`, base-adapter.ts); anything this long is not one. */
const MAX_LEASE_ID_LENGTH = 128;

function parseReleaseRequest(v: unknown): { leaseId: string } {
  const o = v as { leaseId?: unknown } | null;
  if (typeof o !== 'object' || o === null) throw new Error('the release request is not an object');
  if (typeof o.leaseId !== 'string' || o.leaseId.length === 0 || o.leaseId.length > MAX_LEASE_ID_LENGTH) {
    throw new Error(`leaseId must be a string of 1–${MAX_LEASE_ID_LENGTH} characters`);
  }
  return { leaseId: o.leaseId };
}

function parseReleaseReply(v: unknown): { released: boolean } {
  const o = v as { released?: unknown } | null;
  if (typeof o?.released !== 'boolean') throw new Error("the owner's answer to a release is malformed");
  return { released: o.released };
}

function parseAllocationReply(v: unknown): { lease: Lease; proof: string; beacon: unknown } {
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
