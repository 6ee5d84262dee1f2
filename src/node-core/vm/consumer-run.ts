import { formatAmount } from '../../shared/amount';
import type { PrivacyLevel } from '../../shared/settings';
import { type JobFailureReason, type JobKind, type JobRunView } from '../../shared/vm';
import { decodeConsensusProof } from '../consensus';
import { rewardUnits } from '../ledger/index';
import { VmError } from './errors';
import {
  decodeReply,
  executionCommitment,
  executionCounterparty,
  openOutput,
  sha256Hex,
  type ExecutionClaim,
} from './job';
import {
  VmMethod,
  VM_LEASE_MS,
  VM_MIN_MEMORY_LEASE,
  type VmMesh,
  type VmServiceOptions,
  type Candidate,
  type VmLeases,
  type CheckedRun,
  HEX32,
  emptyUsage,
  failureOf,
  type VmContext,
} from './vm-common';
import type { JobLimits } from './sandbox';

/** A job as sent to each provider: the facts the claim must repeat, and the bytes. */
export interface JobToSend {
  readonly job: {
    readonly jobId: string;
    readonly kind: JobKind;
    readonly codeHash: string;
    readonly inputHash: string;
    readonly argsHash: string;
    readonly limits: JobLimits;
  };
  readonly code: Buffer;
  readonly input: Buffer;
  readonly args: readonly string[];
}

/** How long giving back an unused lease may take before the next allocation goes ahead without it. */
const RELEASE_TIMEOUT_MS = 15_000;

/** A lease long enough for many jobs, and at least for this one's wall-clock limit and its proof. */
export function leaseDurationFor(limits: JobLimits): number {
  return Math.max(VM_LEASE_MS, limits.wallMs + 120_000);
}

/** VRAM leased per provider for GPU jobs at least, so later jobs fit without a new lease. */
const GPU_MIN_LEASE = 64 * 2 ** 20;

/** The consumer side's run at one provider: leases, the request, and checking the proof and output; payment. */
export class ProviderRuns {
  private readonly options: VmServiceOptions;
  private readonly now: () => number;
  private readonly kem: VmContext['kem'];
  /** One job at a time per provider, so usage receipts stay within the leases' time. */
  private readonly providerQueues = new Map<string, Promise<unknown>>();
  /** GPU leases for wgsl jobs, per provider: kept in memory only (a restarted node takes new ones). */
  private readonly gpuLeases = new Map<string, VmLeases>();

  constructor(ctx: VmContext) {
    this.options = ctx.options;
    this.now = ctx.now;
    this.kem = ctx.kem;
  }

  /** The CPU and memory leases for jobs at a provider: reused while they last, taken anew otherwise. */
  private async leasesAt(c: Candidate, limits: JobLimits, signal?: AbortSignal): Promise<VmLeases> {
    const now = this.now();
    if (c.gpu) return this.gpuLeaseAt(c, limits, signal);
    const row = this.options.db.prepare('SELECT * FROM vm_leases WHERE provider = ?').get(c.provider) as
      | {
          cpu_asset_id: string;
          cpu_lease_id: string;
          memory_asset_id: string;
          memory_lease_id: string;
          memory_bytes: number;
          expires_at: number;
        }
      | undefined;
    if (
      row &&
      row.cpu_asset_id === c.cpu.assetId &&
      row.memory_asset_id === c.memory.assetId &&
      row.memory_bytes >= limits.memoryBytes &&
      row.expires_at > now + limits.wallMs + 10_000
    ) {
      return {
        cpuAssetId: row.cpu_asset_id,
        cpuLeaseId: row.cpu_lease_id,
        memoryAssetId: row.memory_asset_id,
        memoryLeaseId: row.memory_lease_id,
        memoryBytes: row.memory_bytes,
        expiresAt: row.expires_at,
      };
    }
    const mesh = this.options.mesh as VmMesh;
    // The leases held there no longer fit this job: given back first, or they would hold the provider's share (its
    // only CPU slot, say) until they end, and the new ones could be refused.
    if (row) {
      this.options.db.prepare('DELETE FROM vm_leases WHERE provider = ?').run(c.provider);
      await this.giveBack(c.provider, [row.cpu_lease_id, row.memory_lease_id], signal);
    }
    const memoryBytes = Math.min(c.memory.capacity.allowed, Math.max(limits.memoryBytes, VM_MIN_MEMORY_LEASE));
    const durationMs = leaseDurationFor(limits);
    const cpuLease = await mesh.allocate({ assetId: c.cpu.assetId, amount: 1, durationMs }, signal, {
      billing: 'usage',
    });
    const memoryLease = await mesh.allocate({ assetId: c.memory.assetId, amount: memoryBytes, durationMs }, signal, {
      billing: 'usage',
    });
    const leases: VmLeases = {
      cpuAssetId: c.cpu.assetId,
      cpuLeaseId: cpuLease.leaseId,
      memoryAssetId: c.memory.assetId,
      memoryLeaseId: memoryLease.leaseId,
      memoryBytes,
      expiresAt: Math.min(Date.parse(cpuLease.expiresAt), Date.parse(memoryLease.expiresAt)),
    };
    this.options.db
      .prepare(
        `INSERT OR REPLACE INTO vm_leases (provider, cpu_asset_id, cpu_lease_id, memory_asset_id, memory_lease_id,
           memory_bytes, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.provider,
        leases.cpuAssetId,
        leases.cpuLeaseId,
        leases.memoryAssetId,
        leases.memoryLeaseId,
        leases.memoryBytes,
        leases.expiresAt,
      );
    return leases;
  }

  /** A lease on the provider's GPU (VRAM for the buffers) for wgsl jobs: reused while it lasts and is big enough. */
  private async gpuLeaseAt(c: Candidate, limits: JobLimits, signal?: AbortSignal): Promise<VmLeases> {
    const held = this.gpuLeases.get(c.provider);
    if (
      held &&
      held.cpuAssetId === c.cpu.assetId &&
      held.memoryBytes >= limits.memoryBytes &&
      held.expiresAt > this.now() + limits.wallMs + 10_000
    ) {
      return held;
    }
    if (held) {
      this.gpuLeases.delete(c.provider);
      await this.giveBack(c.provider, [held.cpuLeaseId], signal);
    }
    const bytes = Math.min(c.cpu.capacity.allowed, Math.max(limits.memoryBytes, GPU_MIN_LEASE));
    const lease = await (this.options.mesh as VmMesh).allocate(
      { assetId: c.cpu.assetId, amount: bytes, durationMs: leaseDurationFor(limits) },
      signal,
      { billing: 'usage' },
    );
    // One lease is both the "compute" and the "memory" lease of a GPU job.
    const id = { assetId: c.cpu.assetId, leaseId: lease.leaseId };
    const expiresAt = Date.parse(lease.expiresAt);
    const leases: VmLeases = {
      cpuAssetId: id.assetId,
      cpuLeaseId: id.leaseId,
      memoryAssetId: id.assetId,
      memoryLeaseId: id.leaseId,
      memoryBytes: bytes,
      expiresAt,
    };
    this.gpuLeases.set(c.provider, leases);
    return leases;
  }

  /**
   * Gives back leases held at a provider that no job of this node uses now (jobs there run one at a time). Best
   * effort: a provider that cannot be reached keeps them until they end, and the new allocation says so if it must.
   */
  private async giveBack(provider: string, leaseIds: readonly string[], signal?: AbortSignal): Promise<void> {
    const mesh = this.options.mesh as VmMesh;
    const bound = AbortSignal.timeout(RELEASE_TIMEOUT_MS);
    for (const leaseId of leaseIds) {
      try {
        await mesh.release(leaseId, signal ? AbortSignal.any([signal, bound]) : bound);
      } catch (err) {
        this.options.log.warn(
          `lease ${leaseId.slice(0, 12)} at ${provider.slice(0, 8)} kept: ${(err as Error).message}`,
        );
      }
    }
  }

  /** Runs the job at one provider (after any job already running there) and checks what comes back. */
  runOn(c: Candidate, req: JobToSend, signal?: AbortSignal): Promise<CheckedRun> {
    const previous = this.providerQueues.get(c.provider) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.runChecked(c, req, signal));
    this.providerQueues.set(c.provider, run);
    void run.finally(() => {
      if (this.providerQueues.get(c.provider) === run) this.providerQueues.delete(c.provider);
    });
    return run;
  }

  private async runChecked(c: Candidate, req: JobToSend, signal?: AbortSignal): Promise<CheckedRun> {
    const { job, code, input, args } = req;
    const failed = (
      failure: { reason: JobFailureReason; message: string },
      proof: JobRunView['proof'],
    ): CheckedRun => ({
      view: {
        provider: c.provider,
        status: 'failed',
        outputHash: null,
        exitCode: null,
        usage: emptyUsage(),
        failure,
        proof,
        agreed: null,
        paid: '0',
      },
    });
    let leases: VmLeases | undefined;
    let reply: Uint8Array | undefined;
    // Leases taken earlier may be gone (the provider restarted, or ended them): then once more with new ones.
    for (let attempt = 0; reply === undefined; attempt++) {
      try {
        leases = await this.leasesAt(c, job.limits, signal);
        const link = await this.options.stoq.dialNode(c.provider, signal ?? AbortSignal.timeout(15_000));
        const meta = {
          jobId: job.jobId,
          leaseId: leases.cpuLeaseId,
          memoryLeaseId: leases.memoryLeaseId,
          kind: job.kind,
          args,
          limits: job.limits,
          codeLength: code.length,
          inputLength: input.length,
          kem: Buffer.from(this.kem.publicKey).toString('base64'),
        };
        reply = await link.bulk(VmMethod.Run, Buffer.from(JSON.stringify(meta)), [code, input], {
          // The run itself, then the provider's four-part proof.
          timeoutMs: job.limits.wallMs + 120_000,
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        const failure = failureOf(err);
        const staleLease = failure.reason === 'no-lease';
        if (staleLease && c.gpu) this.gpuLeases.delete(c.provider);
        else if (staleLease) this.options.db.prepare('DELETE FROM vm_leases WHERE provider = ?').run(c.provider);
        if (staleLease && attempt === 0) continue;
        this.options.log.warn(
          `job ${job.jobId.slice(0, 8)} at ${c.provider.slice(0, 8)}: ${failure.reason}: ${failure.message}`,
        );
        return failed(failure, 'none');
      }
    }
    if (!leases) return failed({ reason: 'refused', message: 'no leases' }, 'none');
    try {
      const { json, bytes } = decodeReply(reply);
      const r = json as { claim?: ExecutionClaim; failureMessage?: unknown; proof?: unknown; beacon?: unknown };
      const claim = r.claim;
      // Every fact the consumer knows must be the one it sent; the rest is the provider's claim, proven below.
      if (
        !claim ||
        claim.jobId !== job.jobId ||
        claim.consumer !== this.options.nodeId ||
        claim.provider !== c.provider ||
        claim.leaseId !== leases.cpuLeaseId ||
        claim.kind !== job.kind ||
        claim.codeHash !== job.codeHash ||
        claim.inputHash !== job.inputHash ||
        claim.argsHash !== job.argsHash ||
        JSON.stringify(claim.limits) !== JSON.stringify(job.limits) ||
        typeof claim.outputHash !== 'string' ||
        !HEX32.test(claim.outputHash) ||
        !(claim.exitCode === null || Number.isSafeInteger(claim.exitCode)) ||
        !(claim.failure === null || typeof claim.failure === 'string') ||
        ![claim.cpuMs, claim.wallMs, claim.memoryPeakBytes].every((n) => Number.isSafeInteger(n) && n >= 0) ||
        claim.memoryPeakBytes > job.limits.memoryBytes ||
        (job.kind === 'wgsl'
          ? typeof claim.device !== 'string' || claim.device.length > 200
          : claim.device !== undefined) ||
        typeof r.proof !== 'string'
      ) {
        throw new VmError('bad-proof', 'the reply does not describe the job that was sent');
      }
      const counterparty = executionCounterparty(claim);
      const verified = this.options.assets.verifySubject(
        decodeConsensusProof(Buffer.from(r.proof, 'base64')),
        { assetId: c.cpu.assetId, operation: 'execution', counterparty },
        r.beacon ?? null,
      );
      if (verified.nodeId !== c.provider) throw new VmError('bad-proof', 'the proof is by another node');
      const output = openOutput(bytes, this.kem.secretKey, executionCommitment(claim));
      if (sha256Hex(output) !== claim.outputHash) {
        throw new VmError('bad-proof', 'the output is not the one the proof commits to');
      }
      if (output.length > job.limits.outputBytes) throw new VmError('bad-proof', 'the output is over the limit');
      const message = typeof r.failureMessage === 'string' ? r.failureMessage.slice(0, 1000) : '';
      return {
        claim,
        output,
        leases,
        candidate: c,
        view: {
          provider: c.provider,
          status: claim.failure ? 'failed' : 'completed',
          outputHash: claim.failure ? null : claim.outputHash,
          exitCode: claim.exitCode,
          usage: { cpuMs: claim.cpuMs, wallMs: claim.wallMs, memoryPeakBytes: claim.memoryPeakBytes },
          failure: claim.failure ? { reason: claim.failure, message } : null,
          proof: 'verified',
          agreed: null,
          paid: '0',
          leaseIds: [...new Set([leases.cpuLeaseId, leases.memoryLeaseId])],
          ...(claim.device === undefined ? {} : { device: claim.device }),
        },
      };
    } catch (err) {
      const failure = failureOf(err);
      const reason: JobFailureReason = failure.reason === 'unreachable' ? 'bad-proof' : failure.reason;
      this.options.mesh?.penalize(c.provider, `job ${job.jobId.slice(0, 8)}: ${failure.message}`);
      this.options.log.warn(
        `job ${job.jobId.slice(0, 8)} at ${c.provider.slice(0, 8)}: the result does not check out: ${failure.message}`,
      );
      return failed({ reason, message: failure.message }, 'invalid');
    }
  }

  /** Queues the usage receipts for an accepted run; returns what they pay (the ledger's formula), in Caesar. */
  pay(run: CheckedRun): string {
    const ledger = this.options.ledger?.();
    const claim = run.claim;
    const leases = run.leases;
    if (!ledger || !claim || !leases) return '0';
    // The level the ledger registered (what the reward is computed with), else the one announced.
    const announced = run.candidate?.cpu.privacyLevel ?? 'Private';
    const level = (assetId: string): PrivacyLevel => ledger.privacyOf(assetId) ?? announced;
    if (claim.kind === 'wgsl') {
      // GPU: the job's share of the GPU — the VRAM reserved for it (its memory limit, within the lease) — for the
      // GPU time it used, at the reward formula's GPU weight.
      const gpuMs = Math.max(1, claim.cpuMs);
      const held = BigInt(Math.max(1, Math.min(claim.limits.memoryBytes, leases.memoryBytes)));
      ledger.queueUsage({
        leaseId: leases.cpuLeaseId,
        assetId: leases.cpuAssetId,
        provider: claim.provider,
        resource: 'gpu',
        amount: held,
        durationMs: gpuMs,
      });
      const privacyLevel = level(leases.cpuAssetId);
      return formatAmount(rewardUnits({ kind: 'gpu', amount: held, durationMs: BigInt(gpuMs), privacyLevel }));
    }
    // CPU: one slot for the CPU time used; memory: the peak for the time the job ran (at least a millisecond).
    const cpuMs = Math.max(1, claim.cpuMs);
    const wallMs = Math.max(1, claim.wallMs);
    const memory = BigInt(Math.min(claim.memoryPeakBytes, leases.memoryBytes));
    ledger.queueUsage({
      leaseId: leases.cpuLeaseId,
      assetId: leases.cpuAssetId,
      provider: claim.provider,
      resource: 'cpu',
      amount: 1n,
      durationMs: cpuMs,
    });
    if (memory > 0n) {
      ledger.queueUsage({
        leaseId: leases.memoryLeaseId,
        assetId: leases.memoryAssetId,
        provider: claim.provider,
        resource: 'memory',
        amount: memory,
        durationMs: wallMs,
      });
    }
    const units =
      rewardUnits({ kind: 'cpu', amount: 1n, durationMs: BigInt(cpuMs), privacyLevel: level(leases.cpuAssetId) }) +
      rewardUnits({
        kind: 'memory',
        amount: memory,
        durationMs: BigInt(wallMs),
        privacyLevel: level(leases.memoryAssetId),
      });
    return formatAmount(units);
  }
}
