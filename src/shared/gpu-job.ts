/**
 * A GPU job (issue #24, `kind: 'wgsl'`): WGSL compute shaders over declared buffers, run as a fixed sequence of
 * dispatches. The job is data, not code the host runs: the host checks every name, size and count here before a
 * device is touched (docs/vm.md, "GPU jobs"). Pure: no I/O.
 */

/** How a buffer is bound: `var<storage, read_write>`, `var<storage, read>` or `var<uniform>` in the shader. */
export const GPU_BUFFER_USAGES = ['storage', 'read-only-storage', 'uniform'] as const;
export type GpuBufferUsage = (typeof GPU_BUFFER_USAGES)[number];

export interface GpuModuleSpec {
  readonly name: string;
  /** WGSL source. */
  readonly code: string;
}

export interface GpuBufferSpec {
  readonly name: string;
  /** Bytes, a multiple of 4. */
  readonly size: number;
  readonly usage: GpuBufferUsage;
  /** Initial bytes: `length` bytes of the job's input from `offset` (a multiple of 4); absent: zeros. */
  readonly init?: { readonly offset: number; readonly length: number };
}

export interface GpuBindGroupSpec {
  readonly name: string;
  /** The `@group(n)` this bind group is set at. */
  readonly group: number;
  /** `@binding(n)` → a declared buffer, bound whole. */
  readonly entries: readonly { readonly binding: number; readonly buffer: string }[];
}

export interface GpuDispatchSpec {
  readonly module: string;
  readonly entryPoint: string;
  /** Names of bind groups, each at its own `group`. */
  readonly bindGroups: readonly string[];
  /** Workgroup counts x, y, z. */
  readonly workgroups: readonly [number, number, number];
}

/** How far two providers' float outputs may differ and still agree (redundancy); absent: bytes must be equal. */
export interface GpuTolerance {
  /** Per f32 element: |a − b| ≤ absolute + relative × max(|a|, |b|). */
  readonly absolute: number;
  readonly relative: number;
}

export interface GpuJobSpec {
  readonly modules: readonly GpuModuleSpec[];
  readonly buffers: readonly GpuBufferSpec[];
  readonly bindGroups: readonly GpuBindGroupSpec[];
  readonly dispatches: readonly GpuDispatchSpec[];
  /** Names of the buffers read back, in this order. */
  readonly output: readonly string[];
  readonly tolerance?: GpuTolerance;
}

/** Why a GPU job was refused or did not finish; stable codes (the UI, the CLI and the tests switch on them). */
export type GpuJobFailureReason =
  /** The spec is malformed: a wrong type, an unknown key, a duplicate or unknown name, bytes outside the input. */
  | 'invalid-spec'
  /** A size or count is over the job's or the device's limits. */
  | 'over-limit'
  /** A bind group or the output names a buffer the spec does not declare. */
  | 'undeclared-buffer'
  /** The device reported an error (validation, out-of-memory, internal, a shader that does not compile, loss). */
  | 'gpu-error'
  /** No adapter here, or only a fallback (software) one outside test mode. */
  | 'no-adapter'
  | 'wall-limit'
  | 'memory-limit'
  /** The job's process died on its own. */
  | 'crashed'
  /** The caller cancelled it (its AbortSignal), or the executor was closed. */
  | 'aborted';

/** Bounds a spec is checked against: the job's memory and output limits and the device's limits. */
export interface GpuSpecLimits {
  /** All buffers together (the job's memory limit). */
  readonly memoryBytes: number;
  /** All output buffers together. */
  readonly outputBytes: number;
  /** One storage buffer (the device's maxStorageBufferBindingSize, and maxBufferSize). */
  readonly maxStorageBufferBytes: number;
  /** One uniform buffer (maxUniformBufferBindingSize). */
  readonly maxUniformBufferBytes: number;
  /** maxComputeWorkgroupsPerDimension. */
  readonly maxWorkgroupsPerDimension: number;
  /** maxBindGroups: `group` is below it. */
  readonly maxBindGroups: number;
  /** Entries in one bind group (and the highest `binding` + 1). */
  readonly maxBindingsPerGroup: number;
  readonly maxModules: number;
  /** All WGSL sources together, in UTF-16 code units. */
  readonly maxCodeChars: number;
  readonly maxBuffers: number;
  readonly maxBindGroupSpecs: number;
  readonly maxDispatches: number;
}

const MIB = 1024 * 1024;

/** WebGPU's default device limits and modest job bounds; a provider passes its own (never above its device's). */
export const DEFAULT_GPU_SPEC_LIMITS: GpuSpecLimits = {
  memoryBytes: 64 * MIB,
  outputBytes: 256 * 1024,
  maxStorageBufferBytes: 128 * MIB,
  maxUniformBufferBytes: 64 * 1024,
  maxWorkgroupsPerDimension: 65_535,
  maxBindGroups: 4,
  maxBindingsPerGroup: 8,
  maxModules: 8,
  maxCodeChars: 1 * MIB,
  maxBuffers: 32,
  maxBindGroupSpecs: 32,
  maxDispatches: 256,
};

export type GpuSpecCheck =
  | { readonly ok: true; readonly spec: GpuJobSpec; readonly totalBytes: number }
  | {
      readonly ok: false;
      readonly reason: 'invalid-spec' | 'over-limit' | 'undeclared-buffer';
      readonly message: string;
    };

const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const ENTRY_POINT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A refusal as a value; thrown inside the checker only, to stop at the first problem. */
class Refusal extends Error {
  constructor(
    readonly reason: 'invalid-spec' | 'over-limit' | 'undeclared-buffer',
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): Refusal => new Refusal('invalid-spec', message);
const over = (message: string): Refusal => new Refusal('over-limit', message);

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

function record(value: unknown, path: string, keys: readonly string[], required: readonly string[]) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${path} must be an object, got ${shown(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key))
      throw invalid(`${path}.${key.slice(0, 64)} is not a known field (known: ${keys.join(', ')})`);
  }
  for (const key of required) if (!(key in obj)) throw invalid(`${path}.${key} is missing`);
  return obj;
}

function list(value: unknown, path: string, max: number, min = 0): readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be a list, got ${shown(value)}`);
  if (value.length > max) throw over(`${path} has ${value.length} entries, at most ${max} allowed`);
  if (value.length < min) throw invalid(`${path} needs at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  return value;
}

/** A non-negative integer; over `max` is over the limit, anything else wrong is malformed. */
function count(value: unknown, path: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${path} must be a non-negative integer, got ${shown(value)}`);
  }
  if (value > max) throw over(`${path} is ${value}, at most ${max} allowed`);
  return value;
}

function name(value: unknown, path: string, seen: Set<string>): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw invalid(`${path} must be 1–64 letters, digits, '_' or '-' (not starting with a digit), got ${shown(value)}`);
  }
  if (seen.has(value)) throw invalid(`${path} ${JSON.stringify(value)} is declared twice`);
  seen.add(value);
  return value;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e30) {
    throw invalid(`${path} must be a finite number ≥ 0, got ${shown(value)}`);
  }
  return value;
}

function checkSpec(raw: unknown, inputBytes: number, limits: GpuSpecLimits): { spec: GpuJobSpec; total: number } {
  const top = record(
    raw,
    'spec',
    ['modules', 'buffers', 'bindGroups', 'dispatches', 'output', 'tolerance'],
    ['modules', 'buffers', 'bindGroups', 'dispatches', 'output'],
  );

  const moduleNames = new Set<string>();
  let codeChars = 0;
  const modules = list(top.modules, 'spec.modules', limits.maxModules, 1).map((m, i): GpuModuleSpec => {
    const o = record(m, `spec.modules[${i}]`, ['name', 'code'], ['name', 'code']);
    const n = name(o.name, `spec.modules[${i}].name`, moduleNames);
    if (typeof o.code !== 'string' || o.code.length === 0) {
      throw invalid(`spec.modules[${i}].code must be WGSL source text, got ${shown(o.code)}`);
    }
    codeChars += o.code.length;
    if (codeChars > limits.maxCodeChars) throw over(`the WGSL sources exceed ${limits.maxCodeChars} characters`);
    return { name: n, code: o.code };
  });

  const buffers = new Map<string, GpuBufferSpec>();
  let total = 0;
  for (const [i, b] of list(top.buffers, 'spec.buffers', limits.maxBuffers, 1).entries()) {
    const path = `spec.buffers[${i}]`;
    const o = record(b, path, ['name', 'size', 'usage', 'init'], ['name', 'size', 'usage']);
    const n = name(o.name, `${path}.name`, new Set(buffers.keys()));
    if (typeof o.usage !== 'string' || !(GPU_BUFFER_USAGES as readonly string[]).includes(o.usage)) {
      throw invalid(`${path}.usage must be one of ${GPU_BUFFER_USAGES.join(', ')}, got ${shown(o.usage)}`);
    }
    const usage = o.usage as GpuBufferUsage;
    const max = usage === 'uniform' ? limits.maxUniformBufferBytes : limits.maxStorageBufferBytes;
    const size = count(o.size, `${path}.size`, max);
    if (size === 0 || size % 4 !== 0) throw invalid(`${path}.size must be a positive multiple of 4, got ${size}`);
    total += size;
    if (total > limits.memoryBytes) {
      throw over(`the buffers need more than the job's memory limit of ${limits.memoryBytes} bytes`);
    }
    let init: GpuBufferSpec['init'];
    if (o.init !== undefined) {
      const io = record(o.init, `${path}.init`, ['offset', 'length'], ['offset', 'length']);
      const offset = count(io.offset, `${path}.init.offset`, Number.MAX_SAFE_INTEGER);
      const length = count(io.length, `${path}.init.length`, size);
      if (offset % 4 !== 0 || length % 4 !== 0) throw invalid(`${path}.init offset and length must be multiples of 4`);
      if (offset + length > inputBytes) {
        throw invalid(`${path}.init reads bytes ${offset}–${offset + length} of an input of ${inputBytes} bytes`);
      }
      init = { offset, length };
    }
    buffers.set(n, init ? { name: n, size, usage, init } : { name: n, size, usage });
  }

  const groupNames = new Map<string, GpuBindGroupSpec>();
  for (const [i, g] of list(top.bindGroups, 'spec.bindGroups', limits.maxBindGroupSpecs).entries()) {
    const path = `spec.bindGroups[${i}]`;
    const o = record(g, path, ['name', 'group', 'entries'], ['name', 'group', 'entries']);
    const n = name(o.name, `${path}.name`, new Set(groupNames.keys()));
    const group = count(o.group, `${path}.group`, limits.maxBindGroups - 1);
    const bindings = new Set<number>();
    const entries = list(o.entries, `${path}.entries`, limits.maxBindingsPerGroup, 1).map((e, j) => {
      const eo = record(e, `${path}.entries[${j}]`, ['binding', 'buffer'], ['binding', 'buffer']);
      const binding = count(eo.binding, `${path}.entries[${j}].binding`, limits.maxBindingsPerGroup - 1);
      if (bindings.has(binding)) throw invalid(`${path}.entries[${j}].binding ${binding} is bound twice`);
      bindings.add(binding);
      if (typeof eo.buffer !== 'string') throw invalid(`${path}.entries[${j}].buffer must be a buffer's name`);
      if (!buffers.has(eo.buffer)) {
        throw new Refusal(
          'undeclared-buffer',
          `${path}.entries[${j}] binds ${shown(eo.buffer)}, not a declared buffer`,
        );
      }
      return { binding, buffer: eo.buffer };
    });
    groupNames.set(n, { name: n, group, entries });
  }

  const dispatches = list(top.dispatches, 'spec.dispatches', limits.maxDispatches, 1).map((d, i): GpuDispatchSpec => {
    const path = `spec.dispatches[${i}]`;
    const o = record(
      d,
      path,
      ['module', 'entryPoint', 'bindGroups', 'workgroups'],
      ['module', 'entryPoint', 'workgroups'],
    );
    if (typeof o.module !== 'string' || !moduleNames.has(o.module)) {
      throw invalid(`${path}.module must name a declared module, got ${shown(o.module)}`);
    }
    if (typeof o.entryPoint !== 'string' || !ENTRY_POINT.test(o.entryPoint)) {
      throw invalid(`${path}.entryPoint must be a WGSL identifier, got ${shown(o.entryPoint)}`);
    }
    const groupsUsed = new Set<number>();
    const bindGroups = list(o.bindGroups ?? [], `${path}.bindGroups`, limits.maxBindGroups).map((g, j) => {
      const bg = typeof g === 'string' ? groupNames.get(g) : undefined;
      if (!bg) throw invalid(`${path}.bindGroups[${j}] must name a declared bind group, got ${shown(g)}`);
      if (groupsUsed.has(bg.group)) throw invalid(`${path}.bindGroups sets group ${bg.group} twice`);
      groupsUsed.add(bg.group);
      return bg.name;
    });
    const w = list(o.workgroups, `${path}.workgroups`, 3, 3);
    const workgroups = w.map((c, k) => count(c, `${path}.workgroups[${k}]`, limits.maxWorkgroupsPerDimension));
    return {
      module: o.module,
      entryPoint: o.entryPoint,
      bindGroups,
      workgroups: [workgroups[0] ?? 0, workgroups[1] ?? 0, workgroups[2] ?? 0],
    };
  });

  let outputBytes = 0;
  const outputSeen = new Set<string>();
  const output = list(top.output, 'spec.output', limits.maxBuffers, 1).map((o, i) => {
    if (typeof o !== 'string') throw invalid(`spec.output[${i}] must be a buffer's name, got ${shown(o)}`);
    const b = buffers.get(o);
    if (!b) throw new Refusal('undeclared-buffer', `spec.output[${i}] reads ${shown(o)}, not a declared buffer`);
    if (outputSeen.has(o)) throw invalid(`spec.output names ${JSON.stringify(o)} twice`);
    outputSeen.add(o);
    outputBytes += b.size;
    if (outputBytes > limits.outputBytes) throw over(`the output buffers exceed ${limits.outputBytes} bytes`);
    return o;
  });

  let tolerance: GpuTolerance | undefined;
  if (top.tolerance !== undefined) {
    const t = record(top.tolerance, 'spec.tolerance', ['absolute', 'relative'], ['absolute', 'relative']);
    tolerance = {
      absolute: finite(t.absolute, 'spec.tolerance.absolute'),
      relative: finite(t.relative, 'spec.tolerance.relative'),
    };
  }

  const spec: GpuJobSpec = {
    modules,
    buffers: [...buffers.values()],
    bindGroups: [...groupNames.values()],
    dispatches,
    output,
    ...(tolerance ? { tolerance } : {}),
  };
  return { spec, total };
}

/**
 * Checks a spec (parsed JSON of any shape) against an input of `inputBytes` bytes and the limits; stops at the
 * first problem. The spec returned is a fresh copy holding only known fields.
 */
export function checkGpuJobSpec(
  raw: unknown,
  inputBytes: number,
  limits: GpuSpecLimits = DEFAULT_GPU_SPEC_LIMITS,
): GpuSpecCheck {
  try {
    const { spec, total } = checkSpec(raw, inputBytes, limits);
    return { ok: true, spec, totalBytes: total };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
}

/**
 * Whether two providers' outputs agree: byte for byte, or element by element as f32 within the spec's tolerance.
 * (NaN agrees only with NaN.)
 */
export function gpuOutputsAgree(a: readonly Uint8Array[], b: readonly Uint8Array[], tolerance?: GpuTolerance): boolean {
  if (a.length !== b.length) return false;
  for (const [i, x] of a.entries()) {
    const y = b[i];
    if (!y || x.length !== y.length) return false;
    if (!tolerance || x.length % 4 !== 0) {
      if (!x.every((v, k) => v === y[k])) return false;
      continue;
    }
    const fx = new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.length));
    const fy = new Float32Array(y.buffer.slice(y.byteOffset, y.byteOffset + y.length));
    for (let k = 0; k < fx.length; k++) {
      const u = fx[k] ?? 0;
      const v = fy[k] ?? 0;
      if (Number.isNaN(u) || Number.isNaN(v)) {
        if (Number.isNaN(u) !== Number.isNaN(v)) return false;
        continue;
      }
      if (Math.abs(u - v) > tolerance.absolute + tolerance.relative * Math.max(Math.abs(u), Math.abs(v))) return false;
    }
  }
  return true;
}
