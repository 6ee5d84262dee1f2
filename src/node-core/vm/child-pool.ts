import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import type { Readable } from 'node:stream';
import { VmError } from './errors';
import { JOB_OWNER_VARIABLE } from './orphans';
import { findExecutable, processRunQueueWaitMs } from './proc';
import { sandboxWorkerMain } from './sandbox-worker';

/**
 * Job processes: every job runs in an OS process of its own, so nothing a job does (a V8 out-of-memory abort
 * above all) can take the node down with it. A pool keeps `warm` children booted per kind of job (a 'js' child
 * has QuickJS loaded, a 'wasm' child does not pay for it), so a job starts with one IPC message; each child runs
 * one job and is then killed, and a fresh one takes its place.
 *
 * Each child:
 * - is `process.execPath -e <the job runner>`: the runner is serialized from sandbox-worker.ts, so the same code
 *   runs from Vitest's TypeScript and from the bundled CLI with no extra file to build or find;
 * - has an empty environment (only Node's own IPC variables, ELECTRON_RUN_AS_NODE under Electron, and the owner
 *   mark of orphans.ts), stdin and
 *   stdout on /dev/null, stderr on a pipe the pool reads (to tell a V8 out-of-memory abort from other deaths),
 *   the IPC pipe, and nothing else: Node opens every other descriptor close-on-exec;
 * - has a V8 heap cap (--max-old-space-size) and, where util-linux `prlimit` exists, RLIMIT_DATA (a ceiling the
 *   kernel enforces on everything the process writes to, WebAssembly memories included) and RLIMIT_CORE 0 (an
 *   abort leaves no core file). RLIMIT_AS is not used: V8 reserves guard regions of many GiB for every
 *   WebAssembly memory and fails to allocate one under it. The per-job memory limit is the module's rewritten
 *   maximum plus the resident-set watchdog in sandbox.ts;
 * - runs at the lowest priority (nice 19 by default; SCHED_IDLE too with `idleScheduling`, via chrt);
 * - can be paused and resumed (SIGSTOP/SIGCONT) and measured from /proc by its pid: what the CPU-share work
 *   (issue #19) throttles.
 */

export interface ChildPoolOptions {
  /** Children kept booted and idle (default 1). */
  readonly warm?: number;
  /** The child's V8 old-generation cap in MiB (default 128). */
  readonly heapMb?: number;
  /** The largest memory limit a job may have, for the RLIMIT_DATA ceiling (default 4 GiB). */
  readonly maxJobMemoryBytes?: number;
  /** The children's nice value (default 19, the lowest priority). */
  readonly niceness?: number;
  /** Also run the children under SCHED_IDLE (Linux, where chrt exists; default false). */
  readonly idleScheduling?: boolean;
  /** The node's data folder, marked on each child so the next node can sweep children left behind (orphans.ts). */
  readonly owner?: string;
}

/** How a child ended: 'memory-limit' for a V8 or kernel allocation failure, 'crashed' for any other death. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly cause: 'memory-limit' | 'crashed';
}

export interface JobChild {
  readonly pid: number;
  readonly paused: boolean;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Settles once, when the process is gone. */
  readonly exited: Promise<ChildExit>;
  /** Stops the process where it is (SIGSTOP); false when it is gone or already paused. */
  pause(): boolean;
  /** Lets a paused process go on (SIGCONT); false when it is gone or not paused. */
  resume(): boolean;
  /** SIGKILL; the pool never reuses a child. */
  kill(): void;
  /** Calls `listener` whenever the process is stopped or let go on (by whoever did it). */
  onPausedChange(listener: (paused: boolean) => void): void;
}

/**
 * Told of every child from its spawn (its boot is work for peers too) until it is killed: the CPU throttle
 * (cpu-throttle.ts). `ended` comes just before the kill, while the process can still be measured.
 */
export interface ChildObserver {
  started(child: JobChild): void;
  ended(child: JobChild): void;
}

export type ChildKind = 'wasm' | 'js';

export interface ChildPool {
  /** A booted child for one job of `kind` (a warm one when there is one). */
  acquire(kind: ChildKind): Promise<JobChild>;
  /**
   * Boots children until `warm` of each kind asked for so far are idle. The caller does it once a job has started
   * (not as it starts): a child booting beside the job's own would take its CPU at the moment the job starts.
   */
  refill(): void;
  /** Sets the observer (one at a time; null removes it); it is told of the children alive now at once. */
  observe(observer: ChildObserver | null): void;
  close(): Promise<void>;
}

const MIB = 2 ** 20;
const STDERR_TAIL = 8192;
const BOOT_TIMEOUT_MS = 60_000;
/** V8's and the kernel's words for an allocation that failed (printed by V8 as it aborts). */
const OOM_TEXT = /out of memory|allocation failed|could not allocate|Cannot allocate memory/i;

function childSource(quickjsPath: string): string {
  return `
'use strict';
const { randomFillSync } = require('node:crypto');
process.on('disconnect', () => process.exit(0));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
(${sandboxWorkerMain.toString()})({
  parentPort: { postMessage: (m) => process.send(m), on: (event, f) => process.on(event, f) },
  randomFillSync,
  quickjs: () => require(${JSON.stringify(quickjsPath)}),
  cpuMs,
  preload: process.argv[1] === 'js',
  id: process.pid,
});
`;
}

class Child implements JobChild {
  paused = false;
  gone = false;
  private stderr = '';
  private readonly pauseListeners: ((paused: boolean) => void)[] = [];
  /** Told just before the kill (the pool's observer). */
  beforeKill: ((child: Child) => void) | undefined;
  readonly exited: Promise<ChildExit>;
  readonly ready: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    (proc.stderr as Readable).setEncoding('utf8');
    (proc.stderr as Readable).on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.gone = true;
        // An abort (SIGABRT, or exit 134 from some runtimes) after V8 printed its out-of-memory banner, or a
        // failed allocation under RLIMIT_DATA, is the job's memory; anything else is a crash.
        const cause = OOM_TEXT.test(this.stderr) ? 'memory-limit' : 'crashed';
        resolve({ code, signal, cause });
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      // Time stopped by the CPU throttle (a snooze, a small share) is not boot time, and neither is time spent
      // runnable but starved by the user's own programs (a SCHED_IDLE child gets no CPU while they keep the cores
      // busy): when the timer fires, that wait is given back and the timer armed again for what is left.
      const arm = (budgetMs = BOOT_TIMEOUT_MS): NodeJS.Timeout => {
        const armedAt = Date.now();
        const waitedAt = processRunQueueWaitMs(proc.pid ?? -1);
        const t = setTimeout(() => {
          const waited = processRunQueueWaitMs(proc.pid ?? -1);
          const starvedMs = waited !== null && waitedAt !== null ? waited - waitedAt : 0;
          const left = budgetMs - (Date.now() - armedAt - starvedMs);
          if (booting && left > 1_000) timer = arm(left);
          else reject(new VmError('crashed', 'a job process did not start in time'));
        }, budgetMs);
        t.unref();
        return t;
      };
      let booting = true;
      let timer: NodeJS.Timeout | undefined = arm();
      this.onPausedChange((paused) => {
        if (!booting) return;
        clearTimeout(timer);
        timer = paused ? undefined : arm();
      });
      const onBoot = (m: { type?: string; message?: string }): void => {
        if (m.type === 'ready') {
          // One round trip before the first job, so that neither side meets its message path cold with a job.
          proc.send({ type: 'ping', input: new Uint8Array(1) });
          return;
        }
        clearTimeout(timer);
        booting = false;
        proc.off('message', onBoot);
        if (m.type === 'pong') resolve();
        else reject(new VmError('crashed', `a job process failed to start: ${m.message ?? 'no reason given'}`));
      };
      proc.on('message', onBoot);
      void this.exited.then((e) => {
        clearTimeout(timer);
        booting = false;
        reject(new VmError('crashed', `a job process ended as it started (${e.signal ?? `exit ${e.code}`})`));
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        booting = false;
        reject(new VmError('crashed', `a job process could not be started: ${err.message}`));
      });
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  send(message: unknown): void {
    if (!this.gone && this.proc.connected) this.proc.send(message as object);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.proc.on('message', listener);
  }

  pause(): boolean {
    if (this.gone || this.paused || !this.signal('SIGSTOP')) return false;
    this.paused = true;
    for (const listener of this.pauseListeners) listener(true);
    return true;
  }

  resume(): boolean {
    if (this.gone || !this.paused || !this.signal('SIGCONT')) return false;
    this.paused = false;
    for (const listener of this.pauseListeners) listener(false);
    return true;
  }

  onPausedChange(listener: (paused: boolean) => void): void {
    this.pauseListeners.push(listener);
  }

  kill(): void {
    if (this.gone) return;
    const told = this.beforeKill;
    this.beforeKill = undefined;
    told?.(this);
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): boolean {
    try {
      return this.proc.kill(sig);
    } catch {
      return false;
    }
  }
}

export function createChildPool(options: ChildPoolOptions = {}): ChildPool {
  const warm = options.warm ?? 1;
  const heapMb = options.heapMb ?? 128;
  const niceness = options.niceness ?? 19;
  const maxJobMemory = options.maxJobMemoryBytes ?? 4096 * MIB;
  if (!Number.isInteger(warm) || warm < 0 || warm > 64) throw new RangeError('warm must be an integer in 0..64');
  if (!Number.isInteger(heapMb) || heapMb < 16) throw new RangeError('heapMb must be an integer of at least 16');
  if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19) throw new RangeError('niceness is -20..19');
  const require = createRequire(import.meta.url);
  const source = childSource(require.resolve('quickjs-emscripten'));
  const prlimit = findExecutable('prlimit');
  const chrt = options.idleScheduling ? findExecutable('chrt') : null;
  // The kernel's ceiling: the heap (twice, for its young generation and code), the largest job memory and room
  // for Node itself and compiled code.
  const dataLimit = heapMb * 2 * MIB + maxJobMemory + 512 * MIB;
  const command = [
    ...(chrt ? [chrt, '--idle', '0'] : []),
    ...(prlimit ? [prlimit, `--data=${dataLimit}`, '--core=0', '--'] : []),
    process.execPath,
    `--max-old-space-size=${heapMb}`,
    '--max-semi-space-size=16',
    '-e',
    source,
  ];
  // Under Electron, execPath is the Electron binary: it runs as plain Node only with this one variable.
  const env: NodeJS.ProcessEnv = {
    ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
    ...(options.owner !== undefined ? { [JOB_OWNER_VARIABLE]: options.owner } : {}),
  };
  const idle: Record<ChildKind, Child[]> = { wasm: [], js: [] };
  /** The kinds of job asked for so far: only those are kept warm. */
  const used = new Set<ChildKind>();
  const all = new Set<Child>();
  let closed = false;
  let observer: ChildObserver | null = null;
  const watch = (child: Child): void => {
    if (!observer) return;
    const o = observer;
    child.beforeKill = (c) => o.ended(c);
    o.started(child);
  };

  const spawnChild = (kind: ChildKind): Child => {
    let proc: ChildProcess;
    try {
      proc = spawn(command[0] as string, [...command.slice(1), kind], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env,
        serialization: 'advanced',
        windowsHide: true,
      });
    } catch (err) {
      // spawn throws for some errors (ENOMEM, E2BIG): the job cannot run here, the node serves on.
      throw new VmError('refused', `the provider could not start a job process: ${(err as Error).message}`);
    }
    const child = new Child(proc);
    all.add(child);
    watch(child);
    if (proc.pid !== undefined) {
      try {
        setPriority(proc.pid, niceness);
      } catch {
        // A platform that refuses: the child runs at the node's priority.
      }
    }
    // An idle child keeps nothing of the node's alive.
    proc.unref();
    proc.channel?.unref();
    (proc.stderr as Readable & { unref?: () => void }).unref?.();
    void child.exited.then(() => {
      // Died on its own (never killed): the observer still forgets it.
      const told = child.beforeKill;
      child.beforeKill = undefined;
      told?.(child);
      all.delete(child);
      const i = idle[kind].indexOf(child);
      if (i >= 0) idle[kind].splice(i, 1);
    });
    return child;
  };

  const refill = (): void => {
    try {
      for (const kind of used) while (!closed && idle[kind].length < warm) idle[kind].push(spawnChild(kind));
    } catch {
      // No warm child this time: the next job boots its own (and says why if that fails too).
    }
  };

  return {
    async acquire(kind) {
      if (closed) throw new VmError('refused', 'the sandbox is closed');
      // Children start with the first job of their kind (a node that never runs one starts none), then stay warm.
      used.add(kind);
      const child = idle[kind].shift() ?? spawnChild(kind);
      // A child with a job (or a caller waiting for it to boot) keeps the node's event loop alive.
      child.proc.ref();
      child.proc.channel?.ref();
      await child.ready;
      return child;
    },
    refill,
    observe(next) {
      for (const child of all) child.beforeKill = undefined;
      observer = next;
      for (const child of all) if (!child.gone) watch(child);
    },
    async close() {
      closed = true;
      idle.wasm.length = 0;
      idle.js.length = 0;
      const gone = [...all].map((c) => {
        // Awaiting an unref'd child's exit would leave a caller that awaits only close() nothing keeping it alive.
        c.proc.ref();
        c.kill();
        return c.exited;
      });
      await Promise.all(gone);
    },
  };
}
