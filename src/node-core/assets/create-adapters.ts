import type { Settings } from '../../shared/settings';
import type { HardwareProbe } from '../hardware/index';
import { capsFromSettings, type AssetAdapter, type Clock, type Detection } from './adapter';
import { assetIdFor } from './asset-id';
import { BandwidthAdapter } from './bandwidth-adapter';
import { CpuAdapter } from './cpu-adapter';
import { GpuAdapter, type WebGpuProbe } from './gpu-adapter';
import { onceProbe } from './hardware-adapter';
import { MemoryAdapter } from './memory-adapter';
import { StorageAdapter } from './storage-adapter';

export interface AssetAdapters {
  readonly cpu: CpuAdapter;
  readonly gpu: GpuAdapter;
  readonly memory: MemoryAdapter;
  readonly storage: StorageAdapter;
  readonly bandwidth: BandwidthAdapter;
}

export interface CreateAssetAdaptersOptions {
  readonly probe: HardwareProbe;
  readonly dataDir: string;
  readonly settings: Settings;
  readonly clock?: Clock;
  /** Link speed to assume where the OS reports none (default 100 Mbit/s). */
  readonly declaredLinkMbps?: number;
  /** Memory pool: touch every page so the OS commits it (default true). */
  readonly commitMemory?: boolean;
  /** GPU jobs on: the GPU is offered only where WebGPU finds an adapter for them. */
  readonly webgpu?: WebGpuProbe;
  /** The GPU was probed again after a probe that did not finish: its detection may have changed. */
  readonly onGpuRedetected?: () => void;
}

/**
 * The five adapters of this machine, detected (one hardware reading shared by all) and capped by `settings`.
 * Call {@link applySettings} whenever settings change and `closeAll` when the node stops.
 */
export async function createAssetAdapters(options: CreateAssetAdaptersOptions): Promise<AssetAdapters> {
  const base = {
    probe: onceProbe(options.probe),
    dataDir: options.dataDir,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const adapters: AssetAdapters = {
    cpu: new CpuAdapter(base),
    gpu: new GpuAdapter({
      ...base,
      ...(options.webgpu ? { webgpu: options.webgpu } : {}),
      ...(options.onGpuRedetected ? { onRedetected: options.onGpuRedetected } : {}),
    }),
    memory: new MemoryAdapter({
      ...base,
      ...(options.commitMemory === undefined ? {} : { commit: options.commitMemory }),
    }),
    storage: new StorageAdapter(base),
    bandwidth: new BandwidthAdapter({
      ...base,
      ...(options.declaredLinkMbps === undefined ? {} : { declaredLinkMbps: options.declaredLinkMbps }),
    }),
  };
  for (const adapter of allAdapters(adapters)) await adapter.detect();
  applySettings(adapters, options.settings);
  return adapters;
}

export function allAdapters(adapters: AssetAdapters): AssetAdapter[] {
  return [adapters.cpu, adapters.gpu, adapters.memory, adapters.storage, adapters.bandwidth];
}

/** Sets every adapter's caps from settings (effective allocation: 0 while paused or Private). */
export function applySettings(adapters: AssetAdapters, settings: Settings): void {
  for (const adapter of allAdapters(adapters)) adapter.setCaps(capsFromSettings(settings, adapter.kind));
}

export function closeAll(adapters: AssetAdapters): void {
  for (const adapter of allAdapters(adapters)) adapter.close();
}

/** The AssetId of an adapter's detected asset, or null while it is absent or undetected. */
export function assetIdOf(adapter: AssetAdapter, ownerNodeId: string): string | null {
  const d: Detection | null = adapter.detection();
  return d?.present ? assetIdFor(adapter.kind, ownerNodeId, d.descriptor) : null;
}
