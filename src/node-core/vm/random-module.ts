import { section, sleb, wasmBinary } from './hostile';
import { uleb } from './wasm-module';

/**
 * A seeded generator of random valid WebAssembly modules, reproducible from the seed: each is a WASI command of
 * 1–8 functions over i32s (constants, locals, arithmetic, comparisons, select, if/else, loads and stores within
 * its one page, calls to earlier functions, loops with constant trip counts) whose `_start` calls every function
 * and writes their results to stdout. Every module terminates (calls only go backwards; loops are counted and
 * hold no calls), so a run in the sandbox must succeed and print what a direct run prints.
 */

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const I32 = 0x7f;
// i32.add sub mul and or xor shl shr_u rotl eq lt_u ne
const BINOPS = [0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73, 0x74, 0x76, 0x77, 0x46, 0x49, 0x47];

interface FunctionShape {
  readonly params: number;
}

export interface RandomModule {
  readonly seed: number;
  readonly bytes: Uint8Array;
  readonly functions: number;
}

export function randomModule(seed: number): RandomModule {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const count = 1 + int(8);
  const shapes: FunctionShape[] = Array.from({ length: count }, () => ({ params: int(4) }));
  // Types: 0 fd_write (i32 x4) -> i32; 1 () -> (); 2 + p: (i32 x p) -> i32.
  const types = [
    [0x60, 4, I32, I32, I32, I32, 1, I32],
    [0x60, 0, 0],
    ...[0, 1, 2, 3].map((p) => [0x60, p, ...Array<number>(p).fill(I32), 1, I32]),
  ];
  const FD_WRITE = 0;
  const fnIndex = (k: number): number => 1 + k; // after the one import

  const body = (k: number): number[] => {
    const params = shapes[k]?.params ?? 0;
    const extra = 2 + int(3); // locals: acc, counter, then scratch
    const locals = params + extra;
    const acc = params;
    const counter = params + 1;
    const code: number[] = [];
    // At most two call sites per function: with calls only going backwards, a run makes at most 2^8 calls.
    let callsLeft = 2;
    const expr = (depth: number, calls: boolean): void => {
      const choice = depth <= 0 ? int(2) : int(calls && k > 0 && callsLeft > 0 ? 8 : 7);
      switch (choice) {
        case 0:
          code.push(0x41, ...sleb((rnd() * 2 ** 32) | 0));
          return;
        case 1:
          code.push(0x20, int(locals));
          return;
        case 2:
        case 3: {
          expr(depth - 1, calls);
          expr(depth - 1, calls);
          code.push(BINOPS[int(BINOPS.length)] ?? 0x6a);
          return;
        }
        case 4: // a load within the page: (addr & 0xfff0)
          expr(depth - 1, calls);
          code.push(0x41, ...sleb(0xfff0), 0x71, 0x28, 2, 0);
          return;
        case 5: // select
          expr(depth - 1, calls);
          expr(depth - 1, calls);
          expr(depth - 1, calls);
          code.push(0x1b);
          return;
        case 6: // if/else with a result
          expr(depth - 1, calls);
          code.push(0x04, I32);
          expr(depth - 1, calls);
          code.push(0x05);
          expr(depth - 1, calls);
          code.push(0x0b);
          return;
        default: {
          // a call to an earlier function
          callsLeft--;
          const callee = int(k);
          for (let i = 0; i < (shapes[callee]?.params ?? 0); i++) expr(depth - 1, calls);
          code.push(0x10, ...uleb(fnIndex(callee)));
        }
      }
    };
    const statements = 1 + int(4);
    for (let s = 0; s < statements; s++) {
      const what = int(3);
      if (what === 0) {
        expr(3, true);
        code.push(0x21, int(locals));
      } else if (what === 1) {
        expr(2, true);
        code.push(0x41, ...sleb(0xfff0), 0x71);
        expr(2, true);
        code.push(0x36, 2, 0);
      } else {
        // for (counter = K; counter != 0; counter--) acc = acc OP expr   (no calls inside)
        code.push(0x41, ...sleb(1 + int(50)), 0x21, counter);
        code.push(0x03, 0x40, 0x20, acc);
        expr(2, false);
        code.push(BINOPS[int(BINOPS.length)] ?? 0x6a, 0x21, acc);
        code.push(0x20, counter, 0x41, 1, 0x6b, 0x22, counter, 0x0d, 0, 0x0b);
      }
    }
    code.push(0x20, acc);
    expr(2, true);
    code.push(0x73, 0x0b); // result: acc xor expr
    return [1, extra, I32, ...code];
  };

  const bodies = shapes.map((_, k) => body(k));
  // _start: results[k] at 4k; then one iovec at 65520 and fd_write(1, 65520, 1, 65528).
  const start: number[] = [0];
  shapes.forEach((shape, k) => {
    start.push(0x41, ...sleb(4 * k));
    for (let i = 0; i < shape.params; i++) start.push(0x41, ...sleb((rnd() * 2 ** 32) | 0));
    start.push(0x10, ...uleb(fnIndex(k)), 0x36, 2, 0);
  });
  start.push(0x41, ...sleb(65520), 0x41, 0, 0x36, 2, 0);
  start.push(0x41, ...sleb(65524), 0x41, ...sleb(4 * count), 0x36, 2, 0);
  start.push(0x41, 1, 0x41, ...sleb(65520), 0x41, 1, 0x41, ...sleb(65528), 0x10, FD_WRITE, 0x1a, 0x0b);
  bodies.push(start);

  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)];
  const imports = [1, ...name('wasi_snapshot_preview1'), ...name('fd_write'), 0x00, FD_WRITE];
  const funcs = [...shapes.map((s) => 2 + s.params), 1];
  const startIndex = 1 + count;
  const exports = [2, ...name('memory'), 0x02, 0, ...name('_start'), 0x00, ...uleb(startIndex)];
  const code = [...uleb(bodies.length), ...bodies.flatMap((b) => [...uleb(b.length), ...b])];
  const bytes = wasmBinary([
    section(1, [...uleb(types.length), ...types.flat()]),
    section(2, imports),
    section(3, [...uleb(funcs.length), ...funcs]),
    section(5, [1, 0, 1]),
    section(7, exports),
    section(10, code),
  ]);
  return { seed, bytes, functions: count };
}

/** Runs a random module in this thread (it terminates by construction) and returns what it writes. */
export function runDirectly(bytes: Uint8Array): Uint8Array {
  const box: { memory?: WebAssembly.Memory } = {};
  let out = new Uint8Array(0);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    wasi_snapshot_preview1: {
      fd_write: (_fd: number, iovs: number) => {
        const memory = box.memory;
        if (!memory) return 8;
        const v = new DataView(memory.buffer);
        const ptr = v.getUint32(iovs, true);
        out = new Uint8Array(memory.buffer.slice(ptr, ptr + v.getUint32(iovs + 4, true)));
        return 0;
      },
    },
  });
  box.memory = instance.exports.memory as WebAssembly.Memory;
  (instance.exports._start as () => void)();
  return out;
}
