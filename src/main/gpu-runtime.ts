import { join } from 'node:path';

/**
 * Where a packaged app keeps the plain Node runtime it ships for GPU jobs (electron-builder.yml `extraResources`,
 * copied by scripts/ship-node-runtime.mjs): Electron cannot load the webgpu package, so GPU job children run on
 * this runtime instead (docs/vm.md, "The desktop app").
 */
export function shippedNodeRuntime(resourcesPath: string, platform: NodeJS.Platform): string {
  return join(resourcesPath, 'node', 'bin', platform === 'win32' ? 'node.exe' : 'node');
}

/**
 * The node process's GPU flags: GPU jobs go on (hardware adapters only) when the shipped runtime is there, and stay
 * off otherwise (a development run, or a build made without it), with the reason to log once.
 */
export function gpuJobArgs(
  runtime: string | undefined,
  exists: (path: string) => boolean,
): { readonly args: readonly string[]; readonly note: string } {
  if (runtime === undefined) return { args: [], note: 'GPU jobs off: this build ships no Node runtime for them' };
  if (!exists(runtime)) return { args: [], note: `GPU jobs off: the shipped Node runtime is missing (${runtime})` };
  return { args: ['--gpu-runtime', runtime], note: `GPU jobs on, run by ${runtime}` };
}
