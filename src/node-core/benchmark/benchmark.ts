import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BenchmarkResult, BenchmarkStep, BenchmarkView } from '../../shared/benchmark';
import { ErrorCode, HyperMeshError } from '../../shared/errors';
import type { HardwareInfo } from '../../shared/hardware';
import { isSharing } from '../../shared/privacy';
import type { Settings } from '../../shared/settings';
import { isPlainObject } from '../../shared/validate';
import { measureStorage, runWorkers } from './measure';

export interface BenchmarkOptions {
  /** The data folder: the storage step's temporary file and `benchmark.json` (the last result) live there. */
  readonly dataDir: string;
  readonly settings: () => Settings;
  /** The hardware module's reading: GPU memory, link speed, memory and free storage. */
  readonly hardware: () => Promise<HardwareInfo>;
  /** Every change of the view: step, progress (a few times a second while running), end. */
  readonly onChange?: (view: BenchmarkView) => void;
  /** How long each timed step runs, ms: 4 s by default (about 20 s in all); tests shorten it. */
  readonly stepMs?: number;
  /** Worker threads for the CPU steps: one per core by default. */
  readonly threads?: number;
}

/** Refused to start; `reason` is one of BENCHMARK_REFUSALS. */
export class BenchmarkRefusedError extends HyperMeshError {
  constructor(message: string, reason: string) {
    super(ErrorCode.BenchmarkRefused, message, { reason });
  }
}

const RESULT_FILE = 'benchmark.json';
const PROGRESS_EVERY_MS = 250;
/** Each step's share of the run's expected time (the storage step writes then reads: two step times). */
const STEP_WEIGHTS: Readonly<Record<BenchmarkStep, number>> = {
  'cpu-integer': 1,
  'cpu-float': 1,
  memory: 1,
  storage: 2,
  hardware: 0.1,
};
const TOTAL_WEIGHT = Object.values(STEP_WEIGHTS).reduce((a, b) => a + b, 0);

/**
 * The local capacity benchmark (docs/onboarding.md): one run at a time, in steps with progress, cancellable, at low
 * priority (worker threads niced to 19); the last completed result is kept in the data folder with its time.
 */
export class Benchmark {
  private state: BenchmarkView['state'] = 'idle';
  private step: BenchmarkStep | null = null;
  private progress = 0;
  private failure: string | null = null;
  private stored: { result: BenchmarkResult; measuredAt: string } | null | undefined;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly stepMs: number;

  constructor(private readonly options: BenchmarkOptions) {
    this.stepMs = options.stepMs ?? 4000;
  }

  view(): BenchmarkView {
    this.stored ??= loadResult(join(this.options.dataDir, RESULT_FILE));
    return {
      state: this.state,
      progress: this.progress,
      step: this.step,
      result: this.stored?.result ?? null,
      measuredAt: this.stored?.measuredAt ?? null,
      failure: this.failure,
    };
  }

  /** Starts a run, or answers the running one's view; refused while sharing takes all of the CPU. */
  start(): BenchmarkView {
    if (this.state === 'running') return this.view();
    const settings = this.options.settings();
    if (isSharing(settings) && settings.allocation.cpu >= 100) {
      throw new BenchmarkRefusedError(
        'The benchmark does not run while sharing is on with 100 % of the CPU: peers were promised all of it. ' +
          'Lower the CPU share or pause sharing, then run it.',
        'cpu-fully-shared',
      );
    }
    const controller = new AbortController();
    this.controller = controller;
    this.state = 'running';
    this.progress = 0;
    this.failure = null;
    this.running = this.run(controller.signal);
    return this.view();
  }

  /** Stops a running benchmark and waits until it has (its temporary file removed). */
  async cancel(): Promise<BenchmarkView> {
    this.controller?.abort(new DOMException('the benchmark was cancelled', 'AbortError'));
    await this.running;
    return this.view();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let done = 0;
    let stepStarted = started;
    const ticker = setInterval(() => {
      const step = this.step;
      if (step === null) return;
      const expected = STEP_WEIGHTS[step] * this.stepMs;
      const within = Math.min(0.99, (performance.now() - stepStarted) / expected);
      this.progress = Math.min(0.99, (done + within * STEP_WEIGHTS[step]) / TOTAL_WEIGHT);
      this.changed();
    }, PROGRESS_EVERY_MS);
    const enter = (step: BenchmarkStep) => {
      if (this.step !== null) done += STEP_WEIGHTS[this.step];
      this.step = step;
      stepStarted = performance.now();
      this.progress = done / TOTAL_WEIGHT;
      this.changed();
    };
    try {
      const threads = this.options.threads ?? availableParallelism();
      enter('cpu-integer');
      const intOps = await runWorkers('int', threads, this.stepMs, signal);
      enter('cpu-float');
      const floatOps = await runWorkers('float', threads, this.stepMs, signal);
      enter('memory');
      const memory = await runWorkers('memory', 1, this.stepMs, signal);
      enter('storage');
      const storage = await measureStorage(this.options.dataDir, this.stepMs, signal);
      enter('hardware');
      const hw = await this.options.hardware();
      signal.throwIfAborted();
      const vram = hw.gpus.reduce((sum, g) => sum + (g.vramBytes ?? 0), 0);
      const result: BenchmarkResult = {
        cpuIntegerMops: intOps / 1e6,
        cpuFloatMflops: floatOps / 1e6,
        memoryBytesPerSec: memory,
        storageWriteBytesPerSec: storage.writeBytesPerSec,
        storageReadBytesPerSec: storage.readBytesPerSec,
        capacity: {
          cpuCores: threads,
          memoryBytes: hw.memory.totalBytes,
          storageBytes: hw.storage.freeBytes,
          gpuMemoryBytes: vram > 0 ? vram : null,
          bandwidthBitsPerSec: hw.network.linkMbps === null ? null : hw.network.linkMbps * 1_000_000,
        },
        durationMs: Math.round(performance.now() - started),
      };
      const measuredAt = new Date().toISOString();
      await saveResult(join(this.options.dataDir, RESULT_FILE), { result, measuredAt });
      this.stored = { result, measuredAt };
      this.finish('done', 1);
    } catch (err) {
      if (signal.aborted) this.finish('cancelled', this.progress);
      else {
        this.failure = (err as Error).message;
        this.finish('failed', this.progress);
      }
    } finally {
      clearInterval(ticker);
    }
  }

  private finish(state: BenchmarkView['state'], progress: number): void {
    this.state = state;
    this.step = null;
    this.progress = progress;
    this.changed();
  }

  private changed(): void {
    this.options.onChange?.(this.view());
  }
}

/** The kept result, or null when there is none or it cannot be read (a new run replaces it). */
function loadResult(file: string): { result: BenchmarkResult; measuredAt: string } | null {
  try {
    const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isPlainObject(doc) || typeof doc.measuredAt !== 'string' || !isPlainObject(doc.result)) return null;
    if (!isPlainObject(doc.result.capacity)) return null;
    return doc as unknown as { result: BenchmarkResult; measuredAt: string };
  } catch {
    return null;
  }
}

async function saveResult(file: string, doc: { result: BenchmarkResult; measuredAt: string }): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(doc, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}
