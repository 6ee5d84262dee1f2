import { DEFAULT_GPU_SPEC_LIMITS, checkGpuJobSpec } from '../shared/gpu-job';
import { JOB_LIMITS } from '../shared/vm';
import { UsageError } from './cli-args';

/**
 * `hypermesh job run --wgsl FILE --spec JOB.json`: the job's code is the spec's JSON with the WGSL inline. Modules
 * in the spec without `code` get FILE's source; a spec without `modules` gets one module "main" of FILE. The spec
 * is checked here as the provider will check it, so a bad one fails before the node is asked (exit status 2).
 */
export function wgslJobCode(
  wgsl: string,
  specText: string,
  inputBytes: number,
  limits: { readonly memoryMiB?: number; readonly outputKiB?: number },
): Buffer {
  let raw: unknown;
  try {
    raw = JSON.parse(specText);
  } catch (err) {
    throw new UsageError(`--spec: not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError('--spec: the spec must be a JSON object (modules, buffers, bindGroups, dispatches, output)');
  }
  const spec = raw as Record<string, unknown>;
  const modules = spec.modules ?? [{ name: 'main' }];
  if (!Array.isArray(modules)) throw new UsageError('--spec: "modules" must be a list');
  const filled = {
    ...spec,
    modules: modules.map((m: unknown) =>
      typeof m === 'object' && m !== null && !('code' in m) ? { ...m, code: wgsl } : m,
    ),
  };
  const check = checkGpuJobSpec(filled, inputBytes, {
    ...DEFAULT_GPU_SPEC_LIMITS,
    memoryBytes: (limits.memoryMiB ?? JOB_LIMITS.memoryMiB.default) * 2 ** 20,
    outputBytes: (limits.outputKiB ?? JOB_LIMITS.outputKiB.default) * 1024,
  });
  if (!check.ok) throw new UsageError(`--spec: ${check.reason}: ${check.message}`);
  const code = Buffer.from(JSON.stringify(check.spec));
  if (code.length > JOB_LIMITS.codeBytes)
    throw new UsageError(`the WGSL and spec exceed ${JOB_LIMITS.codeBytes} bytes`);
  return code;
}
