import { randomBytes } from 'node:crypto';
import type { JobResultView, JobView, RunJobRequest } from '../../shared/vm';
import { ProviderRuns } from './consumer-run';
import { VmError } from './errors';
import { gpuRunsAgree, outputSizes, parseGpuCode } from './gpu-jobs';
import type { GpuJobSpec } from '../../shared/gpu-job';
import { argsHash, outcomeKey, sha256Hex } from './job';
import {
  EXTRA_PROVIDERS,
  type VmMesh,
  type VmServiceOptions,
  type Candidate,
  type CheckedRun,
  resolveLimits,
  emptyUsage,
  type VmContext,
} from './vm-common';
import type { JobLimits } from './sandbox';

/** The consumer side of the Catalog VM: a job at `redundancy` providers, checked and settled by quorum. */
export class VmConsumer {
  private readonly options: VmServiceOptions;
  private readonly now: () => number;
  private readonly runs: ProviderRuns;

  constructor(ctx: VmContext) {
    this.options = ctx.options;
    this.now = ctx.now;
    this.runs = new ProviderRuns(ctx);
  }

  async runJob(request: RunJobRequest, signal?: AbortSignal): Promise<JobResultView> {
    const mesh = this.options.mesh;
    if (!mesh) throw new VmError('refused', 'jobs run on peers found through the mesh, which is not running');
    const code = Buffer.from(request.code, 'base64');
    const input = await this.jobInput(request);
    const args = [...(request.args ?? [])];
    const limits = resolveLimits(request.limits);
    // A wgsl job is checked here first, so a bad spec is refused with its reason before any lease is taken.
    const gpu = request.kind === 'wgsl' ? parseGpuCode(code, input.length, limits) : undefined;
    if (gpu && !gpu.ok) throw new VmError(gpu.reason, gpu.message);
    const spec = gpu?.ok ? gpu.spec : undefined;
    const redundancy = request.redundancy ?? 1;
    const quorum = Math.floor(redundancy / 2) + 1;
    const candidates = this.candidates(mesh, request.providers, limits, spec !== undefined);
    if (candidates.length < redundancy) {
      throw new VmError(
        'refused',
        `${candidates.length} peer(s) share ${spec ? 'a GPU' : 'CPU and memory'} with room for this job; redundancy ${redundancy} needs ${redundancy}`,
      );
    }
    const jobId = randomBytes(16).toString('hex');
    const createdAt = this.now();
    const job = {
      jobId,
      kind: request.kind,
      codeHash: sha256Hex(code),
      inputHash: sha256Hex(input),
      argsHash: argsHash(args),
      limits,
    };
    const view = (status: JobView['status'], runs: readonly CheckedRun[], extra: Partial<JobView> = {}): JobView => ({
      jobId,
      role: 'consumer',
      kind: request.kind,
      status,
      consumer: null,
      codeHash: job.codeHash,
      inputHash: job.inputHash,
      outputHash: null,
      exitCode: null,
      redundancy,
      limits,
      usage: emptyUsage(),
      failure: null,
      proof: 'none',
      runs: runs.map((r) => r.view),
      ...(spec ? { outputSizes: outputSizes(spec) } : {}),
      createdAt: new Date(createdAt).toISOString(),
      finishedAt: status === 'running' ? null : new Date(this.now()).toISOString(),
      ...extra,
    });
    const save = (v: JobView): void => {
      this.options.db
        .prepare(
          `INSERT INTO vm_jobs (job_id, role, consumer, view, created_at) VALUES (?, 'consumer', ?, ?, ?)
           ON CONFLICT (job_id, role, consumer) DO UPDATE SET view = excluded.view`,
        )
        .run(jobId, this.options.nodeId, JSON.stringify(v), createdAt);
    };
    save(view('running', []));

    const runs: CheckedRun[] = [];
    const queue = [...candidates];
    const launch = async (count: number): Promise<void> => {
      const batch = queue.splice(0, count);
      runs.push(...(await Promise.all(batch.map((c) => this.runs.runOn(c, { job, code, input, args }, signal)))));
    };
    const checked = (): CheckedRun[] => runs.filter((r) => r.claim !== undefined);
    await launch(redundancy);
    // Providers that could not be reached or refused are replaced while others are left.
    while (checked().length < redundancy && queue.length > 0) await launch(redundancy - checked().length);
    let winner = this.quorumOf(checked(), quorum, spec);
    let extra = 0;
    while (!winner && queue.length > 0 && extra < EXTRA_PROVIDERS && checked().length >= 2) {
      extra++;
      await launch(1);
      winner = this.quorumOf(checked(), quorum, spec);
    }

    // Pay the agreeing providers; the others lose trust and are not paid.
    const finalRuns: CheckedRun[] = runs.map((r) => {
      if (!r.claim) return r;
      if (!winner) return { ...r, view: { ...r.view, agreed: null } };
      const agreed = this.agree(r, winner, spec);
      if (!agreed) {
        const score = this.options.mesh?.penalize(
          r.claim.provider,
          `job ${jobId.slice(0, 8)}: a result the others did not give`,
        );
        this.options.log.warn(
          `job ${jobId.slice(0, 8)}: ${r.claim.provider.slice(0, 8)} gave a result the quorum did not; not paid (trust now ${score?.toFixed(2) ?? '?'})`,
        );
        return { ...r, view: { ...r.view, agreed: false, paid: '0' } };
      }
      return { ...r, view: { ...r.view, agreed: true, paid: this.runs.pay(r) } };
    });
    const accepted = winner ? finalRuns.find((r) => r.claim?.provider === winner.claim?.provider) : undefined;
    let result: JobView;
    if (accepted?.claim) {
      const c = accepted.claim;
      result = view(c.failure ? 'failed' : 'completed', finalRuns, {
        outputHash: c.failure ? null : c.outputHash,
        exitCode: c.exitCode,
        usage: { cpuMs: c.cpuMs, wallMs: c.wallMs, memoryPeakBytes: c.memoryPeakBytes },
        failure: c.failure ? (accepted.view.failure ?? { reason: c.failure, message: c.failure }) : null,
        proof: 'verified',
        ...(c.device === undefined ? {} : { device: c.device }),
      });
    } else if (checked().length >= 2) {
      result = view('disputed', finalRuns, {
        failure: {
          reason: 'disputed',
          message: `${checked().length} providers gave different results and no ${quorum} of them agreed`,
        },
        proof: 'verified',
      });
    } else {
      const last = finalRuns.at(-1)?.view.failure;
      result = view('failed', finalRuns, {
        failure: last ?? { reason: 'unreachable', message: 'no provider returned a result' },
        proof: finalRuns.some((r) => r.view.proof === 'invalid') ? 'invalid' : 'none',
      });
    }
    save(result);
    this.options.log.info(`job ${jobId.slice(0, 8)}: ${result.status} on ${runs.length} provider(s)`);
    return {
      job: result,
      output: accepted?.output && !accepted.claim?.failure ? accepted.output.toString('base64') : null,
    };
  }

  private async jobInput(request: RunJobRequest): Promise<Buffer> {
    const input = request.input;
    if (!input) return Buffer.alloc(0);
    if ('data' in input) return Buffer.from(input.data, 'base64');
    if (!this.options.readPool) throw new VmError('refused', 'the memory proxy is not running, so no pool can be read');
    const { address, offset, length } = input.proxy;
    return Buffer.from(await this.options.readPool(address, offset, length));
  }

  /**
   * A run whose outcome `quorum` checked runs share (itself included), if any. Outcomes are the same output (and
   * exit status) or the same limit hit; completed wgsl outputs agree within the spec's tolerance (gpuRunsAgree).
   */
  private quorumOf(runs: readonly CheckedRun[], quorum: number, spec?: GpuJobSpec): CheckedRun | undefined {
    const done = runs.filter((r) => r.claim);
    return done.find((r) => done.filter((o) => this.agree(o, r, spec)).length >= quorum);
  }

  private agree(a: CheckedRun, b: CheckedRun, spec?: GpuJobSpec): boolean {
    if (!a.claim || !b.claim) return false;
    if (!spec || a.claim.failure || b.claim.failure || !a.output || !b.output) {
      return outcomeKey(a.claim) === outcomeKey(b.claim);
    }
    return gpuRunsAgree(spec, a.output, b.output);
  }

  /**
   * Peers sharing CPU and memory (a GPU, for wgsl jobs: its VRAM for the buffers) with room for the job, the most
   * trusted and nearest first.
   */
  private candidates(mesh: VmMesh, only: readonly string[] | undefined, limits: JobLimits, gpu: boolean): Candidate[] {
    const cpu = gpu
      ? mesh.search({ kind: 'gpu', minCapacity: limits.memoryBytes })
      : mesh.search({ kind: 'cpu', minCapacity: 1 });
    const memory = gpu ? cpu : mesh.search({ kind: 'memory', minCapacity: limits.memoryBytes });
    const out: Candidate[] = [];
    for (const c of cpu) {
      if (!c.owner || c.owner === this.options.nodeId) continue;
      if (only && !only.includes(c.owner)) continue;
      const m = memory.find((a) => a.owner === c.owner);
      if (!m || out.some((o) => o.provider === c.owner)) continue;
      out.push({ provider: c.owner, cpu: c, memory: m, gpu });
    }
    return out.sort(
      (a, b) =>
        mesh.trustScoreOf(b.provider) - mesh.trustScoreOf(a.provider) ||
        (a.cpu.rttMs ?? Infinity) - (b.cpu.rttMs ?? Infinity),
    );
  }
}
