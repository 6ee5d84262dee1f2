import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import type { Readable } from 'node:stream';
import {
  DEFAULT_GPU_SPEC_LIMITS,
  checkGpuJobSpec,
  type GpuJobFailureReason,
  type GpuSpecLimits,
} from '../../../shared/gpu-job';
import { findExecutable, processRssBytes } from '../proc';
import { gpuRunnerMain, type GpuAdapterDescription, type GpuAdapterLimits, type GpuChildMessage } from './runner';

/**
 * GPU jobs (issue #24): each job is checked against its limits (shared/gpu-job.ts), then run in a child process of
 * its own that owns one WebGPU device (runner.ts), and that process is killed when the job ends, at its wall-clock
 * limit, past its memory, or on cancel. A runaway shader can only be stopped this way (the device never stops it).
 *
 * Each child is `<a plain Node runtime> -e <runner>` (gpuRuntimeFor) (under prlimit: RLIMIT_DATA, no core file) at nice 19, with stdin
 * and stdout on /dev/null, stderr on a pipe (its tail explains a crash), the IPC pipe, and an environment holding
 * only what the Vulkan loader needs: VK_ICD_FILENAMES (the caller's, or Debian Chromium's SwiftShader ICD where
 * that file exists), LD_LIBRARY_PATH to Chromium's Vulkan loader when the system has none (vulkanLoaderDirFor), and
 * XDG_RUNTIME_DIR when the node has one.
 */

export interface GpuJobLimits {
  readonly wallMs: number;
  /** All buffers together; the child's resident set may exceed it by `processOverheadBytes`, no more. */
  readonly memoryBytes: number;
  /** All output buffers together (default: the executor's spec limits). */
  readonly outputBytes?: number;
}

export interface GpuJob {
  /** The spec as received (parsed JSON): checked here before anything runs. */
  readonly spec: unknown;
  readonly input: Uint8Array;
  readonly limits: GpuJobLimits;
}

export interface GpuJobResult {
  /** The output buffers' bytes, in the spec's `output` order; empty unless the job completed. */
  readonly outputs: readonly Uint8Array[];
  readonly adapter: GpuAdapterDescription | null;
  readonly usage: {
    /** Wall time of the dispatches, measured in the child (submit to the queue's completion). */
    readonly gpuMs: number;
    /** Wall time of the whole job, process start to result, measured here. */
    readonly wallMs: number;
    readonly memoryPeakBytes: number;
  };
  readonly failure: { readonly reason: GpuJobFailureReason; readonly message: string } | null;
}

export type GpuProbeResult =
  | { readonly adapter: GpuAdapterDescription; readonly limits: GpuAdapterLimits }
  | { readonly adapter: null; readonly reason: GpuJobFailureReason; readonly message: string };

export interface GpuExecutor {
  run(job: GpuJob, signal?: AbortSignal): Promise<GpuJobResult>;
  /** The adapter a job would get (in a child process of its own, like a job), or why there is none. */
  probe(signal?: AbortSignal): Promise<GpuProbeResult>;
  /** Kills every running job (they fail as 'aborted') and refuses new ones. */
  close(): Promise<void>;
  /**
   * The sharing rules hold the GPU at 0 (pause, snooze, battery, in use, too hot): every running job's process is
   * stopped (SIGSTOP) and its wall clock with it; new jobs start stopped. `resume()` continues them (SIGCONT).
   */
  pause(): void;
  resume(): void;
}

export interface GpuExecutorOptions {
  /** Allow fallback (software) adapters such as SwiftShader: tests and CI only (default false). */
  readonly testMode?: boolean;
  /** Device and job bounds for specs (default: WebGPU's default limits); memory/output come from each job. */
  readonly specLimits?: Partial<GpuSpecLimits>;
  /** Jobs running at once; more wait their turn (default 1: one device, one job). */
  readonly maxConcurrent?: number;
  /** Memory a job process may use beyond its buffers: Node, Dawn, the driver (default 384 MiB). */
  readonly processOverheadBytes?: number;
  /** The Vulkan ICD list for the child; default: VK_ICD_FILENAMES, else SwiftShader's where it exists. */
  readonly vulkanIcdFilenames?: string | null;
  /** The child's nice value (default 19). */
  readonly niceness?: number;
  /** A probe's wall-clock limit (default 30 s). */
  readonly probeWallMs?: number;
  /**
   * The plain Node executable the children run on. Default: this process's own, except under Electron, whose V8
   * memory cage refuses the `webgpu` package (so the app must ship a Node runtime and name it here); null: none
   * (every job fails as 'no-adapter').
   */
  readonly nodeRuntime?: string | null;
}

/**
 * The executable for GPU job children, or why there is none: Electron ≥ 21 cannot load the `webgpu` package (its
 * V8 memory cage forbids external ArrayBuffers), even as ELECTRON_RUN_AS_NODE, so under Electron only an explicitly
 * shipped plain Node runtime will do (docs/vm.md, "GPU jobs").
 */
export function gpuRuntimeFor(
  nodeRuntime: string | null | undefined,
  host: { readonly execPath: string; readonly electron: string | undefined } = {
    execPath: process.execPath,
    electron: process.versions.electron,
  },
): { readonly path: string } | { readonly path: null; readonly message: string } {
  if (nodeRuntime === null) return { path: null, message: 'no Node runtime for GPU jobs on this node' };
  if (nodeRuntime !== undefined) return { path: nodeRuntime };
  if (host.electron === undefined) return { path: host.execPath };
  return {
    path: null,
    message: `GPU jobs need a plain Node runtime: Electron ${host.electron} cannot load the webgpu package`,
  };
}

/**
 * In a packaged app, modules resolve inside `app.asar`, which a plain Node runtime cannot read; the webgpu package
 * is unpacked beside it (electron-builder.yml `asarUnpack`), so the child imports it from there.
 */
export function outsideAsar(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** Debian's chromium-common ships SwiftShader's Vulkan ICD here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const MIB = 2 ** 20;
const STDERR_TAIL = 8192;
const RSS_POLL_MS = 50;
/** setTimeout's largest delay (about 24.8 days). */
const MAX_WALL_MS = 2 ** 31 - 1;

function runnerSource(webgpuPath: string): string {
  return `
'use strict';
const { pathToFileURL } = require('node:url');
process.on('disconnect', () => process.exit(0));
(${gpuRunnerMain.toString()})({
  send: (m) => process.send(m),
  onMessage: (f) => process.once('message', f),
  importWebgpu: () => import(pathToFileURL(${JSON.stringify(webgpuPath)}).href),
  now: () => performance.now(),
  finish: () => process.send({ type: 'end' }, () => process.exit(0)),
});
`;
}

/** Where the system's Vulkan loader would be (Debian's libvulkan1, multiarch or not). */
const SYSTEM_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

/**
 * A directory for the child's LD_LIBRARY_PATH when it uses SwiftShader and the system has no Vulkan loader:
 * Chromium ships its own libvulkan.so.1 beside the ICD (Dawn dlopens the loader). Null when none is needed.
 */
export function vulkanLoaderDirFor(icd: string | null, exists: (path: string) => boolean = existsSync): string | null {
  if (icd !== SWIFTSHADER_ICD || SYSTEM_LOADERS.some((p) => exists(p))) return null;
  const dir = SWIFTSHADER_ICD.slice(0, SWIFTSHADER_ICD.lastIndexOf('/'));
  return exists(`${dir}/libvulkan.so.1`) ? dir : null;
}

/** The ICD list the child gets: an explicit option, the node's own variable, or SwiftShader's where installed. */
export function vulkanIcdFor(option: string | null | undefined, env = process.env): string | null {
  if (option !== undefined) return option;
  if (env.VK_ICD_FILENAMES) return env.VK_ICD_FILENAMES;
  return existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : null;
}

export function createGpuExecutor(options: GpuExecutorOptions = {}): GpuExecutor {
  const allowFallback = options.testMode ?? false;
  const maxConcurrent = options.maxConcurrent ?? 1;
  const overhead = options.processOverheadBytes ?? 384 * MIB;
  const niceness = options.niceness ?? 19;
  const probeWallMs = options.probeWallMs ?? 30_000;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 16) {
    throw new RangeError('maxConcurrent must be an integer in 1..16');
  }
  if (!Number.isSafeInteger(overhead) || overhead < 16 * MIB) throw new RangeError('processOverheadBytes ≥ 16 MiB');
  if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19) throw new RangeError('niceness is -20..19');
  const specLimits: GpuSpecLimits = { ...DEFAULT_GPU_SPEC_LIMITS, ...options.specLimits };
  const runtime = gpuRuntimeFor(options.nodeRuntime);
  const source = runnerSource(outsideAsar(createRequire(import.meta.url).resolve('webgpu')));
  const prlimit = findExecutable('prlimit');
  const icd = vulkanIcdFor(options.vulkanIcdFilenames);
  const loaderDir = vulkanLoaderDirFor(icd);
  const env: NodeJS.ProcessEnv = {
    ...(icd ? { VK_ICD_FILENAMES: icd } : {}),
    ...(loaderDir ? { LD_LIBRARY_PATH: loaderDir } : {}),
    ...(process.env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR } : {}),
  };
  const running = new Set<ChildProcess>();
  const waiting: (() => void)[] = [];
  let active = 0;
  let closed = false;
  let paused = false;
  /** Per running child: stop and continue it, its wall clock included. */
  const holds = new Map<ChildProcess, { stop(): void; go(): void }>();

  const slot = async (): Promise<() => void> => {
    if (active >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    return () => {
      active--;
      waiting.shift()?.();
    };
  };

  interface ChildOutcome {
    readonly message: GpuChildMessage | null;
    /** Why the parent ended it, or 'crashed' when it died on its own before answering. */
    readonly ended: 'wall-limit' | 'memory-limit' | 'aborted' | 'crashed' | 'no-runtime' | null;
    readonly detail: string;
    readonly memoryPeakBytes: number;
  }

  /** Spawns a runner, sends it one message, and waits for its answer, its death, or a limit. */
  const inChild = (
    first: unknown,
    wallMs: number,
    memoryBytes: number,
    signal: AbortSignal | undefined,
    /** Jobs are held by pause(); probes are not (a node reads its GPU while sharing is paused, too). */
    pausable = false,
  ): Promise<ChildOutcome> =>
    new Promise((resolve) => {
      if (runtime.path === null) {
        resolve({ message: null, ended: 'no-runtime', detail: runtime.message, memoryPeakBytes: 0 });
        return;
      }
      // RLIMIT_DATA: the job's buffers (a software device keeps them in this process) plus Node and Dawn.
      const data = memoryBytes + overhead + 512 * MIB;
      const command = [
        ...(prlimit ? [prlimit, `--data=${data}`, '--core=0', '--'] : []),
        runtime.path,
        '--max-old-space-size=256',
        '-e',
        source,
      ];
      let proc: ChildProcess;
      try {
        proc = spawn(command[0] as string, command.slice(1), {
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          env,
          serialization: 'advanced',
          windowsHide: true,
        });
      } catch (err) {
        resolve({ message: null, ended: 'crashed', detail: (err as Error).message, memoryPeakBytes: 0 });
        return;
      }
      running.add(proc);
      if (proc.pid !== undefined) {
        try {
          setPriority(proc.pid, niceness);
        } catch {
          // A platform that refuses: the child runs at the node's priority.
        }
      }
      let stderr = '';
      (proc.stderr as Readable).setEncoding('utf8');
      (proc.stderr as Readable).on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL);
      });
      let answer: GpuChildMessage | null = null;
      let ended: ChildOutcome['ended'] = null;
      let peak = 0;
      const end = (why: NonNullable<ChildOutcome['ended']>): void => {
        if (ended === null && answer === null) ended = why;
        proc.kill('SIGKILL');
      };
      // The wall clock runs only while the job may: a paused job's time left is kept for when it continues.
      let left = wallMs;
      let since = performance.now();
      let wall: NodeJS.Timeout | undefined = setTimeout(() => end('wall-limit'), left);
      const hold = {
        stop() {
          if (wall === undefined) return;
          clearTimeout(wall);
          wall = undefined;
          left = Math.max(0, left - (performance.now() - since));
          proc.kill('SIGSTOP');
        },
        go() {
          if (wall !== undefined) return;
          since = performance.now();
          wall = setTimeout(() => end('wall-limit'), left);
          proc.kill('SIGCONT');
        },
      };
      if (pausable) holds.set(proc, hold);
      if (pausable && paused) hold.stop();
      const limit = memoryBytes + overhead;
      const watch = setInterval(() => {
        const rss = proc.pid === undefined ? null : processRssBytes(proc.pid);
        if (rss === null) return;
        peak = Math.max(peak, rss);
        if (rss > limit) end('memory-limit');
      }, RSS_POLL_MS);
      const onAbort = (): void => end('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      proc.on('message', (m: GpuChildMessage | { type: 'end' }) => {
        if (m.type === 'end') {
          proc.kill('SIGKILL');
          return;
        }
        answer ??= m;
      });
      let settled = false;
      const settle = (code: number | null, sig: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(wall);
        holds.delete(proc);
        clearInterval(watch);
        signal?.removeEventListener('abort', onAbort);
        running.delete(proc);
        const how = sig ?? `exit ${code}`;
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        const oom = /out of memory|allocation failed|Cannot allocate memory/i.test(stderr);
        resolve({
          message: answer,
          ended: answer ? null : (ended ?? (closed ? 'aborted' : oom ? 'memory-limit' : 'crashed')),
          detail: `the GPU job process ended (${how})${tail ? `: ${tail}` : ''}`,
          memoryPeakBytes: peak,
        });
      };
      proc.once('error', (err) => {
        stderr += `\n${err.message}`;
        // A process that never started has no 'exit' to wait for.
        if (proc.pid === undefined) settle(null, null);
      });
      proc.once('exit', settle);
      if (signal?.aborted) end('aborted');
      else if (proc.pid !== undefined) {
        try {
          proc.send(first as object);
        } catch {
          end('crashed');
        }
      }
    });

  const failed = (
    reason: GpuJobFailureReason,
    message: string,
    wallMs = 0,
    memoryPeakBytes = 0,
    adapter: GpuAdapterDescription | null = null,
  ): GpuJobResult => ({
    outputs: [],
    adapter,
    usage: { gpuMs: 0, wallMs, memoryPeakBytes },
    failure: { reason, message },
  });

  const ENDED: Record<NonNullable<ChildOutcome['ended']>, string> = {
    'wall-limit': 'the job ran past its wall-clock limit and was killed',
    'memory-limit': 'the job used more memory than its limit and was killed',
    aborted: 'the job was cancelled',
    crashed: 'the GPU job process died',
    'no-runtime': 'no runtime for GPU jobs',
  };
  const reasonOf = (ended: NonNullable<ChildOutcome['ended']>): GpuJobFailureReason =>
    ended === 'no-runtime' ? 'no-adapter' : ended;

  return {
    async run(job, signal) {
      if (closed) return failed('aborted', 'the GPU executor is closed');
      const { wallMs, memoryBytes } = job.limits;
      if (!Number.isSafeInteger(wallMs) || wallMs < 1 || wallMs > MAX_WALL_MS) {
        return failed('invalid-spec', `limits.wallMs must be an integer 1–${MAX_WALL_MS}`);
      }
      if (!Number.isSafeInteger(memoryBytes) || memoryBytes < 1) {
        return failed('invalid-spec', 'limits.memoryBytes must be ≥ 1');
      }
      if (!(job.input instanceof Uint8Array)) return failed('invalid-spec', 'the input must be bytes');
      const check = checkGpuJobSpec(job.spec, job.input.length, {
        ...specLimits,
        memoryBytes,
        outputBytes: job.limits.outputBytes ?? specLimits.outputBytes,
      });
      if (!check.ok) return failed(check.reason, check.message);
      const release = await slot();
      try {
        if (closed || signal?.aborted) return failed('aborted', 'the job was cancelled');
        const started = performance.now();
        const out = await inChild(
          { type: 'run', allowFallback, spec: check.spec, input: job.input },
          wallMs,
          memoryBytes,
          signal,
          true,
        );
        const took = performance.now() - started;
        const m = out.message;
        if (m?.type === 'done') {
          // The child runs peers' shaders through a native driver: its answer is checked like any input.
          const sizes = check.spec.output.map((name) => check.spec.buffers.find((b) => b.name === name)?.size);
          const outputs: readonly unknown[] = Array.isArray(m.outputs) ? m.outputs : [];
          const good =
            outputs.length === sizes.length &&
            outputs.every((o, i) => o instanceof Uint8Array && o.length === sizes[i]) &&
            typeof m.gpuMs === 'number' &&
            Number.isFinite(m.gpuMs);
          if (!good) return failed('crashed', 'the GPU job process answered with malformed output', took);
          return {
            outputs: m.outputs.map((o) => o.slice()), // own buffers, not views of the IPC message's
            adapter: m.adapter,
            // The child's own clock, bounded by what the parent saw (a payment is never for more than the wall).
            usage: { gpuMs: Math.min(Math.max(m.gpuMs, 0), took), wallMs: took, memoryPeakBytes: out.memoryPeakBytes },
            failure: null,
          };
        }
        if (m?.type === 'failed') return failed(m.reason, m.message, took, out.memoryPeakBytes, m.adapter);
        const why = out.ended ?? 'crashed';
        return failed(reasonOf(why), `${ENDED[why]}; ${out.detail}`, took, out.memoryPeakBytes);
      } finally {
        release();
      }
    },

    async probe(signal) {
      if (closed) return { adapter: null, reason: 'aborted', message: 'the GPU executor is closed' };
      const out = await inChild({ type: 'probe', allowFallback }, probeWallMs, 0, signal);
      const m = out.message;
      if (m?.type === 'probed') return { adapter: m.adapter, limits: m.limits };
      if (m?.type === 'failed') return { adapter: null, reason: m.reason, message: m.message };
      const why = out.ended ?? 'crashed';
      return { adapter: null, reason: reasonOf(why), message: `${ENDED[why]}; ${out.detail}` };
    },

    pause() {
      paused = true;
      for (const h of holds.values()) h.stop();
    },

    resume() {
      paused = false;
      for (const h of holds.values()) h.go();
    },

    async close() {
      closed = true;
      // A stopped process still dies by SIGKILL; continuing it first lets its exit be seen at once.
      for (const h of holds.values()) h.go();
      for (const resolve of waiting.splice(0)) resolve();
      const gone = [...running].map(
        (p) =>
          new Promise<void>((resolve) => {
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      );
      await Promise.all(gone);
    },
  };
}
