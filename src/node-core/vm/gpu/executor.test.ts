import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGpuExecutor,
  gpuRuntimeFor,
  vulkanIcdFor,
  vulkanLoaderDirFor,
  SWIFTSHADER_ICD,
  type GpuJobResult,
} from './executor';
import { RUNAWAY_WGSL, TRIVIAL_WGSL, matmulCase, reduceCase, singleBufferJob, worstDifference } from './testing';

/**
 * Real child processes on a real WebGPU adapter (SwiftShader on a machine without a GPU). These tests fail, never
 * skip, when there is no adapter: CI must have one (.ci/run installs chromium-common).
 */

const MIB = 1024 * 1024;
// Generous: SwiftShader compiles a matmul pipeline in ~0.3 s and runs 256² in ~1–2 s on an idle core.
const LIMITS = { wallMs: 120_000, memoryBytes: 16 * MIB };
const gpu = createGpuExecutor({ testMode: true });

const f32 = (bytes: Uint8Array | undefined): Float32Array => {
  if (!bytes) throw new Error('no output');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
};
const u32 = (bytes: Uint8Array | undefined): Uint32Array => {
  if (!bytes) throw new Error('no output');
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
};
const ok = (r: GpuJobResult): GpuJobResult => {
  expect(r.failure, r.failure?.message).toBeNull();
  return r;
};

beforeAll(async () => {
  const probe = await gpu.probe();
  if (!probe.adapter) {
    throw new Error(
      `no WebGPU adapter (${probe.reason}: ${probe.message}). On a machine without a GPU, install Debian's ` +
        `chromium-common (SwiftShader's Vulkan ICD at ${SWIFTSHADER_ICD}): apt-get install chromium-common`,
    );
  }
});
afterAll(() => gpu.close());

describe('GPU executor (WGSL in a child process)', () => {
  it('reports the adapter and its limits', async () => {
    const probe = await gpu.probe();
    expect(probe.adapter?.description).toBeTruthy();
    if (probe.adapter) expect(probe.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65_535);
  });

  for (const n of [64, 256]) {
    it(`multiplies ${n}×${n} f32 matrices like JavaScript`, async () => {
      const { expected, ...job } = matmulCase(n, 1 + n);
      const r = ok(await gpu.run({ ...job, limits: LIMITS }));
      const c = f32(r.outputs[0]);
      expect(c.length).toBe(n * n);
      // Entries are sums of n products of values in [-1, 1): f32 rounding stays far below 1e-3 here.
      expect(worstDifference(c, expected)).toBeLessThan(1e-3);
      expect(r.adapter?.fallback).toBe(true);
      expect(r.usage.gpuMs).toBeGreaterThan(0);
      expect(r.usage.wallMs).toBeGreaterThanOrEqual(r.usage.gpuMs);
    }, 180_000);
  }

  it('reduces a u32 array (sum mod 2³², xor) exactly like JavaScript', async () => {
    const data = new Uint32Array(256 * 256);
    let x = 0x9e3779b9;
    for (let i = 0; i < data.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      data[i] = x;
    }
    const { expected, ...job } = reduceCase(data);
    const r = ok(await gpu.run({ ...job, limits: LIMITS }));
    expect([...u32(r.outputs[0])]).toEqual(expected);
  });

  it('fails a shader that does not compile with gpu-error (from the device), not a result', async () => {
    const r = await gpu.run({
      spec: singleBufferJob('@compute @workgroup_size(1) fn main( { let x = ; }'),
      input: new Uint8Array(0),
      limits: LIMITS,
    });
    expect(r.failure?.reason).toBe('gpu-error');
    expect(r.failure?.message).toMatch(/m:\d+:\d+/); // the module's name, line and column
    expect(r.failure?.message).toMatch(/CreateShaderModule/); // and the device's own error, from the scope
    expect(r.outputs).toEqual([]);
  });

  it('fails a job the device rejects (a wrong entry point) with gpu-error from the error scope', async () => {
    const spec = singleBufferJob(TRIVIAL_WGSL);
    const r = await gpu.run({
      spec: { ...spec, dispatches: [{ ...spec.dispatches[0], entryPoint: 'absent' }] },
      input: new Uint8Array(0),
      limits: LIMITS,
    });
    expect(r.failure?.reason).toBe('gpu-error');
    expect(r.outputs).toEqual([]);
  });

  it('refuses a buffer over the limits and reading an undeclared buffer, before any process starts', async () => {
    const over = await gpu.run({
      spec: singleBufferJob(TRIVIAL_WGSL, 32 * MIB),
      input: new Uint8Array(0),
      limits: { wallMs: 10_000, memoryBytes: 16 * MIB },
    });
    expect(over.failure?.reason).toBe('over-limit');
    expect(over.usage.memoryPeakBytes).toBe(0);
    const spec = singleBufferJob(TRIVIAL_WGSL);
    const undeclared = await gpu.run({
      spec: { ...spec, output: ['o', 'secret'] },
      input: new Uint8Array(0),
      limits: LIMITS,
    });
    expect(undeclared.failure?.reason).toBe('undeclared-buffer');
  });

  it('kills a runaway shader at its wall-clock limit and serves the next job', async () => {
    const r = await gpu.run({
      spec: singleBufferJob(RUNAWAY_WGSL),
      input: new Uint8Array(0),
      limits: { wallMs: 3_000, memoryBytes: MIB },
    });
    expect(r.failure?.reason).toBe('wall-limit');
    expect(r.outputs).toEqual([]);
    const next = ok(await gpu.run({ spec: singleBufferJob(TRIVIAL_WGSL), input: new Uint8Array(0), limits: LIMITS }));
    expect([...u32(next.outputs[0])]).toEqual([7, 8, 9, 10]);
  });

  it('holds running and new jobs while paused (their wall clocks too) and continues them on resume', async () => {
    const held = createGpuExecutor({ testMode: true, maxConcurrent: 2 });
    try {
      held.pause();
      let settled = 0;
      const trivial = held
        .run({ spec: singleBufferJob(TRIVIAL_WGSL), input: new Uint8Array(0), limits: LIMITS })
        .finally(() => settled++);
      // A 2 s wall limit: were its clock running while stopped, the runaway would be killed meanwhile.
      const runaway = held
        .run({
          spec: singleBufferJob(RUNAWAY_WGSL),
          input: new Uint8Array(0),
          limits: { wallMs: 2_000, memoryBytes: MIB },
        })
        .finally(() => settled++);
      await new Promise((r) => setTimeout(r, 6_000));
      expect(settled).toBe(0);
      held.resume();
      expect([...u32(ok(await trivial).outputs[0])]).toEqual([7, 8, 9, 10]);
      expect((await runaway).failure?.reason).toBe('wall-limit');
    } finally {
      await held.close();
    }
  });

  it('ends a job when its caller aborts', async () => {
    const ac = new AbortController();
    const running = gpu.run(
      { spec: singleBufferJob(RUNAWAY_WGSL), input: new Uint8Array(0), limits: LIMITS },
      ac.signal,
    );
    setTimeout(() => ac.abort(), 500);
    expect((await running).failure?.reason).toBe('aborted');
  });

  it('kills a job process whose resident set passes its memory limit', async () => {
    // 1 MiB of buffers + 16 MiB for the process: less than Node alone needs (~40 MiB), so the watchdog ends it.
    const tight = createGpuExecutor({ testMode: true, processOverheadBytes: 16 * MIB });
    try {
      const r = await tight.run({
        spec: singleBufferJob(TRIVIAL_WGSL),
        input: new Uint8Array(0),
        limits: { wallMs: 60_000, memoryBytes: MIB },
      });
      expect(r.failure?.reason).toBe('memory-limit');
      expect(r.usage.memoryPeakBytes).toBeGreaterThan(16 * MIB);
    } finally {
      await tight.close();
    }
  });

  it('refuses fallback adapters outside test mode', async () => {
    const strict = createGpuExecutor();
    try {
      const probe = await strict.probe();
      // This machine has no GPU (CI): only SwiftShader, which is refused. On a real GPU the probe succeeds.
      if (probe.adapter) expect(probe.adapter.fallback).toBe(false);
      else expect(probe.reason).toBe('no-adapter');
    } finally {
      await strict.close();
    }
  });
});

describe('Vulkan environment for the child', () => {
  it('uses the caller’s ICD list, else SwiftShader’s where it exists', () => {
    expect(vulkanIcdFor('/x.json', {})).toBe('/x.json');
    expect(vulkanIcdFor(undefined, { VK_ICD_FILENAMES: '/y.json' })).toBe('/y.json');
    expect(vulkanIcdFor(null, { VK_ICD_FILENAMES: '/y.json' })).toBeNull();
  });

  it('points the loader at Chromium’s libvulkan only for SwiftShader on a system without one', () => {
    const has = (paths: string[]) => (p: string) => paths.includes(p);
    expect(vulkanLoaderDirFor(SWIFTSHADER_ICD, has(['/usr/lib/chromium/libvulkan.so.1']))).toBe('/usr/lib/chromium');
    const system = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/chromium/libvulkan.so.1'];
    expect(vulkanLoaderDirFor(SWIFTSHADER_ICD, has(system))).toBeNull();
    expect(vulkanLoaderDirFor('/other.json', has(['/usr/lib/chromium/libvulkan.so.1']))).toBeNull();
    expect(vulkanLoaderDirFor(SWIFTSHADER_ICD, has([]))).toBeNull();
  });
});

describe('the runtime for GPU job children (the desktop app’s choice, docs/vm.md)', () => {
  it('is this Node outside Electron, and only an explicitly shipped Node under Electron', () => {
    expect(gpuRuntimeFor(undefined, { execPath: '/usr/bin/node', electron: undefined })).toEqual({
      path: '/usr/bin/node',
    });
    const inElectron = { execPath: '/opt/HyperMesh/hypermesh', electron: '39.0.0' };
    const refused = gpuRuntimeFor(undefined, inElectron);
    expect(refused.path).toBeNull();
    expect(gpuRuntimeFor('/opt/HyperMesh/resources/node/bin/node', inElectron)).toEqual({
      path: '/opt/HyperMesh/resources/node/bin/node',
    });
  });

  it('fails jobs and probes with no-adapter when there is no runtime', async () => {
    expect(gpuRuntimeFor(null).path).toBeNull();
    const none = createGpuExecutor({ testMode: true, nodeRuntime: null });
    try {
      const r = await none.run({ spec: singleBufferJob(TRIVIAL_WGSL), input: new Uint8Array(0), limits: LIMITS });
      expect(r.failure?.reason).toBe('no-adapter');
      expect((await none.probe()).adapter).toBeNull();
    } finally {
      await none.close();
    }
  });

  it('fails a job as crashed when the runtime cannot start', async () => {
    const missing = createGpuExecutor({ testMode: true, nodeRuntime: '/nonexistent/node' });
    try {
      const r = await missing.run({ spec: singleBufferJob(TRIVIAL_WGSL), input: new Uint8Array(0), limits: LIMITS });
      expect(r.failure?.reason).toBe('crashed');
      expect(r.outputs).toEqual([]);
    } finally {
      await missing.close();
    }
  });
});
