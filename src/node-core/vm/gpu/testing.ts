import type { GpuBindGroupSpec, GpuJobSpec } from '../../../shared/gpu-job';

/** WGSL kernels and their JavaScript references, for the GPU tests and the benchmark. */

/** Bind group `g0` at `@group(0)`, with the named buffers at bindings 0, 1, 2… in this order. */
function groupZero(buffers: readonly string[]): GpuBindGroupSpec[] {
  return [{ name: 'g0', group: 0, entries: buffers.map((buffer, binding) => ({ binding, buffer })) }];
}

/** C = A × B for n×n f32 matrices; one invocation per element of C. */
export const MATMUL_WGSL = `
struct Dims { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = dims.n;
  if (id.x >= n || id.y >= n) { return; }
  var sum = 0.0;
  for (var k = 0u; k < n; k = k + 1u) {
    sum = sum + a[id.y * n + k] * b[k * n + id.x];
  }
  c[id.y * n + id.x] = sum;
}
`;

/** The matmul job: input = A, then B, then n (u32, padded to 16 bytes); output C. */
export function matmulJob(n: number, a: Float32Array, b: Float32Array): { spec: GpuJobSpec; input: Uint8Array } {
  const bytes = n * n * 4;
  const input = new Uint8Array(bytes * 2 + 16);
  input.set(new Uint8Array(a.buffer, a.byteOffset, bytes), 0);
  input.set(new Uint8Array(b.buffer, b.byteOffset, bytes), bytes);
  new DataView(input.buffer).setUint32(bytes * 2, n, true);
  const groups = Math.ceil(n / 16);
  return {
    input,
    spec: {
      modules: [{ name: 'matmul', code: MATMUL_WGSL }],
      buffers: [
        { name: 'a', size: bytes, usage: 'read-only-storage', init: { offset: 0, length: bytes } },
        { name: 'b', size: bytes, usage: 'read-only-storage', init: { offset: bytes, length: bytes } },
        { name: 'c', size: bytes, usage: 'storage' },
        { name: 'dims', size: 16, usage: 'uniform', init: { offset: bytes * 2, length: 16 } },
      ],
      bindGroups: groupZero(['a', 'b', 'c', 'dims']),
      dispatches: [{ module: 'matmul', entryPoint: 'main', bindGroups: ['g0'], workgroups: [groups, groups, 1] }],
      output: ['c'],
      tolerance: { absolute: 1e-4, relative: 1e-4 },
    },
  };
}

/** The JS reference (i-k-j loop, f32 products summed in f64 as JS does). */
export function matmulJs(n: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] ?? 0;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] ?? 0) + aik * (b[k * n + j] ?? 0);
    }
  }
  return Float32Array.from(c);
}

/** Sum (mod 2³²) and xor of a u32 array: a workgroup tree reduction, then atomics into the result. */
export const REDUCE_WGSL = `
@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> result: array<atomic<u32>, 2>;
var<workgroup> sums: array<u32, 64>;
var<workgroup> xors: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var v = 0u;
  if (gid.x < arrayLength(&data)) { v = data[gid.x]; }
  sums[lid] = v;
  xors[lid] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      sums[lid] = sums[lid] + sums[lid + s];
      xors[lid] = xors[lid] ^ xors[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    atomicAdd(&result[0], sums[0]);
    atomicXor(&result[1], xors[0]);
  }
}
`;

export function reduceJob(data: Uint32Array): { spec: GpuJobSpec; input: Uint8Array } {
  const bytes = data.length * 4;
  return {
    input: new Uint8Array(data.buffer, data.byteOffset, bytes),
    spec: {
      modules: [{ name: 'reduce', code: REDUCE_WGSL }],
      buffers: [
        { name: 'data', size: bytes, usage: 'read-only-storage', init: { offset: 0, length: bytes } },
        { name: 'result', size: 8, usage: 'storage' },
      ],
      bindGroups: groupZero(['data', 'result']),
      dispatches: [
        { module: 'reduce', entryPoint: 'main', bindGroups: ['g0'], workgroups: [Math.ceil(data.length / 64), 1, 1] },
      ],
      output: ['result'],
    },
  };
}

export function reduceJs(data: Uint32Array): [number, number] {
  let sum = 0;
  let xor = 0;
  for (const v of data) {
    sum = (sum + v) >>> 0;
    xor = (xor ^ v) >>> 0;
  }
  return [sum, xor];
}

/** A shader that never ends (the loop's exit depends on a value nothing writes). */
export const RUNAWAY_WGSL = `
@group(0) @binding(0) var<storage, read_write> o: array<u32, 4>;
@compute @workgroup_size(1)
fn main() {
  var i = 0u;
  loop {
    i = i + o[1] + 1u;
    o[0] = i;
    if (o[2] == 12345u) { break; }
  }
}
`;

/** A one-buffer job around `code` (entry point `main`, binding 0 = 16 bytes, read back). */
export function singleBufferJob(code: string, size = 16): GpuJobSpec {
  return {
    modules: [{ name: 'm', code }],
    buffers: [{ name: 'o', size, usage: 'storage' }],
    bindGroups: groupZero(['o']),
    dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: ['g0'], workgroups: [1, 1, 1] }],
    output: ['o'],
  };
}

/** Writes 0..3 + 7 into a 4-element u32 buffer: the trivial dispatch. */
export const TRIVIAL_WGSL = `
@group(0) @binding(0) var<storage, read_write> o: array<u32, 4>;
@compute @workgroup_size(4)
fn main(@builtin(local_invocation_index) i: u32) { o[i] = i + 7u; }
`;

/** Deterministic pseudo-random f32s in [-1, 1) (xorshift32). */
export function randomFloats(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

/** A GPU job with its input, and the result JavaScript computes for it. */
export interface GpuCase<R> {
  readonly spec: GpuJobSpec;
  readonly input: Uint8Array;
  readonly expected: R;
}

/** C = A × B for n×n matrices of pseudo-random values: A from `seed`, B from `seed + 1`. */
export function matmulCase(n: number, seed: number): GpuCase<Float32Array> {
  const a = randomFloats(n * n, seed);
  const b = randomFloats(n * n, seed + 1);
  return { ...matmulJob(n, a, b), expected: matmulJs(n, a, b) };
}

/** Sum (mod 2³²) and xor of `data`. */
export function reduceCase(data: Uint32Array): GpuCase<[number, number]> {
  return { ...reduceJob(data), expected: reduceJs(data) };
}

/** The largest difference between a result and the expected values, element by element (NaN where one is missing). */
export function worstDifference(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
  }
  return worst;
}
