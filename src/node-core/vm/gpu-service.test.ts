import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../shared/amount';
import { ErrorCode } from '../../shared/errors';
import type { GpuJobSpec } from '../../shared/gpu-job';
import type { HyperMeshNode } from '../node';
import { sharePublicly, useNodes } from '../testing/nodes';
import { until } from '../testing/until';
import { createGpuExecutor, type GpuExecutor } from './gpu/executor';
import { RUNAWAY_WGSL, TRIVIAL_WGSL, matmulCase, reduceCase, singleBufferJob, worstDifference } from './gpu/testing';
import { startVmCast } from './testing';

/**
 * GPU jobs (kind 'wgsl') through the VM service across nodes in one process, on real WebGPU children (SwiftShader
 * here, in test mode). Fails, never skips, without an adapter: the providers then offer no GPU and are never found.
 */

const start = useNodes({
  timing: { mesh: { intervalMs: 500 }, ledger: { tickMs: 250, slotMs: 500, receiptIntervalMs: 1000 } },
  gpuJobs: 'test',
});

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
const code = (spec: GpuJobSpec) => b64(JSON.stringify(spec));
const words = <T extends Float32Array | Uint32Array>(o: string | null, Kind: new (buffer: ArrayBuffer) => T): T => {
  const b = Buffer.from(o ?? '', 'base64');
  return new Kind(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

/** A provider that runs jobs on the real GPU, then returns (and proves) every output with its top byte flipped. */
function lyingGpu(real: GpuExecutor): GpuExecutor {
  return {
    ...real,
    async run(job, signal) {
      const r = await real.run(job, signal);
      const outputs = r.outputs.map((o) => {
        const c = Uint8Array.from(o);
        c[3] = (c[3] ?? 0) ^ 0x40;
        return c;
      });
      return { ...r, outputs };
    },
  };
}

describe('GPU jobs through the VM service', () => {
  it('runs WGSL on peers with proofs, refuses bad jobs with reasons, kills a runaway, catches a liar, pays', async () => {
    const liarGpu = lyingGpu(createGpuExecutor({ testMode: true }));
    const cast = await startVmCast(start, 'GPU CA', { gpuExecutor: liarGpu }, { gpuJobs: 'off' });
    const { honest1, honest2, liar, consumer, providers } = cast;
    for (const p of providers) await sharePublicly(p, { cpu: 50, memory: 10, gpu: 50 });
    // A provider offers a GPU only once its WebGPU probe found an adapter (software, allowed in test mode); without
    // SwiftShader (chromium-common) none does, and the wait below fails with each provider's reason. Each probes in a
    // nice-19 child of its own; on a busy machine a probe can run out of time, and the provider then probes again
    // (15 s later, then 30 s): the bound leaves room for two of those.
    let missing = '';
    await until(
      'every GPU provider to be found',
      async () => {
        const hits = await consumer.api.searchAssets({ kind: 'gpu' });
        const absent = providers.filter((p) => !hits.some((h) => h.owner === p.identity.nodeId));
        // What each missing one says of its GPU, and what the consumer knows of it: the failure's story.
        const peers = (await consumer.api.getMeshStatus()).peers;
        const kinds = (p: HyperMeshNode) => hits.filter((h) => h.owner === p.identity.nodeId).map((h) => h.kind);
        missing = (
          await Promise.all(
            absent.map(async (p) => {
              const own = (await p.api.getAssets()).find((a) => a.kind === 'gpu');
              const seen = peers.find((x) => x.nodeId === p.identity.nodeId);
              const gpu = own?.present ? `registration ${JSON.stringify(own.registration)}` : own?.summary;
              const known = seen ? `trust ${seen.trustScore}, connected ${seen.connected}` : 'not a known peer';
              return `${p.identity.nodeId.slice(0, 12)}: ${gpu}; ${known}; found kinds [${kinds(p).join(',')}]`;
            }),
          )
        ).join(' | ');
        return absent.length === 0 ? true : undefined;
      },
      170_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message} (${missing})`);
    });
    const at = (p: HyperMeshNode) => ({ providers: [p.identity.nodeId] });

    // A matrix multiply, checked against JavaScript, with a verified proof, the device, and a payment.
    const n = 64;
    const mm = matmulCase(n, 1);
    const mul = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(mm.spec),
      input: { data: b64(mm.input) },
      ...at(honest1),
    });
    expect(mul.job, JSON.stringify(mul.job.runs)).toMatchObject({ status: 'completed', proof: 'verified' });
    expect(mul.job.device).toMatch(/\(software\)$/);
    expect(mul.job.outputSizes).toEqual([n * n * 4]);
    expect(worstDifference(words(mul.output, Float32Array), mm.expected)).toBeLessThan(1e-3);
    expect(parseAmount(mul.job.runs[0]!.paid)).toBeGreaterThan(0n);
    const served = await honest1.api.getJobs({ role: 'provider' });
    expect(served[0]).toMatchObject({ jobId: mul.job.jobId, kind: 'wgsl', status: 'completed', proof: 'made' });

    // A reduction (integer: exact).
    const data = Uint32Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 0);
    const rj = reduceCase(data);
    const red = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(rj.spec),
      input: { data: b64(rj.input) },
      ...at(honest2),
    });
    expect(red.job.status).toBe('completed');
    expect([...words(red.output, Uint32Array)]).toEqual(rj.expected);

    // Refusals, each with its reason: before leasing (the consumer checks the spec) or from the device.
    const over = singleBufferJob(TRIVIAL_WGSL, 128 * 1024 * 1024);
    await expect(
      consumer.api.runJob({ kind: 'wgsl', code: code(over), limits: { memoryMiB: 16 }, ...at(honest1) }),
    ).rejects.toMatchObject({ code: ErrorCode.JobFailed, reason: 'over-limit' });
    const undeclared = { ...singleBufferJob(TRIVIAL_WGSL), output: ['nowhere'] };
    await expect(consumer.api.runJob({ kind: 'wgsl', code: code(undeclared), ...at(honest1) })).rejects.toMatchObject({
      code: ErrorCode.JobFailed,
      reason: 'undeclared-buffer',
    });
    const bad = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(singleBufferJob('@compute @workgroup_size(1) fn main() { let x: u32 = "no"; }')),
      ...at(honest1),
    });
    expect(bad.job).toMatchObject({ status: 'failed', failure: { reason: 'gpu-error' }, proof: 'verified' });

    // A runaway shader is killed at its wall-clock limit; the provider serves the next job.
    const runaway = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(singleBufferJob(RUNAWAY_WGSL)),
      limits: { wallSeconds: 3 },
      ...at(honest1),
    });
    expect(runaway.job).toMatchObject({ status: 'failed', failure: { reason: 'wall-limit' } });
    const after = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(singleBufferJob(TRIVIAL_WGSL)),
      ...at(honest1),
    });
    expect([...words(after.output, Uint32Array)]).toEqual([7, 8, 9, 10]);

    // Two providers agree (floats within the job's tolerance); with a liar among three, it is caught and unpaid.
    const two = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(mm.spec),
      input: { data: b64(mm.input) },
      redundancy: 2,
      providers: [honest1.identity.nodeId, honest2.identity.nodeId],
    });
    expect(two.job.status).toBe('completed');
    expect(two.job.runs.every((r) => r.agreed === true)).toBe(true);
    const trustBefore = consumer.mesh!.trustScoreOf(liar.identity.nodeId);
    const three = await consumer.api.runJob({
      kind: 'wgsl',
      code: code(rj.spec),
      input: { data: b64(rj.input) },
      redundancy: 3,
      providers: providers.map((p) => p.identity.nodeId),
    });
    expect(three.job.status).toBe('completed');
    expect([...words(three.output, Uint32Array)]).toEqual(rj.expected);
    expect(three.job.runs.find((r) => r.provider === liar.identity.nodeId)).toMatchObject({
      proof: 'verified',
      agreed: false,
      paid: '0',
    });
    expect(consumer.mesh!.trustScoreOf(liar.identity.nodeId)).toBeLessThan(trustBefore);

    // The GPU usage receipts become rewards on the ledger.
    await until(
      'the GPU provider to be paid',
      async () => (parseAmount((await honest1.api.getWallet()).earnedTotal) > 0n ? true : undefined),
      120_000,
    );
  }, 900_000);
});
