import { checkGpuJobSpec, DEFAULT_GPU_SPEC_LIMITS } from '../../../../shared/gpu-job';
import { JOB_LIMITS, type RunJobRequest } from '../../../../shared/vm';

/**
 * The Jobs page's WGSL job (kind 'wgsl', docs/vm.md "GPU jobs"): a shader and a JSON spec in, the request out, and
 * the output buffers shown as hex or numbers. Pure: no React, no I/O.
 */

export interface WgslForm {
  /** WGSL source: every spec module without `code` gets it (a spec without modules: one module "main"). */
  readonly shader: string;
  /** The GpuJobSpec as JSON text. */
  readonly spec: string;
  /** The job's input bytes as hex (buffers' `init` read from it); may be empty. */
  readonly inputHex: string;
  readonly redundancy: string;
  readonly wallSeconds: string;
  readonly memoryMiB: string;
}

export type WgslField = 'shader' | 'spec' | 'inputHex' | 'redundancy' | 'wallSeconds' | 'memoryMiB';
export const WGSL_FIELDS: readonly WgslField[] = [
  'shader',
  'spec',
  'inputHex',
  'redundancy',
  'wallSeconds',
  'memoryMiB',
];

/** A square of 4 u32 written by the shader: a job that runs as is. */
export const DEFAULT_WGSL_FORM: WgslForm = {
  shader: `@group(0) @binding(0) var<storage, read_write> o: array<u32, 4>;
@compute @workgroup_size(4)
fn main(@builtin(local_invocation_index) i: u32) { o[i] = i * i; }
`,
  spec: JSON.stringify(
    {
      buffers: [{ name: 'o', size: 16, usage: 'storage' }],
      bindGroups: [{ name: 'g0', group: 0, entries: [{ binding: 0, buffer: 'o' }] }],
      dispatches: [{ module: 'main', entryPoint: 'main', bindGroups: ['g0'], workgroups: [1, 1, 1] }],
      output: ['o'],
    },
    null,
    2,
  ),
  inputHex: '',
  redundancy: '1',
  wallSeconds: '60',
  memoryMiB: '64',
};

export type WgslFormResult =
  | { readonly ok: true; readonly request: RunJobRequest }
  | { readonly ok: false; readonly errors: Partial<Record<WgslField, string>> };

function whole(text: string, min: number, max: number): number | null {
  const n = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return n >= min && n <= max ? n : null;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function hexToBytes(hex: string): Uint8Array | null {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Checks the form as the provider will check the job; every problem is named on its field. */
export function parseWgslForm(form: WgslForm): WgslFormResult {
  const errors: Partial<Record<WgslField, string>> = {};
  const redundancy = whole(form.redundancy, JOB_LIMITS.redundancy.min, JOB_LIMITS.redundancy.max);
  if (redundancy === null) errors.redundancy = `A whole number from 1 to ${JOB_LIMITS.redundancy.max}.`;
  const wallSeconds = whole(form.wallSeconds, JOB_LIMITS.wallSeconds.min, JOB_LIMITS.wallSeconds.max);
  if (wallSeconds === null) errors.wallSeconds = `A whole number of seconds from 1 to ${JOB_LIMITS.wallSeconds.max}.`;
  const memoryMiB = whole(form.memoryMiB, JOB_LIMITS.memoryMiB.min, JOB_LIMITS.memoryMiB.max);
  if (memoryMiB === null) errors.memoryMiB = `A whole number of MiB from 1 to ${JOB_LIMITS.memoryMiB.max}.`;
  const input = hexToBytes(form.inputHex);
  if (!input) errors.inputHex = 'Hex digits, two per byte (spaces allowed).';
  else if (input.length > JOB_LIMITS.inputBytes) errors.inputHex = `At most ${JOB_LIMITS.inputBytes} bytes.`;
  let raw: unknown;
  try {
    raw = JSON.parse(form.spec);
  } catch (err) {
    errors.spec = `Not JSON: ${(err as Error).message}`;
  }
  if (!errors.spec && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    errors.spec = 'The spec must be a JSON object: buffers, bindGroups, dispatches, output.';
  }
  const obj = (errors.spec ? {} : raw) as Record<string, unknown>;
  const modules = obj.modules ?? [{ name: 'main' }];
  const needsShader =
    Array.isArray(modules) && modules.some((m) => typeof m === 'object' && m !== null && !('code' in m));
  if (needsShader && form.shader.trim() === '') errors.shader = 'Paste the WGSL compute shader.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const spec = {
    ...obj,
    modules: Array.isArray(modules)
      ? modules.map((m: unknown) =>
          typeof m === 'object' && m !== null && !('code' in m) ? { ...m, code: form.shader } : m,
        )
      : modules,
  };
  const check = checkGpuJobSpec(spec, input?.length ?? 0, {
    ...DEFAULT_GPU_SPEC_LIMITS,
    memoryBytes: (memoryMiB ?? 0) * 2 ** 20,
    outputBytes: JOB_LIMITS.outputKiB.default * 1024,
  });
  if (!check.ok) return { ok: false, errors: { spec: `${check.reason}: ${check.message}` } };
  return {
    ok: true,
    request: {
      kind: 'wgsl',
      code: toBase64(new TextEncoder().encode(JSON.stringify(check.spec))),
      ...(input && input.length > 0 ? { input: { data: toBase64(input) } } : {}),
      redundancy: redundancy ?? 1,
      limits: { wallSeconds: wallSeconds ?? 60, memoryMiB: memoryMiB ?? 64 },
    },
  };
}

export type BufferFormat = 'hex' | 'u32' | 'i32' | 'f32';

/** The output (base64, the buffers concatenated) split by the buffers' sizes and shown as `format`. */
export function outputBuffers(
  outputB64: string,
  sizes: readonly number[],
  format: BufferFormat,
  maxItems = 64,
): { readonly bytes: number; readonly text: string; readonly more: number }[] {
  const bin = atob(outputB64);
  const all = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const parts = sizes.length > 0 ? sizes : [all.length];
  let at = 0;
  return parts.map((size) => {
    const bytes = all.slice(at, at + size);
    at += size;
    const view = new DataView(bytes.buffer);
    const count = format === 'hex' ? bytes.length : Math.floor(bytes.length / 4);
    const shown = Math.min(count, maxItems);
    const items: string[] = [];
    for (let i = 0; i < shown; i++) {
      if (format === 'hex') items.push((bytes[i] ?? 0).toString(16).padStart(2, '0'));
      else if (format === 'u32') items.push(String(view.getUint32(i * 4, true)));
      else if (format === 'i32') items.push(String(view.getInt32(i * 4, true)));
      else items.push(String(Math.fround(view.getFloat32(i * 4, true))));
    }
    return { bytes: bytes.length, text: items.join(format === 'hex' ? ' ' : ', '), more: count - shown };
  });
}
