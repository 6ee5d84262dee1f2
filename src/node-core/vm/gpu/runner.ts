/// <reference types="@webgpu/types" />
import type { GpuJobFailureReason, GpuJobSpec } from '../../../shared/gpu-job';

/**
 * The GPU job runner: the body of the child process that owns one WebGPU device for one job (executor.ts spawns
 * it). It is serialized with `Function.prototype.toString` into `node -e`, so it must not use anything from its
 * module scope: every outside thing comes in through `deps`.
 *
 * Dawn's Node bindings have footguns (docs/vm.md, "GPU jobs"), each handled here:
 * - the object `create()` returns, and every buffer, stay referenced (`keep`) until the process ends: a collected
 *   `create()` result segfaults, a collected buffer fails its mapAsync with an empty AbortError;
 * - validation errors do not throw: every call runs inside error scopes (validation, out-of-memory, internal) and
 *   any error fails the job, so a job never completes with garbage; a lost device fails it too;
 * - a runaway shader is never stopped by the device: the parent kills this process at the wall-clock limit;
 * - `device.destroy()` blocks while work is pending: the runner never calls it, the process just ends.
 */

export interface GpuAdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A fallback (software) adapter: SwiftShader, lavapipe; allowed only in test mode. */
  readonly fallback: boolean;
}

/** The adapter limits a provider reports and checks specs against. */
export interface GpuAdapterLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxUniformBufferBindingSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxBindGroups: number;
  readonly maxStorageBuffersPerShaderStage: number;
}

export type GpuParentMessage =
  | { readonly type: 'probe'; readonly allowFallback: boolean }
  | { readonly type: 'run'; readonly allowFallback: boolean; readonly spec: GpuJobSpec; readonly input: Uint8Array };

export type GpuChildMessage =
  | { readonly type: 'probed'; readonly adapter: GpuAdapterDescription; readonly limits: GpuAdapterLimits }
  | {
      readonly type: 'done';
      readonly adapter: GpuAdapterDescription;
      readonly outputs: readonly Uint8Array[];
      /** Wall time from the dispatches' submit to the queue's completion, in ms, measured here. */
      readonly gpuMs: number;
    }
  | {
      readonly type: 'failed';
      readonly reason: GpuJobFailureReason;
      readonly message: string;
      readonly adapter: GpuAdapterDescription | null;
    };

export interface GpuRunnerDeps {
  send(message: GpuChildMessage): void;
  onMessage(listener: (message: GpuParentMessage) => void): void;
  /** `import()` of the `webgpu` package (ESM only), by its resolved path. */
  importWebgpu(): Promise<{ create(options: string[]): GPU; globals: object }>;
  now(): number;
  /** Ends the process once the last message is out. */
  finish(): void;
}

export function gpuRunnerMain(deps: GpuRunnerDeps): void {
  /** Everything Dawn must not collect before the process ends. */
  const keep: unknown[] = [];
  class JobFailure extends Error {
    constructor(
      readonly reason: GpuJobFailureReason,
      message: string,
    ) {
      super(message);
    }
  }
  let adapterInfo: GpuAdapterDescription | null = null;

  const openAdapter = async (allowFallback: boolean): Promise<GPUAdapter> => {
    const webgpu = await deps.importWebgpu();
    // GPUBufferUsage, GPUMapMode and the rest are globals in a browser; the package hands them over.
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    keep.push(webgpu, gpu);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      throw new JobFailure(
        'no-adapter',
        'no WebGPU adapter on this machine (no Vulkan driver Dawn accepts; without a GPU, install Debian chromium-common for SwiftShader)',
      );
    }
    keep.push(adapter);
    const info = adapter.info;
    const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
    adapterInfo = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      // Dawn marks SwiftShader and lavapipe as fallback adapters; the names are a second check.
      fallback: info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|\bsoftware\b/i.test(text),
    };
    if (adapterInfo.fallback && !allowFallback) {
      throw new JobFailure('no-adapter', `only a software adapter here (${info.description || text}), not a GPU`);
    }
    return adapter;
  };

  const limitsOf = (a: GPUAdapter): GpuAdapterLimits => ({
    maxBufferSize: a.limits.maxBufferSize,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    maxUniformBufferBindingSize: a.limits.maxUniformBufferBindingSize,
    maxComputeWorkgroupsPerDimension: a.limits.maxComputeWorkgroupsPerDimension,
    maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
    maxBindGroups: a.limits.maxBindGroups,
    maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage,
  });

  const SCOPES: readonly GPUErrorFilter[] = ['internal', 'out-of-memory', 'validation'];
  const pushScopes = (device: GPUDevice): void => {
    for (const s of SCOPES) device.pushErrorScope(s);
  };
  /** Pops the scopes pushed by pushScopes; throws 'gpu-error' with every message if any caught one. */
  const popScopes = async (device: GPUDevice, lost: { message: string | null }): Promise<void> => {
    const errors: string[] = [];
    for (let i = 0; i < SCOPES.length; i++) {
      const e = await device.popErrorScope();
      if (e) errors.push(e.message);
    }
    if (lost.message !== null) errors.push(`device lost: ${lost.message}`);
    if (errors.length > 0) throw new JobFailure('gpu-error', errors.join('\n').slice(0, 4096));
  };

  const run = async (spec: GpuJobSpec, input: Uint8Array, allowFallback: boolean): Promise<void> => {
    const adapter = await openAdapter(allowFallback);
    // Ask for more than the defaults only where this job needs it, and never above the adapter.
    let largest = 0;
    for (const b of spec.buffers) if (b.usage !== 'uniform') largest = Math.max(largest, b.size);
    const requiredLimits: Record<string, number> = {};
    if (largest > 128 * 1024 * 1024) {
      if (largest > adapter.limits.maxStorageBufferBindingSize || largest > adapter.limits.maxBufferSize) {
        throw new JobFailure('over-limit', `a buffer of ${largest} bytes is over this device's limits`);
      }
      requiredLimits.maxStorageBufferBindingSize = largest;
      requiredLimits.maxBufferSize = Math.max(largest, 256 * 1024 * 1024);
    }
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits });
    } catch (err) {
      throw new JobFailure('gpu-error', `the device could not be opened: ${(err as Error).message}`);
    }
    keep.push(device);
    const lost = { message: null as string | null };
    void device.lost.then((info) => {
      lost.message = info.message || info.reason;
    });
    const uncaptured: string[] = [];
    device.addEventListener('uncapturederror', (e) => {
      uncaptured.push(e.error.message);
    });

    pushScopes(device);
    const modules = new Map<string, GPUShaderModule>();
    for (const m of spec.modules) {
      const module = device.createShaderModule({ code: m.code });
      keep.push(module);
      modules.set(m.name, module);
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((x) => x.type === 'error');
      if (errors.length > 0) {
        // The error scope is the authority (it holds the device's error); the compiler's messages add positions.
        const scoped = await popScopes(device, lost).then(
          () => 'the device reported no error',
          (err: unknown) => (err as Error).message,
        );
        const text = errors.map((x) => `${m.name}:${x.lineNum}:${x.linePos}: ${x.message}`).join('\n');
        throw new JobFailure('gpu-error', `WGSL does not compile:\n${text}\n${scoped}`.slice(0, 4096));
      }
    }
    const buffers = new Map<string, GPUBuffer>();
    for (const b of spec.buffers) {
      const usage =
        (b.usage === 'uniform' ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE) |
        GPUBufferUsage.COPY_DST |
        GPUBufferUsage.COPY_SRC;
      const buffer = device.createBuffer({ size: b.size, usage, label: b.name });
      keep.push(buffer);
      buffers.set(b.name, buffer);
      if (b.init && b.init.length > 0) {
        device.queue.writeBuffer(buffer, 0, input, b.init.offset, b.init.length);
      }
    }
    const groups = new Map(spec.bindGroups.map((g) => [g.name, g]));
    const pipelines = new Map<string, GPUComputePipeline>();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const d of spec.dispatches) {
      const key = `${d.module}\u0000${d.entryPoint}`;
      let pipeline = pipelines.get(key);
      if (!pipeline) {
        pipeline = device.createComputePipeline({
          layout: 'auto',
          compute: { module: modules.get(d.module) as GPUShaderModule, entryPoint: d.entryPoint },
        });
        keep.push(pipeline);
        pipelines.set(key, pipeline);
      }
      pass.setPipeline(pipeline);
      for (const name of d.bindGroups) {
        const g = groups.get(name);
        if (!g) throw new JobFailure('invalid-spec', `no bind group ${name}`);
        // 'auto' layouts belong to their pipeline: a bind group is made for each pipeline it is used with.
        const bindGroup = device.createBindGroup({
          layout: pipeline.getBindGroupLayout(g.group),
          entries: g.entries.map((e) => ({
            binding: e.binding,
            resource: { buffer: buffers.get(e.buffer) as GPUBuffer },
          })),
        });
        keep.push(bindGroup);
        pass.setBindGroup(g.group, bindGroup);
      }
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
    const commands = encoder.finish();
    const t0 = deps.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    const gpuMs = deps.now() - t0;
    await popScopes(device, lost);
    if (uncaptured.length > 0) throw new JobFailure('gpu-error', uncaptured.join('\n').slice(0, 4096));

    pushScopes(device);
    const reads = spec.output.map((name) => {
      const source = buffers.get(name) as GPUBuffer;
      const read = device.createBuffer({ size: source.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      keep.push(read);
      return { source, read };
    });
    const copy = device.createCommandEncoder();
    for (const r of reads) copy.copyBufferToBuffer(r.source, 0, r.read, 0, r.source.size);
    device.queue.submit([copy.finish()]);
    await popScopes(device, lost);
    await Promise.all(reads.map((r) => r.read.mapAsync(GPUMapMode.READ)));
    const outputs = reads.map((r) => new Uint8Array(r.read.getMappedRange().slice(0)));
    if (lost.message !== null || uncaptured.length > 0) {
      throw new JobFailure('gpu-error', [...uncaptured, lost.message ?? ''].join('\n').slice(0, 4096));
    }
    deps.send({ type: 'done', adapter: adapterInfo as unknown as GpuAdapterDescription, outputs, gpuMs });
  };

  deps.onMessage((m) => {
    const work =
      m.type === 'probe'
        ? openAdapter(m.allowFallback).then((a) => {
            deps.send({
              type: 'probed',
              adapter: adapterInfo as unknown as GpuAdapterDescription,
              limits: limitsOf(a),
            });
          })
        : run(m.spec, m.input, m.allowFallback);
    work
      .catch((err: unknown) => {
        const failure =
          err instanceof JobFailure
            ? { reason: err.reason, message: err.message }
            : { reason: 'crashed' as const, message: `the GPU runner failed: ${String(err)}`.slice(0, 4096) };
        deps.send({ type: 'failed', ...failure, adapter: adapterInfo });
      })
      .finally(() => deps.finish());
  });
}
