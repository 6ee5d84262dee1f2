import type { JobFailureReason } from '../../shared/vm';
import { concatBytes } from '../../shared/bytes';
import type { JobLimits } from './sandbox';
import { compileWat } from './testing';
import { uleb } from './wasm-module';

/**
 * A hostile corpus: WebAssembly modules and QuickJS scripts that try to take down the provider that runs them
 * (issue #26). Each names the reason it must fail with; the tests run each against a real sandbox (child
 * processes) and check that the provider still serves a normal job right after.
 */

export interface HostileCase {
  readonly name: string;
  readonly kind: 'wasm' | 'js';
  readonly code: () => Promise<Uint8Array>;
  /** Limits for this case, over the corpus defaults. */
  readonly limits?: Partial<JobLimits>;
  /** The reason it must fail with; null: it must succeed, with `outputBytes` bytes of output if given. */
  readonly expect: JobFailureReason | null;
  readonly outputBytes?: number;
  /** A phrase the failure message must contain (for refusals before the module runs). */
  readonly message?: RegExp;
}

const MIB = 2 ** 20;

/** The corpus limits: small CPU limits keep CI quick; wall limits far above them, so the CPU limit always acts. */
export const HOSTILE_LIMITS: JobLimits = { cpuMs: 400, wallMs: 120_000, memoryBytes: 16 * MIB, outputBytes: 64 * 1024 };

// ---- a tiny WebAssembly binary writer, for modules too large or too odd to write as WAT ----

export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function section(id: number, body: readonly number[] | Uint8Array): Uint8Array {
  return Uint8Array.from([id, ...uleb(body.length), ...body]);
}

export function wasmBinary(sections: readonly Uint8Array[]): Uint8Array {
  return concatBytes([Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), ...sections]);
}

/** A vector of `count` copies of `item`, as a section body. */
function repeated(count: number, item: readonly number[]): Uint8Array {
  const head = uleb(count);
  const out = new Uint8Array(head.length + count * item.length);
  out.set(head);
  for (let i = 0; i < count; i++) out.set(item, head.length + i * item.length);
  return out;
}

const TYPE_VOID = section(1, [1, 0x60, 0, 0]); // one type: () -> ()
const MEMORY_1 = section(5, [1, 0, 1]); // one memory, 1 page, no maximum
const EXPORT_START = section(7, [1, 6, ...Buffer.from('_start'), 0, 0]); // export function 0 as _start

/** `count` empty functions. */
function manyFunctions(count: number): Uint8Array {
  return wasmBinary([
    TYPE_VOID,
    section(3, repeated(count, [0])),
    MEMORY_1,
    EXPORT_START,
    section(10, repeated(count, [2, 0, 0x0b])),
  ]);
}

/** One function whose body is `bytes` bytes of nop. */
function hugeFunction(bytes: number): Uint8Array {
  const body = new Uint8Array(bytes + 2);
  body.fill(0x01);
  body[0] = 0; // no locals
  body[body.length - 1] = 0x0b;
  const entry = Uint8Array.from([...uleb(body.length), ...body]);
  return wasmBinary([
    TYPE_VOID,
    section(3, [1, 0]),
    MEMORY_1,
    EXPORT_START,
    section(10, Uint8Array.from([1, ...entry])),
  ]);
}

/** One function that declares `count` i32 locals. */
function manyLocals(count: number): Uint8Array {
  const body = [1, ...uleb(count), 0x7f, 0x0b];
  return wasmBinary([
    TYPE_VOID,
    section(3, [1, 0]),
    MEMORY_1,
    EXPORT_START,
    section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** `count` immutable i32 globals. */
function manyGlobals(count: number): Uint8Array {
  return wasmBinary([
    TYPE_VOID,
    section(3, [1, 0]),
    MEMORY_1,
    section(6, repeated(count, [0x7f, 0, 0x41, 0, 0x0b])),
    EXPORT_START,
    section(10, [1, 2, 0, 0x0b]),
  ]);
}

/** One empty function and one memory, with `segments` as the data section's body. */
function withDataSection(segments: readonly number[] | Uint8Array): Uint8Array {
  return wasmBinary([
    TYPE_VOID,
    section(3, [1, 0]),
    MEMORY_1,
    EXPORT_START,
    section(10, [1, 2, 0, 0x0b]),
    section(11, segments),
  ]);
}

/** One active data segment of `bytes` bytes at address 0. */
function giantData(bytes: number): Uint8Array {
  const segment = new Uint8Array(4 + uleb(bytes).length + bytes);
  segment.set([0, 0x41, 0, 0x0b, ...uleb(bytes)]);
  segment.fill(0x61, segment.length - bytes);
  return withDataSection(Uint8Array.from([1, ...segment]));
}

/** `count` empty passive data segments. */
function manyDataSegments(count: number): Uint8Array {
  return withDataSection(repeated(count, [1, 0]));
}

const wat =
  (source: string, features: Record<string, boolean> = {}) =>
  (): Promise<Uint8Array> =>
    compileWat(source, features);
const js = (source: string) => (): Promise<Uint8Array> => Promise.resolve(Buffer.from(source));
const bytes = (make: () => Uint8Array) => (): Promise<Uint8Array> => Promise.resolve(make());

const FD_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))';

/** The module from issue #26: 60 bytes that used to abort the provider's whole process. */
export const TABLE_GROW_WAT = `(module (table $t 1 funcref) (memory (export "memory") 1)
  (func (export "_start") (loop $l (drop (table.grow $t (ref.null func) (i32.const 1000000))) (br $l))))`;

export const HOSTILE_CORPUS: readonly HostileCase[] = [
  { name: 'table.grow loop (issue #26, 60 bytes)', kind: 'wasm', code: wat(TABLE_GROW_WAT), expect: 'cpu-limit' },
  {
    name: 'table.grow loop on an externref table with no maximum',
    kind: 'wasm',
    code: wat(`(module (table $t 0 externref) (memory (export "memory") 1)
      (func (export "_start") (loop $l (drop (table.grow $t (ref.null extern) (i32.const 65536))) (br $l))))`),
    expect: 'cpu-limit',
  },
  {
    name: 'a table too large to start',
    kind: 'wasm',
    code: wat('(module (table 5000000 funcref) (memory (export "memory") 1) (func (export "_start")))'),
    expect: 'memory-limit',
    message: /table of 5000000 elements/,
  },
  {
    name: 'memory.grow until it fails, then trap',
    kind: 'wasm',
    code: wat(`(module (memory (export "memory") 1) (func (export "_start")
      (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable))`),
    expect: 'memory-limit',
  },
  {
    name: 'memory.grow forever, ignoring failure',
    kind: 'wasm',
    code: wat(`(module (memory (export "memory") 1)
      (func (export "_start") (loop $l (drop (memory.grow (i32.const 1))) (br $l))))`),
    expect: 'cpu-limit',
  },
  {
    name: 'deep recursion',
    kind: 'wasm',
    code: wat(`(module (memory (export "memory") 1) (func $f (param i64) (result i64)
      (i64.add (call $f (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
      (func (export "_start") (drop (call $f (i64.const 0)))))`),
    expect: 'trap',
  },
  { name: '100,001 functions', kind: 'wasm', code: bytes(() => manyFunctions(100_001)), expect: 'invalid-module' },
  {
    name: 'a function body of 2 MiB',
    kind: 'wasm',
    code: bytes(() => hugeFunction(2 * MIB)),
    expect: 'invalid-module',
  },
  {
    name: '50,000 locals in one function',
    kind: 'wasm',
    code: bytes(() => manyLocals(50_000)),
    expect: 'invalid-module',
  },
  { name: '20,000 globals', kind: 'wasm', code: bytes(() => manyGlobals(20_000)), expect: 'invalid-module' },
  {
    name: 'a data segment larger than the memory limit',
    kind: 'wasm',
    code: bytes(() => giantData(6 * MIB)),
    limits: { memoryBytes: 4 * MIB },
    expect: 'memory-limit',
    message: /data/,
  },
  {
    name: '20,000 data segments',
    kind: 'wasm',
    code: bytes(() => manyDataSegments(20_000)),
    expect: 'invalid-module',
  },
  {
    name: 'a shared memory (threads)',
    kind: 'wasm',
    // (memory 1 1 shared): limits flags 3, written as bytes (the threads proposal, which the sandbox refuses).
    code: bytes(() =>
      wasmBinary([TYPE_VOID, section(3, [1, 0]), section(5, [1, 3, 1, 1]), section(10, [1, 2, 0, 0x0b])]),
    ),
    expect: 'invalid-module',
    message: /shared memories/,
  },
  {
    name: 'a start function that never returns',
    kind: 'wasm',
    code: wat(`(module (memory (export "memory") 1) (func $s (loop $l (br $l))) (start $s)
      (func (export "_start")))`),
    expect: 'cpu-limit',
  },
  {
    name: 'exceptions thrown and caught forever',
    kind: 'wasm',
    code: wat(
      `(module (tag $e (param i32)) (memory (export "memory") 1)
        (func (export "_start") (loop $l (try (do (throw $e (i32.const 1))) (catch $e (drop))) (br $l))))`,
      { exceptions: true },
    ),
    expect: 'cpu-limit',
  },
  {
    name: 'an output flood',
    kind: 'wasm',
    code: wat(`(module ${FD_WRITE} (memory (export "memory") 2)
      (func (export "_start") (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 65536))
        (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))) (br $l))))`),
    expect: 'output-limit',
  },
  {
    name: 'a result exactly at the output limit',
    kind: 'wasm',
    code: wat(`(module ${FD_WRITE} (memory (export "memory") 2)
      (func (export "_start") (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 65536))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))`),
    expect: null,
    outputBytes: 65_536,
  },
  { name: 'QuickJS: while (1)', kind: 'js', code: js('while (1) {}'), expect: 'cpu-limit' },
  {
    name: 'QuickJS: deep recursion',
    kind: 'js',
    code: js('function f(n) { return f(n + 1) + 1; } f(0)'),
    expect: 'error',
  },
  {
    name: 'QuickJS: a string doubled until memory runs out',
    kind: 'js',
    code: js('let s = "x"; for (;;) s += s;'),
    expect: 'error',
    message: /string too long/,
  },
  {
    name: 'QuickJS: a giant array of giant strings',
    kind: 'js',
    code: js('const a = []; for (;;) a.push("y".repeat(1 << 20) + a.length);'),
    // Far more CPU time than filling the memory takes: the memory limit is the one under test. QuickJS's own heap
    // limit does not stop this one: its WebAssembly memory grows until the resident-set watchdog stops the child.
    limits: { memoryBytes: 4 * MIB, cpuMs: 60_000 },
    expect: 'memory-limit',
  },
  {
    name: 'QuickJS: a Proxy whose get trap reads itself',
    kind: 'js',
    code: js('const p = new Proxy({}, { get: (t, k, r) => r[k] }); p.x'),
    expect: 'error',
  },
  {
    name: 'QuickJS: Symbol.toPrimitive that converts itself',
    kind: 'js',
    code: js('const o = { [Symbol.toPrimitive]() { return o + 1; } }; o + 1'),
    expect: 'error',
  },
  {
    name: 'QuickJS: an endless Symbol.iterator spread into an array',
    kind: 'js',
    code: js('[...{ *[Symbol.iterator]() { for (;;) yield "zzzzzzzz"; } }]'),
    limits: { memoryBytes: 2 * MIB, cpuMs: 60_000 },
    expect: 'memory-limit',
  },
  {
    name: 'QuickJS: a catastrophic regular expression',
    kind: 'js',
    code: js('/^(a+)+$/.test("a".repeat(40) + "b")'),
    expect: 'cpu-limit',
  },
  {
    name: 'QuickJS: exceptions thrown forever',
    kind: 'js',
    code: js('for (;;) { try { throw new Error("again"); } catch (e) {} }'),
    expect: 'cpu-limit',
  },
  {
    name: 'QuickJS: an output flood',
    kind: 'js',
    code: js('for (;;) print("y".repeat(10000))'),
    expect: 'output-limit',
  },
  {
    name: 'QuickJS: a large result',
    kind: 'js',
    code: js('"r".repeat(60000)'),
    expect: null,
    outputBytes: 60_000,
  },
];
