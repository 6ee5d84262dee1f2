import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { JobFailureReason, JobKind } from '../../shared/vm';
import type { Logger } from '../logging/index';
import { createChildPool, type ChildObserver, type ChildPoolOptions, type JobChild } from './child-pool';
import { VmError } from './errors';
import { processCpuMs, processRssBytes } from './proc';
import type { WorkerDoneMessage, WorkerRunMessage } from './sandbox-worker';
import { sandboxModule, type ModuleLimits } from './wasm-module';

/**
 * The Catalog VM's sandbox: every job runs in an OS process of its own (child-pool.ts), under four limits.
 *
 * - Memory: a WebAssembly module's memory and table maxima are rewritten to the limit and its other structures
 *   bounded before it is compiled (wasm-module.ts); QuickJS gets the limit as its heap limit; the child's V8 heap
 *   is capped, and a watchdog reads the child's resident set from /proc. A job over any of them is reported as
 *   'memory-limit' — a V8 out-of-memory abort included: it ends the child, never the node.
 * - CPU time: the parent reads the child's CPU time from /proc/<pid>/stat (Linux) every few milliseconds and
 *   kills the child past the limit (QuickJS also interrupts itself there). Elsewhere running time stands in.
 * - Wall-clock time: a timer kills the child; time the job spends paused (see `processes()`) does not count.
 * - Output: stdout and stderr are counted as they are written and the job stops past the limit.
 *
 * A child that dies on its own fails its job as 'crashed' (or 'memory-limit'), with one line in the log.
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

export interface SandboxOptions extends Omit<ChildPoolOptions, 'warm'> {
  /** Children kept booted and idle, so a job does not wait for one to boot (default 1). */
  readonly warmWorkers?: number;
  /** Jobs running at once; more wait their turn (default: the machine's cores). */
  readonly maxConcurrent?: number;
  /** Bounds on a module's structure, beyond those derived from the job's memory limit (wasm-module.ts). */
  readonly moduleLimits?: Partial<ModuleLimits>;
  /** Where a job process that died is reported (one line each). */
  readonly log?: Logger;
}

/** A running job's process, for the CPU-share work (issue #19): measured by pid, paused and resumed, not killed. */
export interface JobProcess {
  readonly pid: number;
  readonly paused: boolean;
  /** The CPU time the job has used so far, in ms (from /proc; null where there is none). */
  cpuMs(): number | null;
  /** Stops the job where it is; its wall-clock limit stops counting until it resumes. */
  pause(): boolean;
  resume(): boolean;
}

export interface Sandbox extends JobExecutor {
  /** The jobs running now, one process each. */
  processes(): readonly JobProcess[];
  /**
   * Sets the observer of every job process from its spawn (booting and warm ones too: their boot is work for
   * peers) to just before its kill — the CPU throttle. One at a time; null removes it.
   */
  observe(observer: ChildObserver | null): void;
  /** Jobs that may run at once from now on (at least 1); jobs past it wait for a running one to end. */
  setMaxConcurrent(jobs: number): void;
}

/**
 * The job's CPU time is read every POLL_MS, and every CPU_POLL_MS once it is within NEAR_LIMIT_MS of its CPU limit
 * (so it stops within a few ms of it); the resident set is read every POLL_MS. Fewer wake-ups far from the limit
 * keep the supervision's own CPU small next to a small share (bench caps: node_overhead_cores).
 */
const POLL_MS = 20;
const CPU_POLL_MS = 5;
const NEAR_LIMIT_MS = 100;
const MIB = 2 ** 20;
const REFILL_AFTER_MS = 50;

/**
 * The message that runs `job` in a job runner, or the result of refusing it before it runs (not a module, a
 * forbidden import, a structure over its limits).
 */
export function runMessage(
  job: SandboxJob,
  moduleLimits: Partial<ModuleLimits> = {},
): { message: Omit<WorkerRunMessage, 'id'> } | { refused: SandboxResult } {
  const limits = job.limits;
  const common = {
    type: 'run',
    input: job.input,
    args: job.args,
    memoryBytes: limits.memoryBytes,
    outputBytes: limits.outputBytes,
    wallMs: limits.wallMs,
    cpuMs: limits.cpuMs,
  } as const;
  if (job.kind !== 'wasm') {
    return {
      message: {
        ...common,
        kind: 'js',
        code: job.code,
        codeKey: '',
        importsMemory: false,
        initialPages: 0,
        maxPages: Math.floor(limits.memoryBytes / 65_536),
      },
    };
  }
  let module: ReturnType<typeof sandboxModule>;
  try {
    module = sandboxModule(job.code, limits.memoryBytes, moduleLimits);
  } catch (err) {
    if (!(err instanceof VmError)) throw err;
    return { refused: failed(err.reason, err.message.slice(err.reason.length + 2), 0, 0) };
  }
  return {
    message: {
      ...common,
      kind: 'wasm',
      code: module.bytes,
      codeKey: createHash('sha256').update(module.bytes).digest('hex'),
      importsMemory: module.importsMemory,
      initialPages: module.initialPages,
      maxPages: module.maxPages,
    },
  };
}

function failed(reason: JobFailureReason, message: string, cpuMs: number, wallMs: number): SandboxResult {
  return {
    exitCode: null,
    output: new Uint8Array(0),
    stderr: '',
    usage: { cpuMs, wallMs, memoryPeakBytes: 0 },
    failure: { reason, message },
  };
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  let maxConcurrent = options.maxConcurrent ?? Math.max(1, availableParallelism());
  const heapMb = options.heapMb ?? 128;
  const pool = createChildPool({ ...options, warm: options.warmWorkers ?? 1, heapMb });
  const running = new Set<JobProcess>();
  const waiting: (() => void)[] = [];
  let active = 0;
  let closed = false;
  let nextId = 1;

  // Jobs wait in order; a job that ends hands its slot to the first waiting one (unless the bound went down).
  const acquireSlot = async (): Promise<void> => {
    if (active < maxConcurrent && waiting.length === 0) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const releaseSlot = (): void => {
    const next = active <= maxConcurrent ? waiting.shift() : undefined;
    if (next) next();
    else active--;
  };

  const execute = async (job: SandboxJob, signal?: AbortSignal): Promise<SandboxResult> => {
    const limits = job.limits;
    const prepared = runMessage(job, options.moduleLimits);
    if ('refused' in prepared) return prepared.refused;
    if (signal?.aborted) return failed('error', 'the job was cancelled', 0, 0);
    let child: JobChild;
    try {
      child = await pool.acquire(job.kind === 'wasm' ? 'wasm' : 'js');
    } catch (err) {
      if (!(err instanceof VmError)) throw err;
      return failed(err.reason, err.message.slice(err.reason.length + 2), 0, 0);
    }
    const pid = child.pid;
    const started = performance.now();
    const cpuStart = processCpuMs(pid);
    // What the booted child holds before the job: the job may add its memory, the V8 heap cap and room for
    // compiled code on top.
    const rssLimit = (processRssBytes(pid) ?? 0) + limits.memoryBytes + heapMb * MIB + 128 * MIB;
    const id = nextId++;
    return new Promise<SandboxResult>((resolve) => {
      let settled = false;
      let lastCpuMs = 0;
      let rssCheckedAt = 0;
      // Wall-clock time counts only while the job is not paused.
      let wallUsed = 0;
      let runningSince = performance.now();
      let pausedFor = 0;
      let pausedAt = child.paused ? runningSince : 0;
      let wall: NodeJS.Timeout | undefined;
      const cpuNow = (): number => {
        const now = processCpuMs(pid);
        if (now !== null && cpuStart !== null) return now - cpuStart;
        const paused = pausedFor + (child.paused ? performance.now() - pausedAt : 0);
        return performance.now() - started - paused;
      };
      // Whoever stops the process (the CPU throttle, mostly), its wall-clock limit stops counting.
      child.onPausedChange((paused) => {
        if (settled) return;
        const now = performance.now();
        if (paused) {
          wallUsed += now - runningSince;
          pausedAt = now;
          clearTimeout(wall);
        } else {
          runningSince = now;
          pausedFor += now - pausedAt;
          armWall();
        }
      });
      const handle: JobProcess = {
        pid,
        get paused() {
          return child.paused;
        },
        cpuMs: () => (settled ? null : cpuNow()),
        pause: () => !settled && child.pause(),
        resume: () => !settled && child.resume(),
      };
      const finish = (result: SandboxResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(poll);
        clearTimeout(wall);
        clearTimeout(replenish);
        signal?.removeEventListener('abort', onAbort);
        running.delete(handle);
        // One job per process: whatever the job left behind goes with it.
        child.kill();
        resolve(result);
        // Spawning is synchronous in this process: after the result is on its way, not before.
        setImmediate(() => pool.refill());
      };
      const kill = (reason: JobFailureReason, text: string): void => {
        const cpuMs = Math.max(lastCpuMs, reason === 'cpu-limit' ? limits.cpuMs : 0);
        finish(failed(reason, text, cpuMs, performance.now() - started));
      };
      const onMessage = (raw: unknown): void => {
        const m = raw as WorkerDoneMessage;
        if (m.type !== 'done' || m.id !== id) return;
        // The child measures its own CPU time to the microsecond; /proc (10 ms ticks) checks it from outside, and
        // wins if the child reported less than the kernel saw.
        const outside = cpuNow();
        const cpuMs = outside > m.cpuMs + 20 + m.cpuMs * 0.1 ? outside : m.cpuMs;
        finish({
          exitCode: m.exitCode,
          output: m.output,
          stderr: m.stderr,
          usage: { cpuMs: Math.round(cpuMs), wallMs: Math.round(m.wallMs), memoryPeakBytes: m.memoryPeakBytes },
          failure: m.failure ? { reason: m.failure.reason as JobFailureReason, message: m.failure.message } : null,
        });
      };
      void child.exited.then((exit) => {
        if (settled) return;
        const how = exit.signal ?? `exit ${exit.code}`;
        options.log?.warn(`job process ${pid} died (${how}): ${exit.cause}; the node serves on`);
        kill(
          exit.cause,
          exit.cause === 'memory-limit'
            ? `the job process ran out of memory and was stopped (${how})`
            : `the job process died (${how})`,
        );
      });
      const onAbort = (): void => kill('error', 'the job was cancelled');
      let poll: NodeJS.Timeout | undefined;
      const check = (): void => {
        if (settled) return;
        if (!child.paused) {
          lastCpuMs = cpuNow();
          if (lastCpuMs > limits.cpuMs) {
            return kill('cpu-limit', `the job used more than ${limits.cpuMs} ms of CPU time`);
          }
          const now = performance.now();
          if (now - rssCheckedAt >= POLL_MS) {
            rssCheckedAt = now;
            const rss = processRssBytes(pid);
            if (rss !== null && rss > rssLimit) {
              return kill('memory-limit', `the job process held ${Math.round(rss / MIB)} MiB, over its memory limit`);
            }
          }
        }
        poll = setTimeout(check, limits.cpuMs - lastCpuMs <= NEAR_LIMIT_MS ? CPU_POLL_MS : POLL_MS);
      };
      poll = setTimeout(check, CPU_POLL_MS);
      const armWall = (): void => {
        wall = setTimeout(
          () => kill('wall-limit', `the job ran longer than ${limits.wallMs} ms`),
          Math.max(0, limits.wallMs - wallUsed),
        );
      };
      if (!child.paused) armWall();
      // The replacement child boots once this job is done, or REFILL_AFTER_MS into it, whichever comes first.
      const replenish = setTimeout(() => pool.refill(), REFILL_AFTER_MS);
      child.onMessage(onMessage);
      running.add(handle);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      child.send({ ...prepared.message, id });
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
    processes: () => [...running],
    observe: (next) => pool.observe(next),
    setMaxConcurrent(jobs) {
      if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
      maxConcurrent = jobs;
      // More room: the waiting jobs that now fit start.
      while (active < maxConcurrent && waiting.length > 0) {
        active++;
        waiting.shift()?.();
      }
    },
    async close() {
      closed = true;
      await pool.close();
    },
  };
}
