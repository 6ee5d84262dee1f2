import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCHMARK_STEPS, type BenchmarkView } from '../../shared/benchmark';
import { RemoteError } from '../../shared/errors';
import { DEFAULT_SETTINGS } from '../../shared/settings';
import { createNodeApiClient } from '../../shared/api/client';
import { createDispatch } from '../api/index';
import { LogBook } from '../logging/index';
import { createNode, type HyperMeshNode } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { useTempDirs } from '../testing/temp-dir';
import { until } from '../testing/until';
import { Benchmark } from './benchmark';

const tempDir = useTempDirs();
const GIB = 1024 ** 3;
// Bounds, not expectations: the machine is shared with other test runs.
const RUN_BOUND_MS = 120_000;

function benchmarkIn(dir: string, stepMs: number, onChange?: (view: BenchmarkView) => void): Benchmark {
  const hardware = fixedHardware({ gpus: [{ model: 'Test GPU', vendor: 'Test', vramBytes: 8 * GIB }] });
  return new Benchmark({
    dataDir: dir,
    settings: () => DEFAULT_SETTINGS,
    hardware: () => hardware.read(dir),
    stepMs,
    threads: 2,
    ...(onChange ? { onChange } : {}),
  });
}

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('the capacity benchmark', () => {
  it('runs every step with progress from 0 to 1, measures, and keeps its result across a restart', async () => {
    const dir = tempDir();
    const views: BenchmarkView[] = [];
    const bench = benchmarkIn(dir, 250, (v) => views.push(v));
    expect(bench.view()).toMatchObject({ state: 'idle', result: null, measuredAt: null });
    expect(bench.start().state).toBe('running');
    const done = await until(
      'the benchmark to finish',
      () => bench.view().state !== 'running' && bench.view(),
      RUN_BOUND_MS,
    );
    expect(done.state).toBe('done');
    expect(done.progress).toBe(1);

    const steps = [...new Set(views.map((v) => v.step).filter((s) => s !== null))];
    expect(steps).toEqual([...BENCHMARK_STEPS]);
    const progress = views.map((v) => v.progress);
    expect(progress.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p >= (progress[i - 1] ?? 0)))).toBe(true);

    const result = done.result!;
    expect(result.cpuIntegerMops).toBeGreaterThan(0);
    expect(result.cpuFloatMflops).toBeGreaterThan(0);
    expect(result.memoryBytesPerSec).toBeGreaterThan(0);
    expect(result.storageWriteBytesPerSec).toBeGreaterThan(0);
    expect(result.storageReadBytesPerSec).toBeGreaterThan(0);
    expect(result.capacity).toEqual({
      cpuCores: 2,
      memoryBytes: 32 * GIB,
      storageBytes: 400 * GIB,
      gpuMemoryBytes: 8 * GIB,
      bandwidthBitsPerSec: 1_000_000_000,
    });
    expect(leftovers(dir)).toEqual([]);

    const again = benchmarkIn(dir, 250).view();
    expect(again).toMatchObject({ state: 'idle', result, measuredAt: done.measuredAt });
  });

  it('stops within a generous bound when cancelled mid-step, and keeps no partial result', async () => {
    const dir = tempDir();
    // Minute-long steps: the run only ends this early because it was cancelled.
    const bench = benchmarkIn(dir, 60_000);
    expect(bench.start()).toMatchObject({ state: 'running', step: 'cpu-integer' });
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('cancel did not stop')), 30_000));
    const view = await Promise.race([bench.cancel(), bound]);
    expect(view).toMatchObject({ state: 'cancelled', step: null, result: null, measuredAt: null });
    expect(view.progress).toBeLessThan(1);
    expect(leftovers(dir)).toEqual([]);
  });

  it('cancelled during the storage step, leaves no temporary file behind', async () => {
    const dir = tempDir();
    let cancelling: Promise<BenchmarkView> | undefined;
    const bench: Benchmark = benchmarkIn(dir, 250, (v) => {
      if (v.step === 'storage') cancelling ??= bench.cancel();
    });
    bench.start();
    const view = await until('the storage step', () => cancelling, RUN_BOUND_MS);
    expect(view).toMatchObject({ state: 'cancelled', result: null });
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('the node’s benchmark API', () => {
  const nodes: HyperMeshNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it('refuses while sharing is active at 100 % CPU (code and reason as data), runs once that changes', async () => {
    const node = createNode({ dataDir: tempDir() }, { hardware: fixedHardware(), logBook: new LogBook() });
    nodes.push(node);
    await node.start();
    const api = createNodeApiClient(createDispatch(node.api, node.log));
    const events: BenchmarkView[] = [];
    node.events.on('benchmark', (v) => events.push(v));

    await api.updateSettings({ privacyLevel: 'P2P', allocation: { cpu: 100 } });
    const refused = await api.startBenchmark().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ code: 'BENCHMARK_REFUSED', reason: 'cpu-fully-shared' });
    expect((await api.getBenchmark()).state).toBe('idle');

    await api.updateSettings({ sharingPaused: true });
    expect((await api.startBenchmark()).state).toBe('running');
    await until('a progress event', () => events.some((v) => v.state === 'running' && v.step !== null), RUN_BOUND_MS);
    const cancelled = await api.cancelBenchmark();
    expect(cancelled.state).toBe('cancelled');
    expect(events.at(-1)?.state).toBe('cancelled');
    await expect((api.startBenchmark as (...args: unknown[]) => Promise<unknown>)(1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
