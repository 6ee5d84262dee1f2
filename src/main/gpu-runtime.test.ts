import { chmodSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNodeProcessArgs } from '../node-core/node-process';
import { gpuRuntimeFor, outsideAsar } from '../node-core/vm/gpu/executor';
import { useTempDirs } from '../node-core/testing/temp-dir';
import { gpuJobArgs, shippedNodeRuntime } from './gpu-runtime';

const tempDir = useTempDirs();

describe('GPU jobs in the desktop app: children on the Node runtime the app ships (issue #24)', () => {
  it('finds the shipped runtime under the resources folder, per platform', () => {
    expect(shippedNodeRuntime('/opt/HyperMesh/resources', 'linux')).toBe('/opt/HyperMesh/resources/node/bin/node');
    expect(shippedNodeRuntime('/opt/HyperMesh/resources', 'win32')).toMatch(/node[\\/]bin[\\/]node\.exe$/);
  });

  it('turns GPU jobs on only when the runtime is there, and the node process takes it as its GPU runtime', () => {
    const resources = tempDir();
    const runtime = shippedNodeRuntime(resources, process.platform);
    const none = gpuJobArgs(undefined, existsSync);
    expect(none.args).toEqual([]);
    expect(none.note).toMatch(/ships no Node runtime/);
    const missing = gpuJobArgs(runtime, existsSync);
    expect(missing.args).toEqual([]);
    expect(missing.note).toContain('missing');

    mkdirSync(join(resources, 'node', 'bin'), { recursive: true });
    writeFileSync(runtime, '#!/bin/sh\n');
    chmodSync(runtime, 0o755);
    const on = gpuJobArgs(runtime, existsSync);
    expect(on.args).toEqual(['--gpu-runtime', runtime]);
    const parsed = parseNodeProcessArgs(['--data-dir', resources, ...on.args]);
    expect(parsed.gpuRuntime).toBe(runtime);
    // Under Electron the executor uses exactly that runtime; without it, it refuses with the reason.
    const inElectron = { execPath: '/opt/HyperMesh/hypermesh', electron: '41.7.1' };
    expect(gpuRuntimeFor(parsed.gpuRuntime, inElectron)).toEqual({ path: runtime });
    expect(gpuRuntimeFor(undefined, inElectron)).toMatchObject({ path: null });
  });

  it('points the child at the unpacked webgpu package, since a plain Node cannot read app.asar', () => {
    expect(outsideAsar('/opt/HyperMesh/resources/app.asar/node_modules/webgpu/index.js')).toBe(
      '/opt/HyperMesh/resources/app.asar.unpacked/node_modules/webgpu/index.js',
    );
    expect(outsideAsar('C:\\HyperMesh\\resources\\app.asar\\node_modules\\webgpu\\index.js')).toBe(
      'C:\\HyperMesh\\resources\\app.asar.unpacked\\node_modules\\webgpu\\index.js',
    );
    expect(outsideAsar('/work/main/node_modules/webgpu/index.js')).toBe('/work/main/node_modules/webgpu/index.js');
  });
});
