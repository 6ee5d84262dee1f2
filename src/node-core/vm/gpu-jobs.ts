import { DEFAULT_GPU_SPEC_LIMITS, checkGpuJobSpec, gpuOutputsAgree, type GpuJobSpec } from '../../shared/gpu-job';
import type { JobFailureReason } from '../../shared/vm';
import type { GpuExecutor } from './gpu/executor';
import type { GpuAdapterDescription } from './gpu/runner';
import type { JobLimits, SandboxResult } from './sandbox';

/**
 * `kind: 'wgsl'` jobs in the VM service (docs/vm.md, "GPU jobs"): the job's code is the UTF-8 JSON of its spec
 * (WGSL sources inline), so the code hash the proof commits to covers the shaders, buffers, bind groups,
 * dispatches, outputs and tolerance; the output is the output buffers concatenated in the spec's order.
 */

/** What the provider's VM needs for GPU jobs: the executor, and how many may run now (the sharing rules). */
export interface VmGpu {
  readonly executor: GpuExecutor;
  /** GPU jobs that may run at once now: from the GPU share; 0 while the rules pause GPU work. */
  slots(): number;
}

/** A wgsl job's code as a spec, or the refusal (checked again, with the device's limits, by the executor). */
export function parseGpuCode(
  code: Uint8Array,
  inputBytes: number,
  limits: Pick<JobLimits, 'memoryBytes' | 'outputBytes'>,
):
  | { readonly ok: true; readonly spec: GpuJobSpec; readonly totalBytes: number }
  | { readonly ok: false; readonly reason: JobFailureReason; readonly message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(code).toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid-spec', message: 'a wgsl job’s code must be the JSON of its spec' };
  }
  const check = checkGpuJobSpec(raw, inputBytes, {
    ...DEFAULT_GPU_SPEC_LIMITS,
    memoryBytes: limits.memoryBytes,
    outputBytes: limits.outputBytes,
  });
  return check.ok ? check : { ok: false, reason: check.reason, message: check.message };
}

/** How a provider names the adapter that ran a job: in the proof and on the consumer's result. */
export function deviceName(adapter: GpuAdapterDescription | null): string {
  if (!adapter) return 'none';
  const kind = adapter.fallback ? ' (software)' : '';
  return `${adapter.vendor} ${adapter.architecture}: ${adapter.description}${kind}`.slice(0, 200);
}

/** Runs a checked wgsl job on the executor; the result in the sandbox's shape (GPU-ms as `cpuMs`). */
export async function runGpuJob(
  gpu: VmGpu,
  spec: GpuJobSpec,
  totalBytes: number,
  input: Uint8Array,
  limits: JobLimits,
  signal: AbortSignal | undefined,
): Promise<SandboxResult & { readonly device: string }> {
  const r = await gpu.executor.run(
    {
      spec,
      input,
      limits: { wallMs: limits.wallMs, memoryBytes: limits.memoryBytes, outputBytes: limits.outputBytes },
    },
    signal,
  );
  const output = r.failure ? new Uint8Array(0) : Buffer.concat(r.outputs.map((o) => Buffer.from(o)));
  return {
    exitCode: r.failure ? null : 0,
    output,
    stderr: '',
    // The VRAM a job holds is its buffers (deterministic, what it is paid for); the child's RSS is host overhead.
    usage: { cpuMs: r.usage.gpuMs, wallMs: r.usage.wallMs, memoryPeakBytes: r.failure ? 0 : totalBytes },
    failure: r.failure,
    device: deviceName(r.adapter),
  };
}

/** The output buffers of a wgsl job's output, split by the spec's sizes (null when the length is not theirs). */
export function splitOutputs(spec: GpuJobSpec, output: Uint8Array): Uint8Array[] | null {
  const sizes = outputSizes(spec);
  if (sizes.reduce((a, b) => a + b, 0) !== output.length) return null;
  let at = 0;
  return sizes.map((n) => {
    const part = output.subarray(at, at + n);
    at += n;
    return part;
  });
}

export function outputSizes(spec: GpuJobSpec): number[] {
  return spec.output.map((name) => spec.buffers.find((b) => b.name === name)?.size ?? 0);
}

/** Whether two runs' outputs of the same wgsl job agree: exactly, or within the spec's float tolerance. */
export function gpuRunsAgree(spec: GpuJobSpec, a: Uint8Array, b: Uint8Array): boolean {
  const x = splitOutputs(spec, a);
  const y = splitOutputs(spec, b);
  return x !== null && y !== null && gpuOutputsAgree(x, y, spec.tolerance);
}
