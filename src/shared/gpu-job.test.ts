import { describe, expect, it } from 'vitest';
import { DEFAULT_GPU_SPEC_LIMITS, checkGpuJobSpec, gpuOutputsAgree, type GpuJobSpec } from './gpu-job';

const MIB = 1024 * 1024;

/** Bind group 0, named 'g', with the given (binding, buffer) entries. */
const groupG = (...entries: [number, string][]): GpuJobSpec['bindGroups'][number] => ({
  name: 'g',
  group: 0,
  entries: entries.map(([binding, buffer]) => ({ binding, buffer })),
});

/** A valid two-buffer spec; tests change one thing in a copy. */
function base(): GpuJobSpec {
  return {
    modules: [{ name: 'm', code: '@compute @workgroup_size(1) fn main() {}' }],
    buffers: [
      { name: 'in', size: 16, usage: 'read-only-storage', init: { offset: 0, length: 16 } },
      { name: 'out', size: 16, usage: 'storage' },
      { name: 'u', size: 16, usage: 'uniform' },
    ],
    bindGroups: [groupG([0, 'in'], [1, 'out'])],
    dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: ['g'], workgroups: [1, 1, 1] }],
    output: ['out'],
  };
}

const json = (spec: unknown): unknown => JSON.parse(JSON.stringify(spec));
const reason = (spec: unknown, input = 16, limits = DEFAULT_GPU_SPEC_LIMITS): string => {
  const r = checkGpuJobSpec(spec, input, limits);
  return r.ok ? 'ok' : r.reason;
};

describe('checkGpuJobSpec', () => {
  it('accepts a valid spec, copying only its fields, and counts its bytes', () => {
    const r = checkGpuJobSpec(json(base()), 16);
    expect(r).toMatchObject({ ok: true, totalBytes: 48 });
    if (r.ok) expect(r.spec).toEqual(base());
  });

  it('refuses malformed specs as invalid-spec', () => {
    const cases: unknown[] = [
      null,
      [],
      { ...base(), extra: 1 },
      { ...base(), modules: [] },
      { ...base(), modules: [{ name: 'm', code: '' }] },
      { ...base(), modules: [{ name: '9m', code: 'x' }] },
      { ...base(), buffers: [...base().buffers, { name: 'in', size: 4, usage: 'storage' }] },
      { ...base(), buffers: [{ name: 'x', size: 6, usage: 'storage' }] },
      { ...base(), buffers: [{ name: 'x', size: 0, usage: 'storage' }] },
      { ...base(), buffers: [{ name: 'x', size: 16, usage: 'texture' }] },
      { ...base(), buffers: [{ name: 'x', size: 1.5, usage: 'storage' }] },
      { ...base(), buffers: [{ name: 'x', size: 16, usage: 'storage', init: { offset: 8, length: 16 } }] },
      { ...base(), buffers: [{ name: 'x', size: 16, usage: 'storage', init: { offset: 2, length: 4 } }] },
      { ...base(), dispatches: [{ module: 'nope', entryPoint: 'main', bindGroups: [], workgroups: [1, 1, 1] }] },
      { ...base(), dispatches: [{ module: 'm', entryPoint: 'a b', bindGroups: [], workgroups: [1, 1, 1] }] },
      { ...base(), dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: ['x'], workgroups: [1, 1, 1] }] },
      { ...base(), dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: ['g', 'g'], workgroups: [1, 1, 1] }] },
      { ...base(), dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: [], workgroups: [1, 1] }] },
      { ...base(), dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: [], workgroups: [1, -1, 1] }] },
      { ...base(), output: ['out', 'out'] },
      { ...base(), output: [] },
      { ...base(), tolerance: { absolute: -1, relative: 0 } },
      { ...base(), bindGroups: [groupG([0, 'in'], [0, 'out'])] },
    ];
    for (const [i, c] of cases.entries()) expect(`${i}:${reason(json(c))}`).toBe(`${i}:invalid-spec`);
  });

  it('refuses sizes and counts over the limits as over-limit', () => {
    const big = (size: number, usage = 'storage') => ({ ...base(), buffers: [{ name: 'x', size, usage }] });
    expect(reason(big(DEFAULT_GPU_SPEC_LIMITS.memoryBytes + 4))).toBe('over-limit');
    expect(reason(big(65536 + 4, 'uniform'))).toBe('over-limit');
    const limits = { ...DEFAULT_GPU_SPEC_LIMITS, memoryBytes: 1024 * MIB };
    expect(reason(big(128 * MIB + 4), 16, limits)).toBe('over-limit');
    // At the limit it passes the size check (and is refused for the bind group's buffers it lacks).
    expect(reason(big(128 * MIB), 16, limits)).toBe('undeclared-buffer');
    // The total, not only each buffer.
    const many = { ...base(), buffers: [0, 1, 2].map((i) => ({ name: `b${i}`, size: 32 * MIB, usage: 'storage' })) };
    expect(reason({ ...many, output: ['b0'], bindGroups: [] }, 16, { ...limits, memoryBytes: 64 * MIB })).toBe(
      'over-limit',
    );
    const wg = (x: number) => ({
      ...base(),
      dispatches: [{ module: 'm', entryPoint: 'main', bindGroups: [], workgroups: [1, x, 1] }],
    });
    expect(reason(wg(65_535))).toBe('ok');
    expect(reason(wg(65_536))).toBe('over-limit');
    const dispatches = Array.from({ length: 257 }, () => base().dispatches[0]);
    expect(reason({ ...base(), dispatches })).toBe('over-limit');
    expect(reason({ ...base(), bindGroups: [{ name: 'g', group: 4, entries: [{ binding: 0, buffer: 'in' }] }] })).toBe(
      'over-limit',
    );
    expect(reason({ ...base(), modules: [{ name: 'm', code: 'x'.repeat(MIB + 1) }] })).toBe('over-limit');
    // Output over the job's output limit (256 KiB by default).
    const out = { ...base(), buffers: [{ name: 'out', size: 256 * 1024 + 4, usage: 'storage' }], bindGroups: [] };
    expect(reason({ ...out, dispatches: [{ ...base().dispatches[0], bindGroups: [] }] })).toBe('over-limit');
  });

  it('refuses reading or binding an undeclared buffer as undeclared-buffer', () => {
    expect(reason({ ...base(), output: ['secret'] })).toBe('undeclared-buffer');
    const g = { name: 'g', group: 0, entries: [{ binding: 0, buffer: 'elsewhere' }] };
    expect(reason({ ...base(), bindGroups: [g] })).toBe('undeclared-buffer');
  });
});

describe('gpuOutputsAgree', () => {
  const f = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
  it('compares bytes exactly without a tolerance and f32 elements within one', () => {
    expect(gpuOutputsAgree([f(1, 2)], [f(1, 2)])).toBe(true);
    expect(gpuOutputsAgree([f(1, 2)], [f(1, 2.0001)])).toBe(false);
    expect(gpuOutputsAgree([f(1, 2)], [f(1, 2.0001)], { absolute: 0, relative: 1e-3 })).toBe(true);
    expect(gpuOutputsAgree([f(1, 2)], [f(1, 2.1)], { absolute: 0, relative: 1e-3 })).toBe(false);
    expect(gpuOutputsAgree([f(Number.NaN)], [f(0)], { absolute: 1, relative: 1 })).toBe(false);
    expect(gpuOutputsAgree([f(1)], [f(1), f(1)])).toBe(false);
  });
});
