import { describe, expect, it } from 'vitest';
import { fixedHardware } from '../testing/fixed-hardware';
import { until } from '../testing/until';
import { createGpuExecutor } from '../vm/gpu/executor';
import { GpuAdapter, probeMayPass, reprobeDelayMs, type WebGpuProbe } from './gpu-adapter';

/** A machine whose OS reports no GPU: only WebGPU (SwiftShader here, in test mode) can find one. */
const noReportedGpu = () => fixedHardware({ gpus: [] });

describe('GpuAdapter: the WebGPU probe', () => {
  it('probes again after a probe cut short by its time limit, and then offers the GPU', async () => {
    // Real children: the first probe is killed at a 1 ms wall limit (a starved probe), the next one finishes.
    const starved = createGpuExecutor({ testMode: true, probeWallMs: 1 });
    const normal = createGpuExecutor({ testMode: true });
    const outcomes: string[] = [];
    const webgpu: WebGpuProbe = async () => {
      const r = await (outcomes.length === 0 ? starved : normal).probe();
      outcomes.push(r.adapter ? 'adapter' : r.reason);
      return r;
    };
    let redetected = 0;
    const gpu = new GpuAdapter({
      probe: noReportedGpu(),
      dataDir: '/tmp',
      webgpu,
      onRedetected: () => redetected++,
      reprobeDelayMs: () => 10,
    });
    try {
      const first = await gpu.detect();
      expect(outcomes).toEqual(['wall-limit']);
      expect(first).toMatchObject({ present: false, code: 'detection-failed' });
      expect(first.present ? '' : first.reason).toMatch(/did not finish.*trying again/);
      // Fails, never skips, without SwiftShader (chromium-common), like the GPU job tests.
      await until('the re-probe', () => redetected > 0);
      expect(outcomes).toEqual(['wall-limit', 'adapter']);
      expect(gpu.detection()).toMatchObject({ present: true, unit: 'bytes' });
      expect(gpu.describe().present).toBe(true);
    } finally {
      gpu.close();
      await Promise.all([starved.close(), normal.close()]);
    }
  });

  it('does not probe again when the machine has no adapter for jobs, nor after close', async () => {
    let probes = 0;
    const none: WebGpuProbe = () => {
      probes++;
      return Promise.resolve({ adapter: null, reason: 'no-adapter', message: 'only a software adapter here' });
    };
    const final = new GpuAdapter({ probe: noReportedGpu(), dataDir: '/tmp', webgpu: none, reprobeDelayMs: () => 1 });
    expect(await final.detect()).toMatchObject({ present: false, code: 'no-gpu' });
    await new Promise((r) => setTimeout(r, 50));
    expect(probes).toBe(1);
    final.close();

    let tries = 0;
    const crashing: WebGpuProbe = () => {
      tries++;
      return Promise.resolve({ adapter: null, reason: 'crashed', message: 'the probe process died' });
    };
    const closed = new GpuAdapter({
      probe: noReportedGpu(),
      dataDir: '/tmp',
      webgpu: crashing,
      reprobeDelayMs: () => 20,
    });
    expect(await closed.detect()).toMatchObject({ present: false, code: 'detection-failed' });
    closed.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(tries).toBe(1);
  });

  it('retries only probes that did not finish, each time waiting longer, up to 10 minutes', () => {
    expect(['wall-limit', 'memory-limit', 'crashed', 'gpu-error'].every((r) => probeMayPass(r as never))).toBe(true);
    expect(probeMayPass('no-adapter')).toBe(false);
    expect(probeMayPass('aborted')).toBe(false);
    expect([0, 1, 2].map(reprobeDelayMs)).toEqual([15_000, 30_000, 60_000]);
    expect(reprobeDelayMs(6)).toBe(600_000);
    expect(reprobeDelayMs(10_000)).toBe(600_000);
  });
});
