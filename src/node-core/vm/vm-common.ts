import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type {
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
  AssetSearchQuery,
} from '../../shared/mesh';
import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { PrivacyLevel, ResourceKind } from '../../shared/settings';
import {
  JOB_FAILURE_REASONS,
  JOB_LIMITS,
  type JobFailureReason,
  type JobRunView,
  type JobView,
  type RunJobRequest,
} from '../../shared/vm';
import type { AssetAdapter } from '../assets/index';
import { type ConsensusProof, type ConsensusSubject } from '../consensus';
import type { Logger } from '../logging/index';
import type { Db } from '../store/index';
import { RpcError, type Transport } from '../transport/index';
import { VmError } from './errors';
import { type ExecutionClaim } from './job';
import type { VmGpu } from './gpu-jobs';
import type { JobExecutor, JobLimits } from './sandbox';

/** The VM service's shared types, constants and helpers (the service is split by role: provider.ts, consumer.ts, consumer-run.ts). */

export const VmMethod = { Run: 'vm.run' } as const;

/** Results come back in one STOQ frame (1 MiB) with the proof. */
export const VM_MAX_OUTPUT_BYTES = 768 * 1024;
/** How long the CPU and memory leases taken for jobs last (reused by later jobs meanwhile). */
export const VM_LEASE_MS = 30 * 60_000;
/** Memory leased per provider at least, so later jobs fit without a new lease. */
export const VM_MIN_MEMORY_LEASE = 256 * 2 ** 20;
/** A quorum short of agreement asks at most this many more providers. */
export const EXTRA_PROVIDERS = 2;

export interface VmAssets {
  adapter(kind: AssetAdapter['kind']): AssetAdapter | undefined;
  assetIdOf(kind: ResourceKind): string | undefined;
  proveSubject(subject: ConsensusSubject): Promise<ConsensusProof>;
  verifySubject(proof: ConsensusProof, subject: ConsensusSubject, beacon: unknown): { nodeId: string };
  beaconJson(): unknown;
}

export interface VmMesh {
  search(query: AssetSearchQuery): readonly RemoteAssetView[];
  allocate(
    request: RemoteAllocationRequest,
    signal?: AbortSignal,
    options?: { billing?: 'usage' },
  ): Promise<RemoteAllocationView>;
  /** Gives back a lease held at a peer before its end; false when the peer holds no such lease of this node's. */
  release(leaseId: string, signal?: AbortSignal): Promise<boolean>;
  penalize(nodeId: string, reason: string): number | null;
  trustScoreOf(nodeId: string): number;
}

export interface VmLedger {
  queueUsage(usage: {
    leaseId: string;
    assetId: string;
    provider: string;
    resource: ResourceKind;
    amount: bigint;
    durationMs: number;
  }): void;
  privacyOf(assetId: string): PrivacyLevel | undefined;
}

export interface VmServiceOptions {
  readonly db: Db;
  readonly nodeId: string;
  readonly deriveSecret: (label: string) => Uint8Array;
  readonly stoq: Transport;
  readonly log: Logger;
  readonly executor: JobExecutor;
  /** GPU jobs (kind 'wgsl'): absent on a node that offers no GPU (its wgsl jobs are refused as 'no-adapter'). */
  readonly gpu?: VmGpu;
  readonly assets: VmAssets;
  readonly mesh?: VmMesh;
  readonly ledger?: () => VmLedger | undefined;
  /** Reads bytes of one of this node's remote memory pools (decrypted), for job input. */
  readonly readPool?: (address: string, offset: number, length: number) => Promise<Uint8Array>;
  readonly now?: () => number;
  /** A job run here for a peer finished (completed or failed), with its final view. */
  readonly onJobFinished?: (job: JobView) => void;
}

export interface Candidate {
  readonly provider: string;
  /** A wgsl job's: `cpu` and `memory` are then both the provider's GPU asset (one lease on its VRAM). */
  readonly gpu: boolean;
  readonly cpu: RemoteAssetView;
  readonly memory: RemoteAssetView;
}

export interface VmLeases {
  readonly cpuAssetId: string;
  readonly cpuLeaseId: string;
  readonly memoryAssetId: string;
  readonly memoryLeaseId: string;
  readonly memoryBytes: number;
  readonly expiresAt: number;
}

/** One provider's run as the consumer checked it, with the opened output. */
export interface CheckedRun {
  readonly view: JobRunView;
  /** Set when the run's proof and output checked out: what it claims and its output. */
  readonly claim?: ExecutionClaim;
  readonly output?: Buffer;
  readonly leases?: VmLeases;
  readonly candidate?: Candidate;
}

export const HEX32 = /^[0-9a-f]{64}$/;
export const JOB_ID = /^[0-9a-f]{32}$/;

export function kemKeys(deriveSecret: (label: string) => Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const seed = new Uint8Array(64);
  seed.set(deriveSecret('vm/ml-kem-768/a/v1'), 0);
  seed.set(deriveSecret('vm/ml-kem-768/b/v1'), 32);
  return ml_kem768.keygen(seed);
}

/** The limits a request asks for, with the defaults filled in. */
export function resolveLimits(request: RunJobRequest['limits']): JobLimits {
  const l = request ?? {};
  return {
    cpuMs: (l.cpuSeconds ?? JOB_LIMITS.cpuSeconds.default) * 1000,
    wallMs: (l.wallSeconds ?? JOB_LIMITS.wallSeconds.default) * 1000,
    memoryBytes: (l.memoryMiB ?? JOB_LIMITS.memoryMiB.default) * 2 ** 20,
    outputBytes: Math.min((l.outputKiB ?? JOB_LIMITS.outputKiB.default) * 1024, VM_MAX_OUTPUT_BYTES),
  };
}

export function emptyUsage(): JobRunView['usage'] {
  return { cpuMs: 0, wallMs: 0, memoryPeakBytes: 0 };
}

/** What a failure is, from an error thrown anywhere on the way to a provider and back. */
export function failureOf(err: unknown): { reason: JobFailureReason; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof VmError) return { reason: err.reason, message: message.slice(err.reason.length + 2) };
  // A provider's VmError arrives as data: its code and reason, and its own message (`reason: text`).
  const reason = err instanceof RpcError && err.remote?.code === ErrorCode.JobFailed ? err.remote.reason : undefined;
  const known = JOB_FAILURE_REASONS.find((r) => r === reason);
  if (known && err instanceof RpcError && err.remoteMessage !== undefined) {
    const text = err.remoteMessage;
    return { reason: known, message: text.startsWith(`${known}: `) ? text.slice(known.length + 2) : text };
  }
  // The provider answered, and would not lease within its share now: a refusal, not a provider out of reach.
  if (err instanceof HyperMeshError && err.code === ErrorCode.OverQuota) return { reason: 'refused', message };
  return { reason: 'unreachable', message };
}

/** What the provider and consumer halves of the VM share: the options, the clock and this node's KEM keys. */
export interface VmContext {
  readonly options: VmServiceOptions;
  readonly now: () => number;
  readonly kem: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
}
