import { describe, expect, it } from 'vitest';
import { UsageError, parseCliArgs } from './cli-args';
import { wgslJobCode } from './cli-gpu';
import { TRIVIAL_WGSL, singleBufferJob } from './vm/gpu/testing';

const spec = (): Record<string, unknown> => {
  const { modules: _modules, ...rest } = singleBufferJob(TRIVIAL_WGSL);
  return { ...rest, dispatches: [{ module: 'main', entryPoint: 'main', bindGroups: ['g0'], workgroups: [1, 1, 1] }] };
};

describe('hypermesh job run --wgsl', () => {
  it('parses --wgsl with --spec and refuses the wrong combinations', () => {
    const ok = parseCliArgs(['job', 'run', '--wgsl', 'k.wgsl', '--spec', 'job.json', '--wall-seconds', '5']);
    expect(ok.job).toMatchObject({
      kind: 'wgsl',
      codeFile: 'k.wgsl',
      specFile: 'job.json',
      limits: { wallSeconds: 5 },
    });
    expect(() => parseCliArgs(['job', 'run', '--wgsl', 'k.wgsl'])).toThrow(/--wgsl needs --spec/);
    expect(() => parseCliArgs(['job', 'run', '--js', 'a.js', '--spec', 'j.json'])).toThrow(/--spec goes with --wgsl/);
    expect(() => parseCliArgs(['job', 'run', '--wgsl', 'k', '--wasm', 'm'])).toThrow(/exactly one of/);
    expect(() => parseCliArgs(['job', 'run', '--wgsl', 'k', '--spec', 's', '--arg', 'x'])).toThrow(/no --arg/);
    expect(parseCliArgs(['node', '--gpu-jobs', 'test']).gpuJobs).toBe('test');
    expect(() => parseCliArgs(['node', '--gpu-jobs', 'maybe'])).toThrow(/--gpu-jobs must be off, on or test/);
  });

  it('puts the WGSL file into the spec and checks it as a provider would', () => {
    const code = wgslJobCode(TRIVIAL_WGSL, JSON.stringify(spec()), 0, {});
    const sent = JSON.parse(code.toString('utf8')) as { modules: { name: string; code: string }[] };
    expect(sent.modules).toEqual([{ name: 'main', code: TRIVIAL_WGSL }]);
    const refused =
      (text: string, inputBytes = 0, limits = {}) =>
      () =>
        wgslJobCode(TRIVIAL_WGSL, text, inputBytes, limits);
    expect(refused('{nope')).toThrow(UsageError);
    expect(refused('{nope')).toThrow(/--spec: not JSON/);
    expect(refused('[]')).toThrow(/must be a JSON object/);
    expect(refused(JSON.stringify({ ...spec(), output: ['ghost'] }))).toThrow(/undeclared-buffer/);
    const big = { ...spec(), buffers: [{ name: 'o', size: 32 * 2 ** 20, usage: 'storage' }] };
    expect(refused(JSON.stringify(big), 0, { memoryMiB: 16 })).toThrow(/over-limit/);
    const init = { ...spec(), buffers: [{ name: 'o', size: 16, usage: 'storage', init: { offset: 0, length: 16 } }] };
    expect(refused(JSON.stringify(init), 8)).toThrow(/invalid-spec: .*input of 8 bytes/);
  });
});
