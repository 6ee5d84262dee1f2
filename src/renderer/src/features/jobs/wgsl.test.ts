import { describe, expect, it } from 'vitest';
import { DEFAULT_WGSL_FORM, hexToBytes, outputBuffers, parseWgslForm } from './wgsl';

describe('the Jobs page WGSL form', () => {
  it('turns the shader and spec into a wgsl request, the shader filling the spec’s module', () => {
    const parsed = parseWgslForm({ ...DEFAULT_WGSL_FORM, inputHex: '01 02 03 04', redundancy: '2' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.request).toMatchObject({ kind: 'wgsl', redundancy: 2, input: { data: 'AQIDBA==' } });
    const spec = JSON.parse(atob(parsed.request.code)) as { modules: { name: string; code: string }[] };
    expect(spec.modules).toEqual([{ name: 'main', code: DEFAULT_WGSL_FORM.shader }]);
  });

  it('names each problem on its field, and spec refusals with their reason', () => {
    const bad = parseWgslForm({ ...DEFAULT_WGSL_FORM, shader: ' ', inputHex: 'xyz', redundancy: '9', spec: '{' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.errors).sort()).toEqual(['inputHex', 'redundancy', 'shader', 'spec']);
    const undeclared = parseWgslForm({
      ...DEFAULT_WGSL_FORM,
      spec: DEFAULT_WGSL_FORM.spec.replace('"output": [\n    "o"', '"output": [\n    "x"'),
    });
    expect(undeclared).toMatchObject({
      ok: false,
      errors: { spec: expect.stringMatching(/^undeclared-buffer: /) as unknown },
    });
    const over = parseWgslForm({
      ...DEFAULT_WGSL_FORM,
      memoryMiB: '1',
      spec: DEFAULT_WGSL_FORM.spec.replace('"size": 16', '"size": 2097152'),
    });
    expect(over).toMatchObject({ ok: false, errors: { spec: expect.stringMatching(/^over-limit: /) as unknown } });
    const noShader = parseWgslForm({ ...DEFAULT_WGSL_FORM, shader: '' });
    expect(noShader).toMatchObject({ ok: false, errors: { shader: expect.any(String) as unknown } });
  });

  it('shows output buffers as hex or numbers, split by size', () => {
    const bytes = new Uint8Array([1, 0, 0, 0, 0, 0, 128, 63, 255, 255, 255, 255]);
    const b64 = btoa(String.fromCharCode(...bytes));
    expect(outputBuffers(b64, [8, 4], 'u32').map((b) => b.text)).toEqual(['1, 1065353216', '4294967295']);
    expect(outputBuffers(b64, [8, 4], 'f32')[0]?.text).toMatch(/^1\.4\d*e-45, 1$/);
    expect(outputBuffers(b64, [12], 'i32')[0]?.text).toBe('1, 1065353216, -1');
    expect(outputBuffers(b64, [12], 'hex', 4)[0]).toEqual({ bytes: 12, text: '01 00 00 00', more: 8 });
    expect(hexToBytes('0a0B')).toEqual(new Uint8Array([10, 11]));
    expect(hexToBytes('abc')).toBeNull();
  });
});
