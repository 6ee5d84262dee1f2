import { randomBytes } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { formatAmount } from '../../shared/amount';
import type {
  RemoteAllocationRequest,
  RemoteAllocationView,
  RemoteAssetView,
  AssetSearchQuery,
} from '../../shared/mesh';
import type { PrivacyLevel, ResourceKind } from '../../shared/settings';
import {
  JOB_LIMITS,
  type JobFailureReason,
  type JobKind,
  type JobQuery,
  type JobResultView,
  type JobRunView,
  type JobView,
  type RunJobRequest,
} from '../../shared/vm';
import type { AssetAdapter, Lease } from '../assets/adapter';
import { decodeConsensusProof, encodeConsensusProof, type ConsensusProof, type ConsensusSubject } from '../consensus';
import { rewardUnits } from '../ledger/rewards';
import type { Logger } from '../logging/log-book';
import type { Db } from '../store/database';
import type { CallContext } from '../transport/stoq/rpc';
import type { Transport } from '../transport/stoq/transport';
import { VmError } from './errors';
import {
  argsHash,
  decodeReply,
  encodeReply,
  executionCommitment,
  executionCounterparty,
  openOutput,
  outcomeKey,
  sealOutput,
  sha256Hex,
  type ExecutionClaim,
} from './job';
import type { JobExecutor, JobLimits, SandboxResult } from './sandbox';

/**
 * The Catalog VM (docs/vm.md).
 *
 * Provider side: `vm.run` runs a consumer's job under a CPU lease and a memory lease the consumer holds on this
 * node (one job per leased CPU slot at a time, memory within the memory lease, wall time within the lease), in the
 * sandbox, proves the execution with a four-part ConsensusProof whose subject commits to the code, input and output,
 * and returns the output sealed to the consumer.
 *
 * Consumer side: `runJob` leases CPU and memory at `redundancy` providers found through the mesh, sends them the
 * job, checks every proof and opens every output, and accepts the result a majority agrees on. Providers whose
 * result differs lose trust and are not paid; the others are paid for their CPU- and memory-time through usage
 * receipts on the ledger.
 */

export const VmMethod = { Run: 'vm.run' } as const;

/** Results come back in one STOQ frame (1 MiB) with the proof. */
export const VM_MAX_OUTPUT_BYTES = 768 * 1024;
/** How long the CPU and memory leases taken for jobs last (reused by later jobs meanwhile). */
export const VM_LEASE_MS = 30 * 60_000;
/** Memory leased per provider at least, so later jobs fit without a new lease. */
const VM_MIN_MEMORY_LEASE = 256 * 2 ** 20;
/** A quorum short of agreement asks at most this many more providers. */
const EXTRA_PROVIDERS = 2;

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
  readonly assets: VmAssets;
  readonly mesh?: VmMesh;
  readonly ledger?: () => VmLedger | undefined;
  /** Reads bytes of one of this node's remote memory pools (decrypted), for job input. */
  readonly readPool?: (address: string, offset: number, length: number) => Promise<Uint8Array>;
  readonly now?: () => number;
}

interface Candidate {
  readonly provider: string;
  readonly cpu: RemoteAssetView;
  readonly memory: RemoteAssetView;
}

interface VmLeases {
  readonly cpuAssetId: string;
  readonly cpuLeaseId: string;
  readonly memoryAssetId: string;
  readonly memoryLeaseId: string;
  readonly memoryBytes: number;
  readonly expiresAt: number;
}

/** One provider's run as the consumer checked it, with the opened output. */
interface CheckedRun {
  readonly view: JobRunView;
  /** Set when the run's proof and output checked out: what it claims and its output. */
  readonly claim?: ExecutionClaim;
  readonly output?: Buffer;
  readonly leases?: VmLeases;
  readonly candidate?: Candidate;
}

const HEX32 = /^[0-9a-f]{64}$/;
const JOB_ID = /^[0-9a-f]{32}$/;

function kemKeys(deriveSecret: (label: string) => Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
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

function emptyUsage(): JobRunView['usage'] {
  return { cpuMs: 0, wallMs: 0, memoryPeakBytes: 0 };
}

/** What a failure is, from an error thrown anywhere on the way to a provider and back. */
function failureOf(err: unknown): { reason: JobFailureReason; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof VmError) return { reason: err.reason, message: message.slice(err.reason.length + 2) };
  const remote = /^vm\.run: (refused|bad-proof|invalid-module): (.*)$/s.exec(message);
  if (remote) return { reason: remote[1] as JobFailureReason, message: remote[2] ?? message };
  return { reason: 'unreachable', message };
}

export class VmService {
  private readonly now: () => number;
  private readonly kem: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Provider side: jobs running per CPU lease (each lease slot runs one at a time). */
  private readonly runningByLease = new Map<string, number>();
  /** Consumer side: one job at a time per provider, so usage receipts stay within the leases' time. */
  private readonly providerQueues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: VmServiceOptions) {
    this.now = options.now ?? Date.now;
    this.kem = kemKeys(options.deriveSecret);
  }

  start(): void {
    // Jobs that were running when the node last stopped did not finish.
    const stale = this.options.db
      .prepare("SELECT rowid, view FROM vm_jobs WHERE json_extract(view, '$.status') = 'running'")
      .all() as { rowid: number; view: string }[];
    for (const row of stale) {
      const view = JSON.parse(row.view) as JobView;
      const stopped: JobView = {
        ...view,
        status: 'failed',
        failure: { reason: 'error', message: 'this node stopped while the job ran' },
        finishedAt: new Date(this.now()).toISOString(),
      };
      this.options.db.prepare('UPDATE vm_jobs SET view = ? WHERE rowid = ?').run(JSON.stringify(stopped), row.rowid);
    }
    this.options.stoq.router.bulk(VmMethod.Run, async (meta, data, ctx) => this.serveRun(meta, data, ctx));
  }

  async stop(): Promise<void> {
    await this.options.executor.close();
  }

  // ---------- provider side ----------

  private liveLease(kind: 'cpu' | 'memory', leaseId: unknown, consumer: string): Lease {
    if (typeof leaseId !== 'string') throw new VmError('refused', `no ${kind} lease named`);
    const adapter = this.options.assets.adapter(kind);
    const lease = adapter?.usage().leases.find((l) => l.id === leaseId);
    if (!lease || lease.consumer !== consumer || lease.expiresAt <= this.now()) {
      throw new VmError('refused', `no ${kind} lease ${leaseId.slice(0, 8)} of yours is active on this node`);
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
      (m.kind !== 'wasm' && m.kind !== 'js') ||
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

  private async serveRun(meta: Uint8Array, data: AsyncIterable<Buffer>, ctx: CallContext): Promise<Uint8Array> {
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
    const jobData = Buffer.concat(chunks);
    const cpuLease = this.liveLease('cpu', req.leaseId, consumer);
    const memoryLease = this.liveLease('memory', req.memoryLeaseId, consumer);
    if (memoryLease.amount < req.limits.memoryBytes) {
      throw new VmError(
        'refused',
        `the job asks for ${req.limits.memoryBytes} bytes of memory; your memory lease has ${memoryLease.amount}`,
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
    if (running >= cpuLease.amount) {
      throw new VmError('refused', `all ${cpuLease.amount} CPU slot(s) of your lease are running jobs; wait for one`);
    }
    const cpuAssetId = this.options.assets.assetIdOf('cpu');
    if (!cpuAssetId) throw new VmError('refused', 'this node shares no CPU');
    const all = jobData;
    const code = all.subarray(0, req.codeLength);
    const input = all.subarray(req.codeLength);
    const createdAt = this.now();
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
      .run(req.jobId, consumer, JSON.stringify(this.providerView(base, null, createdAt, null)), createdAt);
    if (inserted.changes === 0) throw new VmError('refused', `job ${req.jobId} was already run here (a replay)`);
    this.runningByLease.set(cpuLease.id, running + 1);
    let result: SandboxResult;
    try {
      result = await this.options.executor.run(
        { kind: req.kind, code, input, args: req.args, limits: req.limits },
        ctx.signal,
      );
    } finally {
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
    };
    const proof = await this.options.assets.proveSubject({
      assetId: cpuAssetId,
      operation: 'execution',
      counterparty: executionCounterparty(claim),
    });
    const sealed = sealOutput(result.output, req.kem, executionCommitment(claim));
    this.options.db
      .prepare("UPDATE vm_jobs SET view = ? WHERE job_id = ? AND role = 'provider' AND consumer = ?")
      .run(JSON.stringify(this.providerView(base, claim, createdAt, result)), req.jobId, consumer);
    this.options.log.info(
      `ran job ${req.jobId.slice(0, 8)} for ${consumer.slice(0, 8)}: ` +
        `${result.failure ? result.failure.reason : `exit ${result.exitCode}`}, ${claim.cpuMs} ms CPU`,
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
      createdAt: new Date(createdAt).toISOString(),
      finishedAt: result ? new Date(this.now()).toISOString() : null,
    };
  }

  // ---------- consumer side ----------

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
      runs.push(...(await Promise.all(batch.map((c) => this.runOn(c, job, code, input, args, signal)))));
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
      return { ...r, view: { ...r.view, agreed: true, paid: this.pay(r) } };
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

  /** The CPU and memory leases for jobs at a provider: reused while they last, taken anew otherwise. */
  private async leasesAt(c: Candidate, limits: JobLimits, signal?: AbortSignal): Promise<VmLeases> {
    const now = this.now();
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
    const memoryBytes = Math.min(c.memory.capacity.allowed, Math.max(limits.memoryBytes, VM_MIN_MEMORY_LEASE));
    const cpuLease = await mesh.allocate({ assetId: c.cpu.assetId, amount: 1, durationMs: VM_LEASE_MS }, signal, {
      billing: 'usage',
    });
    const memoryLease = await mesh.allocate(
      { assetId: c.memory.assetId, amount: memoryBytes, durationMs: VM_LEASE_MS },
      signal,
      { billing: 'usage' },
    );
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

  /** Runs the job at one provider (after any job already running there) and checks what comes back. */
  private runOn(
    c: Candidate,
    job: { jobId: string; kind: JobKind; codeHash: string; inputHash: string; argsHash: string; limits: JobLimits },
    code: Buffer,
    input: Buffer,
    args: readonly string[],
    signal?: AbortSignal,
  ): Promise<CheckedRun> {
    const previous = this.providerQueues.get(c.provider) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.runChecked(c, job, code, input, args, signal));
    this.providerQueues.set(c.provider, run);
    void run.finally(() => {
      if (this.providerQueues.get(c.provider) === run) this.providerQueues.delete(c.provider);
    });
    return run;
  }

  private async runChecked(
    c: Candidate,
    job: { jobId: string; kind: JobKind; codeHash: string; inputHash: string; argsHash: string; limits: JobLimits },
    code: Buffer,
    input: Buffer,
    args: readonly string[],
    signal?: AbortSignal,
  ): Promise<CheckedRun> {
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
        const staleLease = failure.reason === 'refused' && /lease .* of yours is active/.test(failure.message);
        if (staleLease) this.options.db.prepare('DELETE FROM vm_leases WHERE provider = ?').run(c.provider);
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
  private pay(run: CheckedRun): string {
    const ledger = this.options.ledger?.();
    const claim = run.claim;
    const leases = run.leases;
    if (!ledger || !claim || !leases) return '0';
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
    // The level the ledger registered (what the reward is computed with), else the one announced.
    const announced = run.candidate?.cpu.privacyLevel ?? 'Private';
    const level = (assetId: string): PrivacyLevel => ledger.privacyOf(assetId) ?? announced;
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

  jobs(query: JobQuery): JobView[] {
    const rows = this.options.db
      .prepare(
        `SELECT view FROM vm_jobs ${query.role ? 'WHERE role = ?' : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...(query.role ? [query.role] : []), query.limit ?? 100) as { view: string }[];
    return rows.map((r) => JSON.parse(r.view) as JobView);
  }
}
