/**
 * The body of a job process (src/node-core/vm/child-pool.ts): serialized with `Function.prototype.toString` and
 * evaluated by `node -e` in the child (so it runs the same from Vitest's TypeScript and from the bundled CLI, with
 * no file of its own to find): it must not use imports or any binding from this file — everything it needs comes
 * in through `deps`. The benchmark also runs it in a worker thread, as the baseline the process model is priced
 * against.
 *
 * A job sees only what this file gives it: for WebAssembly, a WASI preview 1 with stdin (the job's input), stdout
 * and stderr (captured, capped), argv, clocks and randomness — no preopened directory, so no file system, and no
 * sockets; for JavaScript, a QuickJS context (itself WebAssembly) with `input`, `args` and `print`.
 */

export interface WorkerRunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly kind: 'wasm' | 'js';
  /** A sandboxed module (memory capped) or UTF-8 JavaScript. */
  readonly code: Uint8Array;
  /** Names the compiled module for reuse by later jobs (a hash of the code and the cap). */
  readonly codeKey: string;
  readonly input: Uint8Array;
  readonly args: readonly string[];
  readonly memoryBytes: number;
  readonly outputBytes: number;
  readonly wallMs: number;
  /** The job's CPU limit: QuickJS interrupts itself there (the parent's watchdog stops anything else). */
  readonly cpuMs: number;
  readonly importsMemory: boolean;
  readonly initialPages: number;
  readonly maxPages: number;
}

export interface WorkerDoneMessage {
  readonly type: 'done';
  readonly id: number;
  readonly exitCode: number | null;
  readonly output: Uint8Array;
  readonly stderr: string;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly memoryPeakBytes: number;
  readonly failure: { readonly reason: string; readonly message: string } | null;
}

export interface WorkerDeps {
  readonly parentPort: { postMessage(m: unknown): void; on(event: 'message', f: (m: WorkerRunMessage) => void): void };
  readonly randomFillSync: (buf: Uint8Array) => void;
  readonly quickjs: () => {
    newQuickJSWASMModule(variant: unknown): Promise<QuickJsModule>;
    RELEASE_SYNC: unknown;
  };
  /** CPU time (user + system) of everything that runs the job, in ms: the process in a child, the thread in a worker. */
  readonly cpuMs: () => number;
  /** Load QuickJS before saying 'ready', so a JS job does not wait for it (a child runs one job, then goes). */
  readonly preload: boolean;
  /** Said with 'ready': the process id (child) or the thread id (worker) that the parent measures. */
  readonly id: number | null;
}

interface QuickJsHandle {
  dispose(): void;
}
interface QuickJsContext {
  newFunction(name: string, fn: (...args: QuickJsHandle[]) => QuickJsHandle | undefined): QuickJsHandle;
  newString(s: string): QuickJsHandle;
  setProp(target: QuickJsHandle, key: string, value: QuickJsHandle): void;
  readonly global: QuickJsHandle;
  readonly undefined: QuickJsHandle;
  dump(h: QuickJsHandle): unknown;
  evalCode(code: string, filename: string): { error?: QuickJsHandle; value?: QuickJsHandle };
  dispose(): void;
}
interface QuickJsRuntime {
  setMemoryLimit(bytes: number): void;
  setMaxStackSize(bytes: number): void;
  setInterruptHandler(f: () => boolean): void;
  newContext(): QuickJsContext;
  dumpMemoryUsage(): string;
  dispose(): void;
}
interface QuickJsModule {
  newRuntime(): QuickJsRuntime;
}

export function sandboxWorkerMain(deps: WorkerDeps): void {
  const ERRNO_SUCCESS = 0;
  const ERRNO_BADF = 8;
  const ERRNO_FAULT = 21;
  const ERRNO_INVAL = 28;
  const ERRNO_NOSYS = 52;
  const ERRNO_SPIPE = 70;
  const ERRNO_NOTCAPABLE = 76;

  class Exit extends Error {
    constructor(readonly code: number) {
      super(`exit ${code}`);
    }
  }
  class OutputLimit extends Error {
    constructor(readonly limit: number) {
      super(`more than ${limit} bytes of output`);
    }
  }

  /** Output captured from the job, refused past its limit (stdout and stderr count together). */
  class Capture {
    readonly stdout: Uint8Array[] = [];
    readonly stderr: Uint8Array[] = [];
    stderrBytes = 0;
    total = 0;
    constructor(readonly limit: number) {}
    write(fd: 1 | 2, bytes: Uint8Array): void {
      this.total += bytes.length;
      if (this.total > this.limit) throw new OutputLimit(this.limit);
      if (fd === 1) this.stdout.push(bytes.slice());
      else if (this.stderrBytes < 65_536) {
        this.stderr.push(bytes.slice(0, 65_536 - this.stderrBytes));
        this.stderrBytes += bytes.length;
      }
    }
    output(): Uint8Array {
      return concat(this.stdout);
    }
    errors(): string {
      return new TextDecoder().decode(concat(this.stderr));
    }
  }

  function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  const modules = new Map<string, WebAssembly.Module>();
  let quickjs: Promise<QuickJsModule> | undefined;

  function runWasm(msg: WorkerRunMessage, capture: Capture): { exitCode: number; memoryPeakBytes: number } {
    let module = modules.get(msg.codeKey);
    if (!module) {
      module = new WebAssembly.Module(msg.code);
      if (modules.size >= 16) modules.clear();
      modules.set(msg.codeKey, module);
    }
    let memory: WebAssembly.Memory | undefined = msg.importsMemory
      ? new WebAssembly.Memory({ initial: msg.initialPages, maximum: msg.maxPages })
      : undefined;
    const view = (): DataView => {
      if (!memory) throw new RangeError('the module has no memory');
      return new DataView(memory.buffer);
    };
    const bytesAt = (ptr: number, len: number): Uint8Array => {
      if (!memory || ptr + len > memory.buffer.byteLength) throw new RangeError('out of bounds');
      return new Uint8Array(memory.buffer, ptr, len);
    };
    const argv = ['job', ...msg.args].map((a) => new TextEncoder().encode(`${a}\0`));
    let inputAt = 0;
    const iovecs = (iovs: number, count: number): Uint8Array[] => {
      const v = view();
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++)
        out.push(bytesAt(v.getUint32(iovs + i * 8, true), v.getUint32(iovs + i * 8 + 4, true)));
      return out;
    };
    const wasi: Record<string, (...a: never[]) => number> = {
      args_sizes_get: (argcPtr: number, sizePtr: number) => {
        view().setUint32(argcPtr, argv.length, true);
        view().setUint32(
          sizePtr,
          argv.reduce((n, a) => n + a.length, 0),
          true,
        );
        return ERRNO_SUCCESS;
      },
      args_get: (argvPtr: number, bufPtr: number) => {
        let at = bufPtr;
        argv.forEach((a, i) => {
          view().setUint32(argvPtr + i * 4, at, true);
          bytesAt(at, a.length).set(a);
          at += a.length;
        });
        return ERRNO_SUCCESS;
      },
      environ_sizes_get: (countPtr: number, sizePtr: number) => {
        view().setUint32(countPtr, 0, true);
        view().setUint32(sizePtr, 0, true);
        return ERRNO_SUCCESS;
      },
      environ_get: () => ERRNO_SUCCESS,
      clock_res_get: (_id: number, ptr: number) => {
        view().setBigUint64(ptr, 1000n, true);
        return ERRNO_SUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, ptr: number) => {
        if (id === 0) view().setBigUint64(ptr, BigInt(Date.now()) * 1_000_000n, true);
        else if (id >= 1 && id <= 3) view().setBigUint64(ptr, BigInt(Math.floor(performance.now() * 1e6)), true);
        else return ERRNO_INVAL;
        return ERRNO_SUCCESS;
      },
      fd_write: (fd: number, iovs: number, count: number, writtenPtr: number) => {
        if (fd !== 1 && fd !== 2) return ERRNO_BADF;
        let written = 0;
        for (const chunk of iovecs(iovs, count)) {
          capture.write(fd, chunk);
          written += chunk.length;
        }
        view().setUint32(writtenPtr, written, true);
        return ERRNO_SUCCESS;
      },
      fd_read: (fd: number, iovs: number, count: number, readPtr: number) => {
        if (fd !== 0) return ERRNO_BADF;
        let read = 0;
        for (const chunk of iovecs(iovs, count)) {
          const n = Math.min(chunk.length, msg.input.length - inputAt);
          chunk.set(msg.input.subarray(inputAt, inputAt + n));
          inputAt += n;
          read += n;
          if (n < chunk.length) break;
        }
        view().setUint32(readPtr, read, true);
        return ERRNO_SUCCESS;
      },
      fd_close: (fd: number) => (fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF),
      fd_seek: (fd: number) => (fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF),
      fd_tell: (fd: number) => (fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF),
      fd_sync: (fd: number) => (fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF),
      fd_fdstat_get: (fd: number, ptr: number) => {
        if (fd > 2) return ERRNO_BADF;
        const v = view();
        v.setUint8(ptr, 2); // a character device
        v.setUint16(ptr + 2, 0, true);
        v.setBigUint64(ptr + 8, fd === 0 ? 2n : 64n, true); // fd_read or fd_write only
        v.setBigUint64(ptr + 16, 0n, true);
        return ERRNO_SUCCESS;
      },
      fd_fdstat_set_flags: (fd: number) => (fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF),
      // No preopened directories: libc finds none, so every path is outside the sandbox.
      fd_prestat_get: () => ERRNO_BADF,
      fd_prestat_dir_name: () => ERRNO_BADF,
      proc_exit: (code: number) => {
        throw new Exit(code);
      },
      random_get: (ptr: number, len: number) => {
        deps.randomFillSync(bytesAt(ptr, len));
        return ERRNO_SUCCESS;
      },
      sched_yield: () => ERRNO_SUCCESS,
    };
    const imports: Record<string, Record<string, unknown>> = { wasi_snapshot_preview1: {} };
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind === 'memory') {
        imports.env = { memory };
        continue;
      }
      const impl = wasi[imp.name];
      const denied =
        imp.name.startsWith('path_') || imp.name.startsWith('sock_') || imp.name.startsWith('fd_')
          ? ERRNO_NOTCAPABLE
          : ERRNO_NOSYS;
      (imports.wasi_snapshot_preview1 as Record<string, unknown>)[imp.name] = impl
        ? (...args: never[]) => {
            try {
              return impl(...args);
            } catch (err) {
              if (err instanceof RangeError) return ERRNO_FAULT;
              throw err;
            }
          }
        : () => denied;
    }
    const instance = new WebAssembly.Instance(module, imports);
    if (!memory && instance.exports.memory instanceof WebAssembly.Memory) memory = instance.exports.memory;
    const start = instance.exports._start;
    if (typeof start !== 'function') throw new TypeError('the module exports no _start function (a WASI command)');
    let exitCode = 0;
    try {
      (start as () => void)();
    } catch (err) {
      if (err instanceof Exit) exitCode = err.code;
      else {
        (err as { memoryPeakBytes?: number }).memoryPeakBytes = memory?.buffer.byteLength ?? 0;
        throw err;
      }
    }
    return { exitCode, memoryPeakBytes: memory?.buffer.byteLength ?? 0 };
  }

  /** A failed evaluation as the job's failure: the limit that interrupted it, memory, or the job's own error. */
  function evalFailure(ctx: QuickJsContext, error: QuickJsHandle, interrupted: string | null): Error {
    const e = ctx.dump(error) as { name?: string; message?: string } | string;
    error.dispose();
    const message = typeof e === 'string' ? e : `${e.name ?? 'Error'}: ${e.message ?? ''}`;
    if (interrupted) return Object.assign(new Error(message), { reason: interrupted });
    if (/out of memory/i.test(message)) return Object.assign(new Error(message), { reason: 'memory-limit' });
    return Object.assign(new Error(message), { reason: 'error' });
  }

  async function runJs(
    msg: WorkerRunMessage,
    capture: Capture,
  ): Promise<{ exitCode: number; memoryPeakBytes: number }> {
    const lib = deps.quickjs();
    quickjs ??= lib.newQuickJSWASMModule(lib.RELEASE_SYNC);
    const runtime = (await quickjs).newRuntime();
    const deadline = Date.now() + msg.wallMs;
    const cpuEnd = deps.cpuMs() + msg.cpuMs;
    let interrupted: 'wall-limit' | 'cpu-limit' | null = null;
    let failed = false;
    try {
      runtime.setMemoryLimit(msg.memoryBytes);
      runtime.setMaxStackSize(1024 * 1024);
      // Called every few thousand QuickJS operations: a single evaluation stops at the job's CPU or wall limit.
      runtime.setInterruptHandler(() => {
        if (deps.cpuMs() > cpuEnd) interrupted = 'cpu-limit';
        else if (Date.now() > deadline) interrupted = 'wall-limit';
        return interrupted !== null;
      });
      const ctx = runtime.newContext();
      try {
        let outputError: Error | undefined;
        const print = ctx.newFunction('print', (...args) => {
          const text = args.map((h) => {
            const v = ctx.dump(h);
            return typeof v === 'string' ? v : JSON.stringify(v);
          });
          try {
            capture.write(1, new TextEncoder().encode(`${text.join(' ')}\n`));
          } catch (err) {
            outputError = err as Error;
            throw err;
          }
          return undefined;
        });
        ctx.setProp(ctx.global, 'print', print);
        print.dispose();
        const input = ctx.newString(new TextDecoder().decode(msg.input));
        ctx.setProp(ctx.global, 'input', input);
        input.dispose();
        const setup = ctx.evalCode(
          `globalThis.args = ${JSON.stringify(msg.args)}; globalThis.console = { log: print, error: print };`,
          'setup.js',
        );
        // A limit can interrupt the set-up too (a starved child reaches its wall limit anywhere): its error is the
        // job's failure. A handle left undisposed makes QuickJS abort while it frees the runtime, and the job "crashed".
        if (setup.error) throw evalFailure(ctx, setup.error, interrupted);
        setup.value?.dispose();
        const result = ctx.evalCode(new TextDecoder().decode(msg.code), 'job.js');
        if (outputError) throw outputError;
        if (result.error) throw evalFailure(ctx, result.error, interrupted);
        const value = result.value ? ctx.dump(result.value) : undefined;
        result.value?.dispose();
        // Output is what the job printed; a job that printed nothing returns its completion value.
        if (capture.stdout.length === 0 && value !== undefined) {
          capture.write(1, new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)));
        }
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        // After a failure (out of memory above all) QuickJS may abort while freeing: the worker is discarded
        // instead, so nothing is freed here.
        if (!failed) ctx.dispose();
      }
      // "memory allocated  COUNT  SIZE": what the job's heap holds at its end.
      const allocated = /memory allocated\s+\d+\s+(\d+)/.exec(runtime.dumpMemoryUsage());
      return { exitCode: 0, memoryPeakBytes: allocated ? Number(allocated[1]) : 0 };
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (!failed) runtime.dispose();
    }
  }

  async function run(msg: WorkerRunMessage): Promise<WorkerDoneMessage> {
    const capture = new Capture(msg.outputBytes);
    const cpu0 = deps.cpuMs();
    const wall0 = performance.now();
    let exitCode: number | null = null;
    let memoryPeakBytes: number;
    let failure: WorkerDoneMessage['failure'] = null;
    try {
      const r = msg.kind === 'wasm' ? runWasm(msg, capture) : await runJs(msg, capture);
      exitCode = r.exitCode;
      memoryPeakBytes = r.memoryPeakBytes;
    } catch (err) {
      const e = err as { message?: string; reason?: string; memoryPeakBytes?: number };
      memoryPeakBytes = e.memoryPeakBytes ?? 0;
      if (err instanceof OutputLimit) {
        failure = { reason: 'output-limit', message: `the job wrote more than ${err.limit} bytes of output` };
      } else if (
        err instanceof WebAssembly.CompileError ||
        err instanceof WebAssembly.LinkError ||
        err instanceof TypeError
      ) {
        failure = { reason: 'invalid-module', message: e.message ?? String(err) };
      } else if (err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && msg.kind === 'wasm')) {
        // A module that traps with its memory at the cap (within one growth step, taken as 1 MiB or a 16th of the
        // cap) ran out of memory: memory.grow failed at the limit and its allocator gave up.
        const cap = msg.maxPages * 65_536;
        const atCap = memoryPeakBytes + Math.max(2 ** 20, cap / 16) > cap;
        failure = atCap
          ? {
              reason: 'memory-limit',
              message: `the job reached its memory limit (${msg.memoryBytes} bytes) and trapped: ${e.message ?? ''}`,
            }
          : { reason: 'trap', message: e.message ?? String(err) };
      } else {
        failure = { reason: e.reason ?? 'error', message: e.message ?? String(err) };
      }
    }
    return {
      type: 'done',
      id: msg.id,
      exitCode: failure ? null : exitCode,
      output: failure ? new Uint8Array(0) : capture.output(),
      stderr: capture.errors(),
      cpuMs: Math.max(0, deps.cpuMs() - cpu0),
      wallMs: performance.now() - wall0,
      memoryPeakBytes,
      failure,
    };
  }

  deps.parentPort.on('message', (msg) => {
    // A ping warms the message path both ways before the first job comes.
    if ((msg as { type: string }).type === 'ping') return deps.parentPort.postMessage({ type: 'pong' });
    if (msg.type !== 'run') return;
    void run(msg).then((done) => deps.parentPort.postMessage(done));
  });
  // Before saying 'ready', a job process runs a small job of its kind (a WASI module that writes one byte, or a
  // line of JavaScript): V8's WebAssembly engine, QuickJS and this runner's own code are then warm, so the first
  // (and only) real job does not pay for them.
  const warmUp = async (): Promise<void> => {
    const base = { type: 'run', id: 0, input: new Uint8Array(0), args: [], memoryBytes: 2 ** 20 } as const;
    // No wall limit of its own: the pool's boot timeout bounds the warm-up and gives back the time a starved child
    // waited for a core. A 10 s wall limit here failed boots beside busy programs (the job "crashed").
    const limits = { outputBytes: 16, wallMs: 3_600_000, cpuMs: 10_000, importsMemory: false, initialPages: 1 };
    const done = deps.preload
      ? await run({
          ...base,
          ...limits,
          kind: 'js',
          code: new TextEncoder().encode('print(1)'),
          codeKey: '',
          maxPages: 16,
        })
      : await run({ ...base, ...limits, kind: 'wasm', code: WARM_UP_WASM, codeKey: 'warm-up', maxPages: 16 });
    modules.clear();
    if (done.failure) throw new Error(`the warm-up job failed: ${done.failure.message}`);
  };
  const WARM_UP_WASM = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 12, 2, 96, 4, 127, 127, 127, 127, 1, 127, 96, 0, 0, 2, 35, 1, 22, 119, 97, 115, 105,
    95, 115, 110, 97, 112, 115, 104, 111, 116, 95, 112, 114, 101, 118, 105, 101, 119, 49, 8, 102, 100, 95, 119, 114,
    105, 116, 101, 0, 0, 3, 2, 1, 1, 5, 3, 1, 0, 1, 7, 19, 2, 6, 109, 101, 109, 111, 114, 121, 2, 0, 6, 95, 115, 116,
    97, 114, 116, 0, 1, 10, 36, 1, 34, 0, 65, 0, 65, 16, 54, 2, 0, 65, 4, 65, 1, 54, 2, 0, 65, 16, 65, 33, 58, 0, 0, 65,
    1, 65, 0, 65, 1, 65, 8, 16, 0, 26, 11,
  ]);
  if (deps.preload) {
    const lib = deps.quickjs();
    quickjs = lib.newQuickJSWASMModule(lib.RELEASE_SYNC);
  }
  warmUp().then(
    () => deps.parentPort.postMessage({ type: 'ready', id: deps.id }),
    (err: unknown) => deps.parentPort.postMessage({ type: 'failed', message: String((err as Error).message ?? err) }),
  );
}
