/**
 * The Catalog VM's sandbox (src/node-core/vm/sandbox.ts: one child process per job) side by side with the same
 * work run directly in Node, and with the job runner in a worker thread (the model before issue #26):
 * (1) job start latency, p50/p99, as the caller sees it (performance.now around sandbox.run):
 *     - cold: a sandbox with `warmWorkers: 0`, so every job boots a child process of its own;
 *     - warm: a sandbox with `warmWorkers: 1`, the module run once before; a pause before each timed job lets the
 *       pool's replacement child finish booting (the pool hands each job an idle child and starts a new one at
 *       once); and the same jobs back to back, without that pause;
 *     - thread: the same job runner in one reused worker thread, as jobs ran before (job_start_p50_child_vs_thread);
 *     the sandboxes here run their children at this process's own nice value, so that the figures price the
 *     isolation, not the priority (the node's default is nice 19: a warm series at nice 19 is reported too);
 *     for a trivial WASI job (UPPERCASE_WAT with a 5-byte input) and a trivial `kind: 'js'` job (QuickJS: the
 *     JS child loads the QuickJS WebAssembly module as it boots).
 * (2) a CPU-bound WebAssembly kernel (XORSHIFT_WAT, N rounds of xorshift64*, N calibrated so a direct run takes
 *     about HM_BENCH_VM_KERNEL_MS): `kernel(N)` on `new WebAssembly.Instance(new WebAssembly.Module(bytes))` in
 *     this thread, vs the same module's `_start` as a warm sandbox job reading N from stdin; interleaved, medians.
 *     vm_sandboxed_vs_direct divides the sandboxed job's time as the caller sees it by the direct call's time.
 * (3) the same for a JavaScript kernel (32-bit xorshift): QuickJS in the sandbox vs V8 in this thread. QuickJS is
 *     an interpreter (no JIT), so this ratio is large by nature: it prices the choice of engine, not the sandbox.
 * Every result is checked (the kernels against a reference computed here, outside the clock).
 *
 * Knobs (environment): HM_BENCH_VM_COLD (cold runs per kind, 30), HM_BENCH_VM_WARM (warm WASI runs, 200),
 * HM_BENCH_VM_REPS (kernel repetitions, 5), HM_BENCH_VM_KERNEL_MS (direct WASM kernel target, 700),
 * HM_BENCH_VM_JS_ROUNDS (JS kernel rounds, 2,000,000).
 */
import { readFileSync } from 'node:fs';
import { cpus, getPriority, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  createSandbox,
  type JobExecutor,
  type JobLimits,
  type SandboxJob,
  type SandboxResult,
} from '../src/node-core/vm/sandbox';
import { UPPERCASE_WAT, XORSHIFT_WAT, compileWat, roundsInput, xorshiftExpected } from '../src/node-core/vm/testing';
import { Report, median, percentile, sized } from './report';
import { threadRunner } from './thread-runner';

const COLD = Number(process.env.HM_BENCH_VM_COLD ?? sized(30, 5));
const WARM = Number(process.env.HM_BENCH_VM_WARM ?? sized(200, 8));
const REPS = Number(process.env.HM_BENCH_VM_REPS ?? sized(5, 3));
const KERNEL_MS = Number(process.env.HM_BENCH_VM_KERNEL_MS ?? sized(700, 200));
const JS_ROUNDS = Number(process.env.HM_BENCH_VM_JS_ROUNDS ?? sized(2_000_000, 10_000));
/** Warm JS jobs: one every JS_EVERY warm WASI jobs (each loads QuickJS, see the notes). */
const JS_EVERY = 8;
/** Back-to-back warm jobs (no pause), per kind. */
const BACK_TO_BACK = Math.max(sized(10, 3), Math.floor(WARM / 8));
/** Rounds of the WASM kernel whose result is checked against xorshiftExpected (BigInt: ~0.15 s per million). */
const CHECK_ROUNDS = sized(1_000_000, 50_000);
const MIB = 1024 * 1024;

for (const [name, v, min] of [
  ['HM_BENCH_VM_COLD', COLD, 5],
  ['HM_BENCH_VM_WARM', WARM, sized(20, 8)],
  ['HM_BENCH_VM_REPS', REPS, 3],
  ['HM_BENCH_VM_KERNEL_MS', KERNEL_MS, 50],
  ['HM_BENCH_VM_JS_ROUNDS', JS_ROUNDS, 10_000],
] as const) {
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be an integer of at least ${min}`);
}

const started = performance.now();
const loadAtStart = loadavg()[0] ?? NaN;
const report = new Report('vm');
const clock = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const section = (title: string): void => console.log(`-- ${title} (${clock()})`);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** This thread's CPU time (user + system) in ms, in 10 ms ticks, as the sandbox worker reports its own. */
function threadCpuMs(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

const LIMITS: JobLimits = { cpuMs: 60_000, wallMs: 120_000, memoryBytes: 16 * MIB, outputBytes: MIB };
const upperBytes = await compileWat(UPPERCASE_WAT);
const xorshiftBytes = await compileWat(XORSHIFT_WAT);
const wasmStartJob: SandboxJob = {
  kind: 'wasm',
  code: upperBytes,
  input: Buffer.from('hello'),
  args: [],
  limits: LIMITS,
};
const jsStartJob: SandboxJob = {
  kind: 'js',
  code: Buffer.from('print(input.toUpperCase())'),
  input: Buffer.from('hello'),
  args: [],
  limits: LIMITS,
};

interface Timed {
  readonly ms: number;
  readonly result: SandboxResult;
}

/** One job, timed as the caller sees it; a job that fails or gives the wrong output stops the benchmark. */
async function timedRun(sandbox: JobExecutor, job: SandboxJob, expected: string | Uint8Array): Promise<Timed> {
  const t = performance.now();
  const result = await sandbox.run(job);
  const ms = performance.now() - t;
  check(result.failure === null, `a ${job.kind} job ran (${result.failure?.reason}: ${result.failure?.message})`);
  const ok = typeof expected === 'string' ? text(result.output) === expected : sameBytes(result.output, expected);
  check(ok, `a ${job.kind} job gave the expected output`);
  return { ms, result };
}

const NICE = getPriority();
const sandboxes: JobExecutor[] = [];
const sandboxWith = (warmWorkers: number, niceness = NICE): JobExecutor => {
  const s = createSandbox({ warmWorkers, maxConcurrent: 1, niceness });
  sandboxes.push(s);
  return s;
};

interface Series {
  readonly caller: number[];
  readonly worker: number[];
}
const series = (): Series => ({ caller: [], worker: [] });
const record = (s: Series, t: Timed): void => {
  s.caller.push(t.ms);
  s.worker.push(t.result.usage.wallMs);
};
function latency(key: string, s: Series): { p50: number; p99: number } {
  const c = sorted(s.caller);
  const p50 = report.figure(`${key}_p50_ms`, percentile(c, 50), 'ms');
  const p99 = report.figure(`${key}_p99_ms`, percentile(c, 99), 'ms');
  report.figure(`${key}_in_worker_p50_ms`, median(s.worker), 'ms');
  return { p50, p99 };
}

// ---------- (1) start latency ----------

section(`cold start: warmWorkers 0, ${COLD} WASI + ${COLD} JS jobs, alternating (each boots its own child)`);
const cold = sandboxWith(0);
const coldWasm = series();
const coldJs = series();
await timedRun(cold, wasmStartJob, 'HELLO'); // the first child ever started by this process, not counted
for (let i = 0; i < COLD; i++) {
  const order = i % 2 === 0 ? (['wasm', 'js'] as const) : (['js', 'wasm'] as const);
  for (const kind of order) {
    if (kind === 'wasm') record(coldWasm, await timedRun(cold, wasmStartJob, 'HELLO'));
    else record(coldJs, await timedRun(cold, jsStartJob, 'HELLO\n'));
  }
}
const coldWasmLat = latency('start_wasm_cold', coldWasm);
const coldJsLat = latency('start_js_cold', coldJs);

// A pause long enough for the pool's replacement child to have booted (about one cold start, with margin).
const pauseMs = Math.round(Math.min(1500, Math.max(50, 2 * coldWasmLat.p50)));
const warmJsCount = Math.ceil(WARM / JS_EVERY);
section(
  `warm start: warmWorkers 1, ${WARM} WASI + ${warmJsCount} JS jobs, ${pauseMs} ms pause before each ` +
    '(the module compiled once before)',
);
const warm = sandboxWith(1);
await sleep(pauseMs);
await timedRun(warm, wasmStartJob, 'HELLO');
await sleep(pauseMs);
await timedRun(warm, jsStartJob, 'HELLO\n');
const warmWasm = series();
const warmJs = series();
for (let i = 0; i < WARM; i++) {
  await sleep(pauseMs);
  record(warmWasm, await timedRun(warm, wasmStartJob, 'HELLO'));
  if (i % JS_EVERY === 0) {
    await sleep(pauseMs);
    record(warmJs, await timedRun(warm, jsStartJob, 'HELLO\n'));
  }
  if ((i + 1) % Math.floor(WARM / 4) === 0) console.log(`  ${i + 1}/${WARM} (${clock()})`);
}
const warmWasmLat = latency('start_wasm_warm', warmWasm);
const warmJsLat = latency('start_js_warm', warmJs);
report.figure('job_start_p50', warmWasmLat.p50, 'ms');

const THREAD_RUNS = Math.max(sized(20, 5), Math.floor(WARM / 2));
section(`thread baseline: one reused worker thread, ${THREAD_RUNS} WASI + ${THREAD_RUNS} JS jobs, alternating`);
const thread = threadRunner();
sandboxes.push(thread);
await timedRun(thread, wasmStartJob, 'HELLO');
await timedRun(thread, jsStartJob, 'HELLO\n');
const threadWasm = series();
const threadJs = series();
for (let i = 0; i < THREAD_RUNS; i++) {
  await sleep(20);
  record(threadWasm, await timedRun(thread, wasmStartJob, 'HELLO'));
  await sleep(20);
  record(threadJs, await timedRun(thread, jsStartJob, 'HELLO\n'));
}
const threadWasmLat = latency('start_wasm_thread', threadWasm);
const threadJsLat = latency('start_js_thread', threadJs);

const NICE19_RUNS = Math.max(sized(10, 3), Math.floor(WARM / 8));
section(`warm start at nice 19 (the node's default): ${NICE19_RUNS} WASI jobs, ${pauseMs} ms pause before each`);
const warm19 = sandboxWith(1, 19);
await timedRun(warm19, wasmStartJob, 'HELLO');
const warm19Wasm = series();
for (let i = 0; i < NICE19_RUNS; i++) {
  await sleep(pauseMs);
  record(warm19Wasm, await timedRun(warm19, wasmStartJob, 'HELLO'));
}
latency('start_wasm_warm_nice19', warm19Wasm);

section(`warm start, back to back: warmWorkers 1, ${BACK_TO_BACK} WASI jobs then ${BACK_TO_BACK} JS jobs, no pause`);
const b2bWasm = series();
const b2bJs = series();
await sleep(pauseMs);
for (let i = 0; i < BACK_TO_BACK; i++) record(b2bWasm, await timedRun(warm, wasmStartJob, 'HELLO'));
await sleep(pauseMs);
for (let i = 0; i < BACK_TO_BACK; i++) record(b2bJs, await timedRun(warm, jsStartJob, 'HELLO\n'));
latency('start_wasm_warm_back_to_back', b2bWasm);
latency('start_js_warm_back_to_back', b2bJs);

// ---------- (2) a CPU-bound WebAssembly kernel, sandboxed vs direct ----------

/** Minimal stand-ins for the module's WASI imports (the kernel calls neither). */
const stubImports: WebAssembly.Imports = {
  wasi_snapshot_preview1: { fd_read: () => 52, fd_write: () => 52 },
};
/** A fresh module and instance each time, as each sandboxed job compiles its module in a fresh worker. */
const directKernel = (): ((n: number) => bigint) =>
  new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(xorshiftBytes)), stubImports).exports.kernel as (
    n: number,
  ) => bigint;
const le64 = (x: bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, x));
  return b;
};
const kernelJob = (rounds: number): SandboxJob => ({
  kind: 'wasm',
  code: xorshiftBytes,
  input: roundsInput(rounds),
  args: [],
  limits: LIMITS,
});

section('WASM kernel: calibrate N, check both runs against xorshiftExpected');
const expectedSmall = xorshiftExpected(CHECK_ROUNDS);
check(sameBytes(le64(directKernel()(CHECK_ROUNDS)), expectedSmall), 'the direct kernel computes xorshift64*');
await sleep(pauseMs);
await timedRun(warm, kernelJob(CHECK_ROUNDS), expectedSmall);
let rounds: number;
{
  const probe = 20_000_000;
  const k = directKernel();
  k(probe); // the first call of a fresh module, untimed
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    k(probe);
    times.push(performance.now() - t);
  }
  rounds = Math.min(4_000_000_000, Math.max(1_000_000, Math.round((probe * KERNEL_MS) / median(times))));
}
report.figure('kernel_wasm_rounds', rounds, 'rounds');
let directResult: Uint8Array;
{
  const k = directKernel();
  directResult = le64(k(rounds));
}

section(`WASM kernel: ${REPS} interleaved rounds of direct and sandboxed, N = ${rounds.toLocaleString('en')}`);
const wasmDirect: number[] = [];
const wasmDirectCpu: number[] = [];
const wasmBox: number[] = [];
const wasmBoxCpu: number[] = [];
const wasmBoxWorker: number[] = [];
await sleep(pauseMs);
await timedRun(warm, kernelJob(rounds), directResult); // warm-up, not counted
for (let i = 0; i < REPS; i++) {
  const order = i % 2 === 0 ? (['direct', 'sandbox'] as const) : (['sandbox', 'direct'] as const);
  for (const who of order) {
    await sleep(pauseMs);
    if (who === 'direct') {
      const k = directKernel();
      const cpu = threadCpuMs();
      const t = performance.now();
      const x = k(rounds);
      wasmDirect.push(performance.now() - t);
      wasmDirectCpu.push(threadCpuMs() - cpu);
      check(sameBytes(le64(x), directResult), 'the direct kernel is deterministic');
    } else {
      const r = await timedRun(warm, kernelJob(rounds), directResult);
      wasmBox.push(r.ms);
      wasmBoxCpu.push(r.result.usage.cpuMs);
      wasmBoxWorker.push(r.result.usage.wallMs);
    }
  }
  console.log(`  round ${i + 1}/${REPS} (${clock()})`);
}
const wasmDirectMs = report.figure('kernel_wasm_direct_ms', median(wasmDirect), 'ms');
const wasmDirectCpuMs = report.figure('kernel_wasm_direct_cpu_ms', median(wasmDirectCpu), 'ms');
const wasmBoxMs = report.figure('kernel_wasm_sandboxed_ms', median(wasmBox), 'ms');
const wasmBoxCpuMs = report.figure('kernel_wasm_sandboxed_cpu_ms', median(wasmBoxCpu), 'ms');
const wasmBoxWorkerMs = report.figure('kernel_wasm_sandboxed_in_worker_ms', median(wasmBoxWorker), 'ms');
report.figure('kernel_wasm_direct_mrounds_per_s', rounds / 1000 / wasmDirectMs, 'M rounds/s');
report.figure('kernel_wasm_sandboxed_mrounds_per_s', rounds / 1000 / wasmBoxMs, 'M rounds/s');

// ---------- (3) a JavaScript kernel: QuickJS in the sandbox vs V8 in this thread ----------

const KERNEL_JS =
  'function kernel(n) { let x = 2463534242; ' +
  'for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; } return x >>> 0; }';
const jsKernelJob: SandboxJob = {
  kind: 'js',
  code: Buffer.from(`${KERNEL_JS}\nkernel(Number(input))`),
  input: Buffer.from(String(JS_ROUNDS)),
  args: [],
  limits: LIMITS,
};
/** A fresh function each time (parsed and optimised anew), as each sandboxed job evaluates its source anew. */
const directJs = (): ((n: number) => number) =>
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  (new Function(`${KERNEL_JS}; return kernel;`) as () => (n: number) => number)();
const jsExpected = String(directJs()(JS_ROUNDS));
/** The same kernel on BigInts modulo 2^32, as a reference for a few thousand rounds. */
const xorshift32 = (n: number): string => {
  const mask = 0xffffffffn;
  let x = 2463534242n;
  for (let i = 0; i < n; i++) {
    x ^= (x << 13n) & mask;
    x ^= x >> 17n;
    x ^= (x << 5n) & mask;
  }
  return String(x);
};
check(String(directJs()(10_000)) === xorshift32(10_000), 'the direct JS kernel computes 32-bit xorshift');

section(
  `JS kernel: ${REPS} interleaved rounds of V8 direct and QuickJS sandboxed, N = ${JS_ROUNDS.toLocaleString('en')}`,
);
const jsDirect: number[] = [];
const jsBox: number[] = [];
const jsBoxCpu: number[] = [];
await sleep(pauseMs);
await timedRun(warm, jsKernelJob, jsExpected); // warm-up, not counted
for (let i = 0; i < REPS; i++) {
  const order = i % 2 === 0 ? (['direct', 'sandbox'] as const) : (['sandbox', 'direct'] as const);
  for (const who of order) {
    await sleep(pauseMs);
    if (who === 'direct') {
      const k = directJs();
      const t = performance.now();
      const x = k(JS_ROUNDS);
      jsDirect.push(performance.now() - t);
      check(String(x) === jsExpected, 'the direct JS kernel is deterministic');
    } else {
      const r = await timedRun(warm, jsKernelJob, jsExpected);
      jsBox.push(r.ms);
      jsBoxCpu.push(r.result.usage.cpuMs);
    }
  }
}
const jsDirectMs = report.figure('kernel_js_node_direct_ms', median(jsDirect), 'ms');
const jsBoxMs = report.figure('kernel_js_quickjs_sandboxed_ms', median(jsBox), 'ms');
const jsBoxCpuMs = report.figure('kernel_js_quickjs_sandboxed_cpu_ms', median(jsBoxCpu), 'ms');

// ---------- ratios and notes ----------

report.ratio('vm_sandboxed_vs_direct', wasmBoxMs / wasmDirectMs);
report.ratio('job_start_p50_child_vs_thread', warmWasmLat.p50 / threadWasmLat.p50);
report.ratio('job_start_js_p50_child_vs_thread', warmJsLat.p50 / threadJsLat.p50);
report.ratio('vm_sandboxed_cpu_vs_direct_cpu', wasmBoxCpuMs / wasmDirectCpuMs);
report.ratio('vm_sandboxed_in_worker_vs_direct', wasmBoxWorkerMs / wasmDirectMs);
report.ratio('vm_js_quickjs_sandboxed_vs_node_direct', jsBoxMs / jsDirectMs);
report.ratio('vm_js_quickjs_sandboxed_cpu_vs_node_direct_wall', jsBoxCpuMs / jsDirectMs);
report.ratio('start_wasm_p50_warm_vs_cold', warmWasmLat.p50 / coldWasmLat.p50);
report.ratio('start_wasm_p99_warm_vs_cold', warmWasmLat.p99 / coldWasmLat.p99);
report.ratio('start_js_p50_warm_vs_cold', warmJsLat.p50 / coldJsLat.p50);
report.ratio('start_js_p99_warm_vs_cold', warmJsLat.p99 / coldJsLat.p99);

report.note(
  `job_start_p50: start_wasm_warm_p50_ms; job_start_p50_child_vs_thread: that over start_wasm_thread_p50_ms (the ` +
    'job runner in a reused worker thread, the pre-#26 model); the sandboxes here run their children at this ' +
    `process's nice value (${NICE}); start_wasm_warm_nice19: the node's default priority, on a loaded machine ` +
    'the children wait for the CPU behind everything else',
);
report.note(
  `one process; load average at the start ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs (a shared machine: ` +
    'absolute figures drift, ratios measured side by side hold); ratios: lower is better',
);
report.note(
  'start_*: caller-side time of sandbox.run for a trivial job (UPPERCASE_WAT with "hello"; JS print(input' +
    '.toUpperCase())), p99 of the samples taken (30 cold samples: p99 is their maximum); *_in_worker_p50_ms: the ' +
    'part the worker reports (usage.wallMs: compile + instantiate + run for WASM, QuickJS load + run for JS)',
);
report.note(
  `start_*_warm: warmWorkers 1 with a ${pauseMs} ms pause before each job; each job gets a booted child (QuickJS ` +
    'loaded for JS) and pays a message round trip, its module\u2019s compilation and a fresh instance; the child is ' +
    'then discarded; *_back_to_back: the same without the pause (a job may wait for its child to boot)',
);
report.note(
  'kernel_wasm: XORSHIFT_WAT, exports.kernel(N) on a fresh Instance of a fresh Module in this thread (stub ' +
    'fd_read / fd_write) vs the module\u2019s _start as a warm sandbox job (N from stdin), interleaved, a pause ' +
    'before each; vm_sandboxed_vs_direct: caller-side sandbox.run time / direct call time (medians); *_cpu_: the ' +
    'worker thread\u2019s CPU time (usage.cpuMs) over this thread\u2019s CPU time for the direct call (both from ' +
    '/proc, 10 ms ticks: on a loaded machine wall time includes time the thread waited for a core); every ' +
    'sandboxed output equals the direct result, and both equal xorshiftExpected at N = ' +
    `${CHECK_ROUNDS.toLocaleString('en')} (xorshiftExpected is BigInt JavaScript, too slow to run at the full N)`,
);
report.note(
  'kernel_js: 32-bit xorshift in JavaScript; QuickJS (an interpreter, no JIT) in a sandbox job, including its ' +
    'module load, vs V8 (JIT) running a fresh copy of the same function in this thread: the ratio prices the ' +
    'engine, not the isolation; the direct call takes a few ms, below the 10 ms CPU tick, so the *_cpu_ ratio ' +
    'divides the worker\u2019s CPU time by the direct call\u2019s wall time',
);
report.write();

await Promise.all(sandboxes.map((s) => s.close()));
process.exit(0);
