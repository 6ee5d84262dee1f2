import { JOB_LIMITS, type JobKind, type JobView } from '../../shared/vm';
import type { Lease } from '../assets/index';
import { encodeConsensusProof } from '../consensus';
import type { CallContext } from '../transport/index';
import { VmError } from './errors';
import { parseGpuCode, runGpuJob, type VmGpu } from './gpu-jobs';
import {
  argsHash,
  encodeReply,
  executionCommitment,
  executionCounterparty,
  sealOutput,
  sha256Hex,
  type ExecutionClaim,
} from './job';
import { VM_MAX_OUTPUT_BYTES, type VmServiceOptions, JOB_ID, emptyUsage, type VmContext } from './vm-common';
import type { JobLimits, SandboxResult } from './sandbox';

/** The provider side of the Catalog VM: runs a consumer's job under its leases and proves it (docs/vm.md). */
export class VmProvider {
  private readonly options: VmServiceOptions;
  private readonly now: () => number;
  /** Jobs running per CPU lease (each lease slot runs one at a time). */
  private readonly runningByLease = new Map<string, number>();
  /** GPU jobs running now, across leases (the sharing rules bound them). */
  private gpuRunning = 0;

  constructor(ctx: VmContext) {
    this.options = ctx.options;
    this.now = ctx.now;
  }

  /** Refuses a GPU job while the sharing rules allow no more at once (0 while they pause GPU work). */
  private admitGpu(): void {
    const gpu = this.options.gpu;
    if (!gpu) throw new VmError('no-adapter', 'this node runs no GPU jobs');
    const slots = gpu.slots();
    if (slots <= 0) throw new VmError('refused', 'the sharing rules pause GPU jobs on this node now');
    if (this.gpuRunning >= slots) {
      throw new VmError('refused', `${this.gpuRunning} GPU job(s) run here, all the sharing rules allow now`);
    }
  }

  private async runWgsl(
    code: Uint8Array,
    input: Uint8Array,
    limits: JobLimits,
    signal: AbortSignal | undefined,
  ): Promise<SandboxResult & { readonly device: string }> {
    const gpu = this.options.gpu as VmGpu;
    const parsed = parseGpuCode(code, input.length, limits);
    if (!parsed.ok) {
      const usage = { cpuMs: 0, wallMs: 0, memoryPeakBytes: 0 };
      const failure = { reason: parsed.reason, message: parsed.message };
      return { exitCode: null, output: new Uint8Array(0), stderr: '', usage, failure, device: 'none' };
    }
    return runGpuJob(gpu, parsed.spec, parsed.totalBytes, input, limits, signal);
  }

  private liveLease(kind: 'cpu' | 'memory' | 'gpu', leaseId: unknown, consumer: string): Lease {
    if (typeof leaseId !== 'string') throw new VmError('refused', `no ${kind} lease named`);
    const adapter = this.options.assets.adapter(kind);
    const lease = adapter?.usage().leases.find((l) => l.id === leaseId);
    if (!lease || lease.consumer !== consumer || lease.expiresAt <= this.now()) {
      throw new VmError('no-lease', `no ${kind} lease ${leaseId.slice(0, 8)} of yours is active on this node`);
    }
    return lease;
  }

  private parseRunMeta(meta: Uint8Array): {
    jobId: string;
    leaseId: string;
    memoryLeaseId: string;
    kind: JobKind;
    args: string[];
    limits: JobLimits;
    codeLength: number;
    inputLength: number;
    kem: Uint8Array;
  } {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(Buffer.from(meta).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new VmError('refused', 'the job request is not JSON');
    }
    const limits = m.limits as Record<string, unknown> | undefined;
    const int = (v: unknown, min: number, max: number): v is number =>
      typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
    const args = m.args;
    const kem = typeof m.kem === 'string' ? Buffer.from(m.kem, 'base64') : Buffer.alloc(0);
    if (
      typeof m.jobId !== 'string' ||
      !JOB_ID.test(m.jobId) ||
      (m.kind !== 'wasm' && m.kind !== 'js' && m.kind !== 'wgsl') ||
      !Array.isArray(args) ||
      args.length > JOB_LIMITS.args ||
      !args.every((a) => typeof a === 'string' && a.length <= JOB_LIMITS.argLength) ||
      typeof limits !== 'object' ||
      limits === null ||
      !int(limits.cpuMs, 1000, JOB_LIMITS.cpuSeconds.max * 1000) ||
      !int(limits.wallMs, 1000, JOB_LIMITS.wallSeconds.max * 1000) ||
      !int(limits.memoryBytes, 2 ** 20, JOB_LIMITS.memoryMiB.max * 2 ** 20) ||
      !int(limits.outputBytes, 1024, VM_MAX_OUTPUT_BYTES) ||
      !int(m.codeLength, 1, JOB_LIMITS.codeBytes) ||
      !int(m.inputLength, 0, JOB_LIMITS.inputBytes) ||
      kem.length !== 1184
    ) {
      throw new VmError('refused', 'the job request is malformed');
    }
    return {
      jobId: m.jobId,
      leaseId: String(m.leaseId),
      memoryLeaseId: String(m.memoryLeaseId),
      kind: m.kind,
      args: args as string[],
      limits: {
        cpuMs: limits.cpuMs,
        wallMs: limits.wallMs,
        memoryBytes: limits.memoryBytes,
        outputBytes: limits.outputBytes,
      },
      codeLength: m.codeLength,
      inputLength: m.inputLength,
      kem,
    };
  }

  async serveRun(meta: Uint8Array, data: AsyncIterable<Buffer>, ctx: CallContext): Promise<Uint8Array> {
    const consumer = ctx.peer.nodeId;
    const req = this.parseRunMeta(meta);
    // The code and the input, exactly as long as announced (at most the request limits), read before any other
    // check: a refusal then reaches the consumer as its reason, not as a stream cut off mid-upload.
    const expected = req.codeLength + req.inputLength;
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of data) {
      received += chunk.length;
      if (received > expected) throw new VmError('refused', 'more job data than announced');
      chunks.push(chunk);
    }
    if (received !== expected) throw new VmError('refused', 'less job data than announced');
    const all = Buffer.concat(chunks);
    const gpuJob = req.kind === 'wgsl';
    // A wgsl job runs under a GPU lease (VRAM for its buffers); the others under a CPU and a memory lease.
    const cpuLease = this.liveLease(gpuJob ? 'gpu' : 'cpu', req.leaseId, consumer);
    const memoryLease = gpuJob ? cpuLease : this.liveLease('memory', req.memoryLeaseId, consumer);
    if (memoryLease.amount < req.limits.memoryBytes) {
      throw new VmError(
        'refused',
        `the job asks for ${req.limits.memoryBytes} bytes of memory; your ${gpuJob ? 'GPU' : 'memory'} lease has ${memoryLease.amount}`,
      );
    }
    const leaseEnd = Math.min(cpuLease.expiresAt, memoryLease.expiresAt);
    if (this.now() + req.limits.wallMs > leaseEnd) {
      throw new VmError(
        'refused',
        `the leases end in ${Math.round((leaseEnd - this.now()) / 1000)} s, before the job's wall-clock limit`,
      );
    }
    const running = this.runningByLease.get(cpuLease.id) ?? 0;
    if (gpuJob) this.admitGpu();
    else if (running >= cpuLease.amount) {
      throw new VmError('refused', `all ${cpuLease.amount} CPU slot(s) of your lease are running jobs; wait for one`);
    }
    const cpuAssetId = this.options.assets.assetIdOf(gpuJob ? 'gpu' : 'cpu');
    if (!cpuAssetId) throw new VmError('refused', `this node shares no ${gpuJob ? 'GPU' : 'CPU'}`);
    const code = all.subarray(0, req.codeLength);
    const input = all.subarray(req.codeLength);
    const createdAt = this.now();
    const leaseIds = [...new Set([cpuLease.id, memoryLease.id])];
    const base = {
      jobId: req.jobId,
      consumer,
      provider: this.options.nodeId,
      leaseId: cpuLease.id,
      kind: req.kind,
      codeHash: sha256Hex(code),
      inputHash: sha256Hex(input),
      argsHash: argsHash(req.args),
      limits: req.limits,
    };
    const inserted = this.options.db
      .prepare(
        `INSERT INTO vm_jobs (job_id, role, consumer, view, created_at) VALUES (?, 'provider', ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(req.jobId, consumer, JSON.stringify(this.providerView(base, null, createdAt, null, leaseIds)), createdAt);
    if (inserted.changes === 0) throw new VmError('refused', `job ${req.jobId} was already run here (a replay)`);
    this.runningByLease.set(cpuLease.id, running + 1);
    if (gpuJob) this.gpuRunning++;
    let result: SandboxResult & { readonly device?: string };
    try {
      result = gpuJob
        ? await this.runWgsl(code, input, req.limits, ctx.signal)
        : await this.options.executor.run(
            { kind: req.kind, code, input, args: req.args, limits: req.limits },
            ctx.signal,
          );
    } finally {
      if (gpuJob) this.gpuRunning--;
      const left = (this.runningByLease.get(cpuLease.id) ?? 1) - 1;
      if (left > 0) this.runningByLease.set(cpuLease.id, left);
      else this.runningByLease.delete(cpuLease.id);
    }
    const claim: ExecutionClaim = {
      ...base,
      outputHash: sha256Hex(result.output),
      exitCode: result.exitCode,
      failure: result.failure?.reason ?? null,
      cpuMs: Math.round(result.usage.cpuMs),
      wallMs: Math.round(result.usage.wallMs),
      memoryPeakBytes: result.usage.memoryPeakBytes,
      ...(result.device === undefined ? {} : { device: result.device }),
    };
    const proof = await this.options.assets.proveSubject({
      assetId: cpuAssetId,
      operation: 'execution',
      counterparty: executionCounterparty(claim),
    });
    const sealed = sealOutput(result.output, req.kem, executionCommitment(claim));
    const finished = this.providerView(base, claim, createdAt, result, leaseIds);
    this.options.db
      .prepare("UPDATE vm_jobs SET view = ? WHERE job_id = ? AND role = 'provider' AND consumer = ?")
      .run(JSON.stringify(finished), req.jobId, consumer);
    this.options.onJobFinished?.(finished);
    this.options.log.info(
      `ran job ${req.jobId.slice(0, 8)} for ${consumer.slice(0, 8)}: ` +
        `${result.failure ? result.failure.reason : `exit ${result.exitCode}`}, ${claim.cpuMs} ms ${gpuJob ? 'GPU' : 'CPU'}`,
    );
    return encodeReply(
      {
        claim,
        failureMessage: result.failure?.message ?? null,
        proof: encodeConsensusProof(proof).toString('base64'),
        beacon: this.options.assets.beaconJson(),
      },
      sealed,
    );
  }

  private providerView(
    base: Omit<ExecutionClaim, 'outputHash' | 'exitCode' | 'failure' | 'cpuMs' | 'wallMs' | 'memoryPeakBytes'>,
    claim: ExecutionClaim | null,
    createdAt: number,
    result: SandboxResult | null,
    leaseIds: readonly string[],
  ): JobView {
    return {
      jobId: base.jobId,
      role: 'provider',
      kind: base.kind,
      status: !result ? 'running' : result.failure ? 'failed' : 'completed',
      consumer: base.consumer,
      codeHash: base.codeHash,
      inputHash: base.inputHash,
      outputHash: claim && !claim.failure ? claim.outputHash : null,
      exitCode: result?.exitCode ?? null,
      redundancy: 1,
      limits: base.limits,
      usage: claim
        ? { cpuMs: claim.cpuMs, wallMs: claim.wallMs, memoryPeakBytes: claim.memoryPeakBytes }
        : emptyUsage(),
      failure: result?.failure ?? null,
      proof: claim ? 'made' : 'none',
      runs: [],
      leaseIds,
      createdAt: new Date(createdAt).toISOString(),
      finishedAt: result ? new Date(this.now()).toISOString() : null,
    };
  }
}
