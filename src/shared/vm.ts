/**
 * The Catalog VM as the UI and the CLI see it (docs/vm.md): jobs a consumer runs on peers' shared CPU and memory,
 * and jobs this node runs for others.
 */

import type { GpuJobFailureReason } from './gpu-job';

/**
 * A WebAssembly module (a WASI command: `_start`, stdin in, stdout out), JavaScript run in QuickJS, or a GPU job:
 * WGSL compute shaders over declared buffers (`code` is the UTF-8 JSON of a GpuJobSpec, shared/gpu-job.ts).
 */
export const JOB_KINDS = ['wasm', 'js', 'wgsl'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Why a job (or one provider's run of it) did not produce an accepted result; also the `reason` of a JOB_FAILED
 * error body. 'trap': the module trapped (unreachable, out-of-bounds access, stack overflow, ...); 'error':
 * JavaScript threw, or the module is not a job the sandbox can run; 'crashed': the job's process died on its own (a
 * signal, an abort), the provider serves on; 'refused': the provider would not run it (no lease, no room within the
 * user's caps, ...); 'no-lease': the provider holds no active lease of the consumer's by the id sent (it restarted or
 * ended it; the consumer takes new leases once); 'unreachable': the provider could not be reached or did not answer; 'bad-proof': the result or
 * its proof did not check out; 'disputed': redundant runs disagreed and no result had a quorum. GPU jobs add
 * GpuJobFailureReason's codes: 'invalid-spec', 'over-limit', 'undeclared-buffer' (the spec was refused before
 * anything ran), 'gpu-error' (the device reported an error), 'no-adapter' (no GPU the provider may offer),
 * 'aborted' (cancelled, or the provider stopped).
 */
export const JOB_FAILURE_REASONS = [
  'cpu-limit',
  'memory-limit',
  'wall-limit',
  'output-limit',
  'trap',
  'error',
  'invalid-module',
  'crashed',
  'refused',
  'no-lease',
  'unreachable',
  'bad-proof',
  'disputed',
  'invalid-spec',
  'over-limit',
  'undeclared-buffer',
  'gpu-error',
  'no-adapter',
  'aborted',
] as const;
export type JobFailureReason = (typeof JOB_FAILURE_REASONS)[number];

/** Every GPU failure reason is a job failure reason (a compile error here when one is missing above). */
export const GPU_FAILURE_IS_JOB_FAILURE: (r: GpuJobFailureReason) => JobFailureReason = (r) => r;

/** Upper bounds for one job; a provider may grant less (its caps), never more. */
export const JOB_LIMITS = {
  cpuSeconds: { min: 1, max: 3_600, default: 30 },
  wallSeconds: { min: 1, max: 3_600, default: 60 },
  memoryMiB: { min: 1, max: 4_096, default: 64 },
  /** The result returns in one STOQ frame beside its proof. */
  outputKiB: { min: 1, max: 768, default: 256 },
  /** Code and input travel in one request (base64 through the local API). */
  codeBytes: 8 * 1024 ** 2,
  inputBytes: 8 * 1024 ** 2,
  args: 64,
  argLength: 1_024,
  redundancy: { min: 1, max: 5 },
} as const;

export interface JobLimitsRequest {
  readonly cpuSeconds?: number;
  readonly wallSeconds?: number;
  readonly memoryMiB?: number;
  readonly outputKiB?: number;
}

export interface JobLimitsView {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly memoryBytes: number;
  readonly outputBytes: number;
}

export type JobInput =
  /** Base64 bytes. */
  | { readonly data: string }
  /** Bytes of one of this node's remote memory pools (read and decrypted here, then sent). */
  | { readonly proxy: { readonly address: string; readonly offset: number; readonly length: number } };

export interface RunJobRequest {
  readonly kind: JobKind;
  /** Base64 of the module (wasm) or of the UTF-8 source (js). */
  readonly code: string;
  readonly input?: JobInput;
  /** argv[1..] of a WASI command; `args` in JavaScript. */
  readonly args?: readonly string[];
  /** How many providers run it (1–5); a result needs a majority of them to agree. */
  readonly redundancy?: number;
  readonly limits?: JobLimitsRequest;
  /** Run on these providers (NodeIds) only; default: any peer sharing CPU and memory, best first. */
  readonly providers?: readonly string[];
}

export interface JobUsageView {
  /** CPU time (wasm, js); for wgsl jobs the GPU time: submit to completion of the dispatches. */
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly memoryPeakBytes: number;
}

/** One provider's run of a consumer's job, as the consumer checked it. */
export interface JobRunView {
  readonly provider: string;
  readonly status: 'completed' | 'failed';
  readonly outputHash: string | null;
  readonly exitCode: number | null;
  readonly usage: JobUsageView;
  readonly failure: { readonly reason: JobFailureReason; readonly message: string } | null;
  /** 'verified': its four-part proof holds and commits to this code, input and output. */
  readonly proof: 'verified' | 'invalid' | 'none';
  /** Whether its output is the one the quorum agreed on (null when there was no quorum). */
  readonly agreed: boolean | null;
  /** Caesar paid for it through a usage receipt ("0" when withheld). */
  readonly paid: string;
  /** wgsl jobs: the adapter that ran it ("vendor architecture: description"), as the provider proved. */
  readonly device?: string;
  /** The leases at the provider it ran under (compute, then memory; one for GPU jobs): its receipts name them. */
  readonly leaseIds?: readonly string[];
}

export interface JobView {
  readonly jobId: string;
  /** 'consumer': this node asked for it; 'provider': this node ran it for a peer. */
  readonly role: 'consumer' | 'provider';
  readonly kind: JobKind;
  readonly status: 'running' | 'completed' | 'failed' | 'disputed';
  /** The consumer's NodeId on the provider side; null on the consumer side (see runs). */
  readonly consumer: string | null;
  readonly codeHash: string;
  readonly inputHash: string;
  /** The accepted output's SHA-256 (the quorum's, or this node's own result as provider). */
  readonly outputHash: string | null;
  readonly exitCode: number | null;
  readonly redundancy: number;
  readonly limits: JobLimitsView;
  readonly usage: JobUsageView;
  readonly failure: { readonly reason: JobFailureReason; readonly message: string } | null;
  /** Provider side: 'made' once the four-part proof was made for the result. */
  readonly proof: 'verified' | 'invalid' | 'made' | 'none';
  readonly runs: readonly JobRunView[];
  /** wgsl jobs: the adapter that ran the accepted result, and the output buffers' sizes (the output is their concatenation). */
  readonly device?: string;
  readonly outputSizes?: readonly number[];
  /** Provider side: the consumer's leases it ran under (compute, then memory); its receipts name them. */
  readonly leaseIds?: readonly string[];
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/**
 * What came of a job, for the CLI's exit status and the UI's status line: 'succeeded' (completed, exit status 0),
 * 'exited' (completed, but the program exited non-zero), 'failed' (a limit, a trap, an error, no provider, a bad
 * proof, or a dispute: no accepted result), 'running'.
 */
export type JobOutcome = 'succeeded' | 'exited' | 'failed' | 'running';

export function jobOutcome(job: Pick<JobView, 'status' | 'exitCode'>): JobOutcome {
  if (job.status === 'running') return 'running';
  if (job.status !== 'completed') return 'failed';
  return (job.exitCode ?? 0) === 0 ? 'succeeded' : 'exited';
}

export interface JobResultView {
  readonly job: JobView;
  /** The accepted output as base64 (null when no result was accepted). */
  readonly output: string | null;
}

export interface JobQuery {
  readonly role?: 'consumer' | 'provider';
  readonly limit?: number;
}
