/**
 * GPU jobs (issue #24), on whatever WebGPU adapter this machine has (SwiftShader, a CPU, where there is no GPU):
 * (1) wgsl_dispatch_overhead_ms: a trivial dispatch (4 invocations) with its pipeline reused, submitted and waited
 *     for, then its 16-byte result mapped back: median of HM_BENCH_GPU_DISPATCHES rounds, measured inside one child
 *     process that holds the device (the same environment a job's child gets), after 20 warm-up rounds;
 * (2) wgsl_matmul_256_vs_js: a 256×256 f32 matmul as a GPU job (createGpuExecutor: a child process per job, the
 *     kernel in src/node-core/vm/gpu/testing.ts) vs the same product in JavaScript in this thread (i-k-j loops);
 *     the ratio divides the GPU's dispatch time (measured in the child, submit to completion) by the JS time, so
 *     below 1 the GPU is faster; the whole job's wall time (process start, device, compile, upload, readback) is
 *     reported beside it. Interleaved, medians of HM_BENCH_GPU_REPS; every GPU result is checked against JS;
 * (3) the wall time of a trivial GPU job through the executor (a fresh process and device per job): what the VM
 *     wiring will add to each remote job.
 * (4) gpu_job_end_to_end_vs_local_dispatch: the same 256² matmul as a remote job (a CA, a test-mode GPU provider and
 *     a consumer, three nodes in this process over STOQ on ::1): the consumer's runJob wall time (lease, request,
 *     the provider's child process and device, its four-part proof, the sealed output, the consumer's checks)
 *     divided by the same job run locally through the executor (its wall time: process, device, compile,
 *     dispatch, readback). Medians of HM_BENCH_GPU_E2E interleaved pairs, after one warm-up (which takes the lease).
 *
 * Knobs: HM_BENCH_GPU_REPS (matmul repetitions, 5), HM_BENCH_GPU_DISPATCHES (trivial dispatches, 300),
 * HM_BENCH_GPU_JOBS (trivial jobs through the executor, 10), HM_BENCH_GPU_E2E (remote/local pairs, 5; quick: 2, at 64²).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createGpuExecutor, vulkanIcdFor, vulkanLoaderDirFor } from '../src/node-core/vm/gpu/executor';
import { TRIVIAL_WGSL, matmulJob, matmulJs, randomFloats, singleBufferJob } from '../src/node-core/vm/gpu/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHostPort } from '../src/shared/network';
import { LogBook } from '../src/node-core/logging/log-book';
import { createNode, type HyperMeshNode } from '../src/node-core/node';
import { certify } from '../src/node-core/testing/certify';
import { fixedHardware } from '../src/node-core/testing/fixed-hardware';
import { until } from '../src/node-core/testing/until';
import { Report, median, sized } from './report';

// Quick mode (a check that it runs, within the quick limit on a loaded machine): the fewest rounds each part allows.
const REPS = Number(process.env.HM_BENCH_GPU_REPS ?? sized(5, 1));
const DISPATCHES = Number(process.env.HM_BENCH_GPU_DISPATCHES ?? sized(300, 20));
const JOBS = Number(process.env.HM_BENCH_GPU_JOBS ?? sized(10, 1));
for (const [name, v, min] of [
  ['HM_BENCH_GPU_REPS', REPS, sized(3, 1)],
  ['HM_BENCH_GPU_DISPATCHES', DISPATCHES, 20],
  ['HM_BENCH_GPU_JOBS', JOBS, sized(3, 1)],
] as const) {
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be an integer of at least ${min}`);
}
const MIB = 1024 * 1024;
const report = new Report('gpu');
const gpu = createGpuExecutor({ testMode: true });

const probe = await gpu.probe();
if (!probe.adapter) {
  console.error(
    `no WebGPU adapter: ${probe.reason}: ${probe.message} (without a GPU: apt-get install chromium-common)`,
  );
  process.exit(1);
}
const a = probe.adapter;
report.note(
  `adapter: ${a.vendor} / ${a.architecture} / ${a.device} / "${a.description}"${a.fallback ? ' (fallback, software)' : ''}`,
);
report.note(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// (1) Dispatch overhead, inside one child that keeps its device and pipeline.
const overheadSource = `
const { create, globals } = await import(${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href)});
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice();
const module = device.createShaderModule({ code: ${JSON.stringify(TRIVIAL_WGSL)} });
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
const out = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
const times = [];
device.pushErrorScope('validation');
for (let i = 0; i < ${DISPATCHES} + 20; i++) {
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(1);
  pass.end();
  enc.copyBufferToBuffer(out, 0, read, 0, 16);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const v = new Uint32Array(read.getMappedRange().slice(0));
  read.unmap();
  if (v[3] !== 10) throw new Error('wrong result ' + v.join(','));
  if (i >= 20) times.push(performance.now() - t0);
}
const error = await device.popErrorScope();
if (error) throw new Error(error.message);
process.stdout.write(JSON.stringify({ keep: [gpu, adapter].length, times }));
process.exit(0);
`;
const icd = vulkanIcdFor(undefined);
const loaderDir = vulkanLoaderDirFor(icd);
const child = spawn(process.execPath, ['--input-type=module', '-e', overheadSource], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...(icd ? { VK_ICD_FILENAMES: icd } : {}), ...(loaderDir ? { LD_LIBRARY_PATH: loaderDir } : {}) },
});
let stdout = '';
child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
if (code !== 0) throw new Error(`the dispatch-overhead child failed (exit ${code})`);
const { times } = JSON.parse(stdout) as { times: number[] };
report.figure('wgsl_dispatch_overhead_ms', median(times), 'ms');
report.figure(
  'wgsl_dispatch_overhead_p99_ms',
  [...times].sort((x, y) => x - y)[Math.floor(times.length * 0.99)] ?? NaN,
  'ms',
);

// (2) 256² matmul: GPU job vs JS, interleaved.
const N = sized(256, 64);
const ma = randomFloats(N * N, 11);
const mb = randomFloats(N * N, 12);
const job = matmulJob(N, ma, mb);
const gpuMs: number[] = [];
const jobMs: number[] = [];
const jsMs: number[] = [];
let worst = 0;
for (let r = 0; r < REPS; r++) {
  const res = await gpu.run({ ...job, limits: { wallMs: 300_000, memoryBytes: 16 * MIB } });
  if (res.failure) throw new Error(`matmul job failed: ${res.failure.reason}: ${res.failure.message}`);
  gpuMs.push(res.usage.gpuMs);
  jobMs.push(res.usage.wallMs);
  const t0 = performance.now();
  const ref = matmulJs(N, ma, mb);
  jsMs.push(performance.now() - t0);
  const out = res.outputs[0] as Uint8Array;
  const c = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
  for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs((c[i] ?? 0) - (ref[i] ?? 0)));
}
if (worst > 1e-3) throw new Error(`the GPU matmul differs from JS by ${worst}`);
report.figure('wgsl_matmul_256_dispatch_ms', median(gpuMs), 'ms');
report.figure('wgsl_matmul_256_job_wall_ms', median(jobMs), 'ms');
report.figure('js_matmul_256_ms', median(jsMs), 'ms');
report.figure('wgsl_matmul_256_max_abs_err_e6', worst * 1e6, '×1e-6'); // vs JS's f64 sums
report.ratio('wgsl_matmul_256_vs_js', median(gpuMs) / median(jsMs));
report.ratio('wgsl_matmul_256_job_vs_js', median(jobMs) / median(jsMs));

// (3) A trivial job through the executor: process, device, compile, dispatch, readback.
const trivialMs: number[] = [];
for (let i = 0; i < JOBS; i++) {
  const res = await gpu.run({
    spec: singleBufferJob(TRIVIAL_WGSL),
    input: new Uint8Array(0),
    limits: { wallMs: 60_000, memoryBytes: MIB },
  });
  if (res.failure) throw new Error(`trivial job failed: ${res.failure.reason}: ${res.failure.message}`);
  trivialMs.push(res.usage.wallMs);
}
report.figure('wgsl_trivial_job_wall_p50_ms', median(trivialMs), 'ms');

// (4) The matmul as a remote job over STOQ with its proof, vs the same job run here through the executor.
const E2E = Number(process.env.HM_BENCH_GPU_E2E ?? sized(5, 1));
const EN = sized(256, 64);
if (!Number.isSafeInteger(E2E) || E2E < 1) throw new Error('HM_BENCH_GPU_E2E must be an integer of at least 1');
const root = mkdtempSync(join(tmpdir(), 'hm-bench-gpu-'));
const nodes: HyperMeshNode[] = [];
async function startNode(config: { authority?: { name: string }; gpuJobs?: 'test' } = {}): Promise<HyperMeshNode> {
  const node = createNode(
    {
      dataDir: join(root, `n${nodes.length}`),
      listen: { host: '::1', port: 0 },
      timing: { mesh: { intervalMs: 1000 } },
      ...config,
    },
    { hardware: fixedHardware(), logBook: new LogBook() },
  );
  nodes.push(node);
  await node.start();
  return node;
}
try {
  const ca = await startNode({ authority: { name: 'Bench CA' } });
  const caAddress = formatHostPort(ca.transport!.address);
  const provider = await startNode({ gpuJobs: 'test' });
  const consumer = await startNode();
  for (const n of [provider, consumer]) {
    await certify(n, caAddress, undefined, 90_000);
  }
  await provider.assets!.ready;
  await provider.api.updateSettings({
    privacyLevel: 'FullPublic',
    allocationType: 'Public',
    allocation: { cpu: 50, memory: 10, gpu: 50 },
  });
  await provider.assets!.settled();
  await until(
    'the consumer to find the GPU',
    async () => (await consumer.api.searchAssets({ kind: 'gpu' })).find((g) => g.owner === provider.identity.nodeId),
    120_000,
  );
  const ej = matmulJob(EN, randomFloats(EN * EN, 21), randomFloats(EN * EN, 22));
  const request = {
    kind: 'wgsl' as const,
    code: Buffer.from(JSON.stringify(ej.spec)).toString('base64'),
    input: { data: Buffer.from(ej.input).toString('base64') },
    limits: { wallSeconds: 300, memoryMiB: 16 },
    providers: [provider.identity.nodeId],
  };
  const remoteMs: number[] = [];
  const localMs: number[] = [];
  for (let r = -1; r < E2E; r++) {
    const t0 = performance.now();
    const res = await consumer.api.runJob(request);
    const took = performance.now() - t0;
    if (res.job.status !== 'completed' || res.job.proof !== 'verified') {
      throw new Error(`remote job: ${res.job.status}: ${JSON.stringify(res.job.failure ?? res.job.runs)}`);
    }
    const local = await gpu.run({ ...ej, limits: { wallMs: 300_000, memoryBytes: 16 * MIB } });
    if (local.failure) throw new Error(`local job failed: ${local.failure.reason}`);
    const remote = Buffer.from(res.output ?? '', 'base64');
    if (!remote.equals(Buffer.from(local.outputs[0] ?? []))) throw new Error('remote and local outputs differ');
    if (r < 0) continue; // warm-up: takes the GPU lease
    remoteMs.push(took);
    localMs.push(local.usage.wallMs);
  }
  report.figure(`gpu_job_remote_${EN}_wall_ms`, median(remoteMs), 'ms');
  report.figure(`gpu_job_local_${EN}_wall_ms`, median(localMs), 'ms');
  report.ratio('gpu_job_end_to_end_vs_local_dispatch', median(remoteMs) / median(localMs));
  report.note(
    `end to end at ${EN}²: remote = consumer runJob (lease reused, STOQ, provider child + device, proof, sealed output); local = the same job through the executor here`,
  );
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(root, { recursive: true, force: true });
}
await gpu.close();
report.write();
