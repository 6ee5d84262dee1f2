import { randomBytes } from 'node:crypto';
import type { JobResultView, JobView, RunJobRequest } from '../../shared/vm';
import { ProviderRuns } from './consumer-run';
import { VmError } from './errors';
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
    const redundancy = request.redundancy ?? 1;
    const quorum = Math.floor(redundancy / 2) + 1;
    const candidates = this.candidates(mesh, request.providers, limits);
    if (candidates.length < redundancy) {
      throw new VmError(
        'refused',
        `${candidates.length} peer(s) share CPU and memory with room for this job; redundancy ${redundancy} needs ${redundancy}`,
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
      runs.push(...(await Promise.all(batch.map((c) => this.runs.runOn(c, job, code, input, args, signal)))));
    };
    const checked = (): CheckedRun[] => runs.filter((r) => r.claim !== undefined);
    await launch(redundancy);
    // Providers that could not be reached or refused are replaced while others are left.
    while (checked().length < redundancy && queue.length > 0) await launch(redundancy - checked().length);
    let winner = this.quorumOf(checked(), quorum);
    let extra = 0;
    while (!winner && queue.length > 0 && extra < EXTRA_PROVIDERS && checked().length >= 2) {
      extra++;
      await launch(1);
      winner = this.quorumOf(checked(), quorum);
    }

    // Pay the agreeing providers; the others lose trust and are not paid.
    const finalRuns: CheckedRun[] = runs.map((r) => {
      if (!r.claim) return r;
      if (!winner) return { ...r, view: { ...r.view, agreed: null } };
      const agreed = outcomeKey(r.claim) === winner;
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
    const accepted = winner ? finalRuns.find((r) => r.claim && outcomeKey(r.claim) === winner) : undefined;
    let result: JobView;
    if (accepted?.claim) {
      const c = accepted.claim;
      result = view(c.failure ? 'failed' : 'completed', finalRuns, {
        outputHash: c.failure ? null : c.outputHash,
        exitCode: c.exitCode,
        usage: { cpuMs: c.cpuMs, wallMs: c.wallMs, memoryPeakBytes: c.memoryPeakBytes },
        failure: c.failure ? (accepted.view.failure ?? { reason: c.failure, message: c.failure }) : null,
        proof: 'verified',
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

  /** The outcome a majority of checked runs agree on, if any. */
  private quorumOf(runs: readonly CheckedRun[], quorum: number): string | undefined {
    const counts = new Map<string, number>();
    for (const r of runs) {
      if (!r.claim) continue;
      const key = outcomeKey(r.claim);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) if (n >= quorum) return key;
    return undefined;
  }

  /** Peers sharing CPU and memory with room for the job, the most trusted and nearest first. */
  private candidates(mesh: VmMesh, only: readonly string[] | undefined, limits: JobLimits): Candidate[] {
    const cpu = mesh.search({ kind: 'cpu', minCapacity: 1 });
    const memory = mesh.search({ kind: 'memory', minCapacity: limits.memoryBytes });
    const out: Candidate[] = [];
    for (const c of cpu) {
      if (!c.owner || c.owner === this.options.nodeId) continue;
      if (only && !only.includes(c.owner)) continue;
      const m = memory.find((a) => a.owner === c.owner);
      if (!m || out.some((o) => o.provider === c.owner)) continue;
      out.push({ provider: c.owner, cpu: c, memory: m });
    }
    return out.sort(
      (a, b) =>
        mesh.trustScoreOf(b.provider) - mesh.trustScoreOf(a.provider) ||
        (a.cpu.rttMs ?? Infinity) - (b.cpu.rttMs ?? Infinity),
    );
  }
}
