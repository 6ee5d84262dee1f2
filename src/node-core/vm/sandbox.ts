import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { JobFailureReason, JobKind } from '../../shared/vm';
import { sandboxWorkerMain, type WorkerDoneMessage, type WorkerRunMessage } from './sandbox-worker';
import { VmError } from './errors';
import { sandboxModule } from './wasm-module';

/**
 * The Catalog VM's sandbox: every job runs in a worker thread of its own, under four limits.
 *
 * - Memory: a WebAssembly module's memory maximum is rewritten to the limit (memory.grow fails there); QuickJS
 *   gets the limit as its heap limit; the worker's own V8 heap is capped too. A job over it is reported as
 *   'memory-limit'.
 * - CPU time: the parent reads the worker thread's CPU time from /proc/self/task/<tid>/stat (Linux) every few
 *   milliseconds and terminates the worker past the limit. Elsewhere wall time since the start stands in for it.
 * - Wall-clock time: a timer terminates the worker.
 * - Output: stdout and stderr are counted as they are written and the job stops past the limit.
 *
 * Terminating a worker stops the job wherever it is (V8 interrupts WebAssembly loops); the node runs on.
 */

export interface JobLimits {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly memoryBytes: number;
  readonly outputBytes: number;
}

export interface SandboxJob {
  readonly kind: JobKind;
  readonly code: Uint8Array;
  readonly input: Uint8Array;
  readonly args: readonly string[];
  readonly limits: JobLimits;
}

export interface SandboxResult {
  /** The job's exit status (0 for a module that returned from _start); null when it did not finish. */
  readonly exitCode: number | null;
  /** stdout; empty when the job did not finish. */
  readonly output: Uint8Array;
  /** The first 64 KiB of stderr. */
  readonly stderr: string;
  readonly usage: { readonly cpuMs: number; readonly wallMs: number; readonly memoryPeakBytes: number };
  readonly failure: { readonly reason: JobFailureReason; readonly message: string } | null;
}

/** Runs jobs; the real one is `createSandbox` (a test may put a double behind this interface). */
export interface JobExecutor {
  run(job: SandboxJob, signal?: AbortSignal): Promise<SandboxResult>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Workers kept started and idle, so a job does not wait for one to boot (default 1). */
  readonly warmWorkers?: number;
  /** Jobs running at once; more wait their turn (default: the machine's cores). */
  readonly maxConcurrent?: number;
}

const CPU_POLL_MS = 5;
const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node supports

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { randomFillSync } = require('node:crypto');
(${sandboxWorkerMain.toString()})({
  parentPort,
  readFileSync,
  randomFillSync,
  quickjs: () => require(workerData.quickjs),
  clockTicksPerSecond: ${CLOCK_TICKS},
});
`;

interface SandboxWorker {
  readonly worker: Worker;
  readonly ready: Promise<number | null>;
  exited: boolean;
}

function threadCpuMs(tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

export function createSandbox(options: SandboxOptions = {}): JobExecutor {
  const require = createRequire(import.meta.url);
  const quickjsPath = require.resolve('quickjs-emscripten');
  const warmCount = options.warmWorkers ?? 1;
  const maxConcurrent = options.maxConcurrent ?? Math.max(1, availableParallelism());
  const idle: SandboxWorker[] = [];
  const waiting: (() => void)[] = [];
  let running = 0;
  let closed = false;
  let nextId = 1;

  const spawn = (): SandboxWorker => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { quickjs: quickjsPath },
      // The JavaScript heap of the worker itself (WebAssembly memories are capped separately).
      resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    });
    worker.unref();
    const entry: SandboxWorker = {
      worker,
      exited: false,
      ready: new Promise((resolve, reject) => {
        worker.once('message', (m: { type?: string; tid?: number | null }) =>
          m.type === 'ready' ? resolve(m.tid ?? null) : reject(new Error('the sandbox worker did not start')),
        );
        worker.once('error', reject);
      }),
    };
    entry.ready.catch(() => undefined);
    worker.once('exit', () => {
      entry.exited = true;
      const i = idle.indexOf(entry);
      if (i >= 0) idle.splice(i, 1);
    });
    return entry;
  };

  // Workers start with the first job (a node that never runs one starts none), then stay warm.
  const refill = (): void => {
    while (!closed && idle.length < warmCount) idle.push(spawn());
  };

  const acquireSlot = async (): Promise<void> => {
    while (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const releaseSlot = (): void => {
    running--;
    waiting.shift()?.();
  };

  const execute = async (job: SandboxJob, signal?: AbortSignal): Promise<SandboxResult> => {
    const limits = job.limits;
    let message: Omit<WorkerRunMessage, 'id'>;
    if (job.kind === 'wasm') {
      let module: ReturnType<typeof sandboxModule>;
      try {
        module = sandboxModule(job.code, limits.memoryBytes);
      } catch (err) {
        if (!(err instanceof VmError)) throw err;
        // Refused before it ran (not a module, forbidden imports, a memory larger than the limit).
        const message = err.message.slice(err.reason.length + 2);
        return {
          exitCode: null,
          output: new Uint8Array(0),
          stderr: '',
          usage: { cpuMs: 0, wallMs: 0, memoryPeakBytes: 0 },
          failure: { reason: err.reason, message },
        };
      }
      message = {
        type: 'run',
        kind: 'wasm',
        code: module.bytes,
        codeKey: createHash('sha256').update(module.bytes).digest('hex'),
        input: job.input,
        args: job.args,
        memoryBytes: limits.memoryBytes,
        outputBytes: limits.outputBytes,
        wallMs: limits.wallMs,
        importsMemory: module.importsMemory,
        initialPages: module.initialPages,
        maxPages: module.maxPages,
      };
    } else {
      message = {
        type: 'run',
        kind: 'js',
        code: job.code,
        codeKey: '',
        input: job.input,
        args: job.args,
        memoryBytes: limits.memoryBytes,
        outputBytes: limits.outputBytes,
        wallMs: limits.wallMs,
        importsMemory: false,
        initialPages: 0,
        maxPages: Math.floor(limits.memoryBytes / 65_536),
      };
    }
    const entry = idle.shift() ?? spawn();
    const started = performance.now();
    const tid = await entry.ready;
    const cpuStart = tid === null ? null : threadCpuMs(tid);
    const id = nextId++;
    return new Promise<SandboxResult>((resolve) => {
      let settled = false;
      let lastCpuMs = 0;
      const finish = (result: SandboxResult, keepWorker: boolean): void => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(wall);
        signal?.removeEventListener('abort', onAbort);
        entry.worker.off('message', onMessage);
        entry.worker.off('exit', onExit);
        // A worker whose job ended normally serves the next one (its compiled modules and QuickJS loaded); one that
        // was stopped or failed is discarded, and a fresh one is started in its place.
        if (keepWorker && !closed && idle.length < warmCount && !entry.exited) idle.push(entry);
        else {
          void entry.worker.terminate();
          refill();
        }
        resolve(result);
      };
      const kill = (reason: JobFailureReason, text: string): void => {
        const wallMs = performance.now() - started;
        finish(
          {
            exitCode: null,
            output: new Uint8Array(0),
            stderr: '',
            usage: {
              cpuMs: Math.max(lastCpuMs, reason === 'cpu-limit' ? limits.cpuMs : 0),
              wallMs,
              memoryPeakBytes: 0,
            },
            failure: { reason, message: text },
          },
          false,
        );
      };
      const onMessage = (m: WorkerDoneMessage): void => {
        if (m.type !== 'done' || m.id !== id) return;
        // Per-thread accounting: what the thread used is what the job used (it ran nothing else meanwhile).
        finish(
          {
            exitCode: m.exitCode,
            output: m.output,
            stderr: m.stderr,
            usage: { cpuMs: Math.round(m.cpuMs), wallMs: Math.round(m.wallMs), memoryPeakBytes: m.memoryPeakBytes },
            failure: m.failure ? { reason: m.failure.reason as JobFailureReason, message: m.failure.message } : null,
          },
          m.failure === null,
        );
      };
      const onExit = (code: number): void => {
        // The worker's V8 heap limit ends it with ERR_WORKER_OUT_OF_MEMORY (exit code 1).
        kill('memory-limit', `the sandbox worker ran out of memory and stopped (exit ${code})`);
      };
      const onAbort = (): void => kill('error', 'the job was cancelled');
      const poll = setInterval(() => {
        const elapsed = performance.now() - started;
        const cpu = tid === null || cpuStart === null ? elapsed : (threadCpuMs(tid) ?? elapsed) - cpuStart;
        lastCpuMs = cpu;
        if (cpu > limits.cpuMs) kill('cpu-limit', `the job used more than ${limits.cpuMs} ms of CPU time`);
      }, CPU_POLL_MS);
      const wall = setTimeout(() => kill('wall-limit', `the job ran longer than ${limits.wallMs} ms`), limits.wallMs);
      entry.worker.on('message', onMessage);
      entry.worker.once('exit', onExit);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.worker.postMessage({ ...message, id });
    });
  };

  return {
    async run(job, signal) {
      if (closed) throw new VmError('refused', 'the sandbox is closed');
      await acquireSlot();
      try {
        return await execute(job, signal);
      } finally {
        releaseSlot();
      }
    },
    async close() {
      closed = true;
      await Promise.all(idle.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
