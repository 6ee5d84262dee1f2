/** The local capacity benchmark's view, shared by the node, the UI and the earnings preview (docs/onboarding.md). */

/** The steps in the order they run. */
export const BENCHMARK_STEPS = ['cpu-integer', 'cpu-float', 'memory', 'storage', 'hardware'] as const;
export type BenchmarkStep = (typeof BENCHMARK_STEPS)[number];

export const BENCHMARK_STATES = ['idle', 'running', 'done', 'cancelled', 'failed'] as const;
export type BenchmarkState = (typeof BENCHMARK_STATES)[number];

/**
 * Why the node refuses to start the benchmark (the `reason` of a BENCHMARK_REFUSED error):
 * `cpu-fully-shared`: sharing is active with the CPU share at 100 %, so measuring would take CPU the peers were promised.
 */
export const BENCHMARK_REFUSALS = ['cpu-fully-shared'] as const;
export type BenchmarkRefusal = (typeof BENCHMARK_REFUSALS)[number];

/** What this machine can give, as the reward formula counts it: the amounts a share is a percentage of. */
export interface BenchmarkCapacity {
  /** CPU cores that did benchmark work at once. */
  readonly cpuCores: number;
  readonly memoryBytes: number;
  /** Free space on the data folder's filesystem (shared storage lives there). */
  readonly storageBytes: number;
  /** GPU memory the hardware module detected; null without a GPU it can see or a VRAM size. */
  readonly gpuMemoryBytes: number | null;
  /** The link speed the OS reports; null where it reports none. */
  readonly bandwidthBitsPerSec: number | null;
}

export interface BenchmarkResult {
  /** Million integer operations per second, all cores together (a Dhrystone-like loop). */
  readonly cpuIntegerMops: number;
  /** Million floating-point operations per second, all cores together (a Whetstone-like loop). */
  readonly cpuFloatMflops: number;
  /** Bytes copied per second in memory, one core. */
  readonly memoryBytesPerSec: number;
  /** Sequential write (with fsync) and read of a temporary file in the data folder, bytes per second. */
  readonly storageWriteBytesPerSec: number;
  readonly storageReadBytesPerSec: number;
  readonly capacity: BenchmarkCapacity;
  /** How long the whole run took, ms. */
  readonly durationMs: number;
}

export interface BenchmarkView {
  readonly state: BenchmarkState;
  /** 0..1 of the current run (1 when done); the last run's value otherwise. */
  readonly progress: number;
  /** The step running now; null when not running. */
  readonly step: BenchmarkStep | null;
  /** The last completed run's result (kept across restarts), or null if none has completed. */
  readonly result: BenchmarkResult | null;
  /** When that result was measured (ISO time), or null. */
  readonly measuredAt: string | null;
  /** Why the last run failed (state `failed`), else null. */
  readonly failure: string | null;
}
