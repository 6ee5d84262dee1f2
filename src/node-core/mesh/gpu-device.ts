import type { GpuDeviceView } from '../../shared/mesh';
import { isPlainObject } from '../../shared/validate';

/**
 * The WebGPU limits a GPU asset's announcement carries: the ones a WGSL job's checks depend on (buffer sizes,
 * workgroup sizes, bindings). Others stay home, so an announcement stays small.
 */
export const ANNOUNCED_GPU_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

const MAX_TEXT = 128;

/**
 * The adapter a GPU asset runs jobs on, from its descriptor (assets/gpu-adapter.ts writes `webgpu` and `limits`
 * there when GPU jobs are on); null when the descriptor has none (GPU jobs off: the GPU is offered as VRAM only).
 */
export function deviceFromDescriptor(descriptor: Readonly<Record<string, unknown>>): GpuDeviceView | null {
  try {
    return parseGpuDevice({
      ...(isPlainObject(descriptor.webgpu) ? descriptor.webgpu : {}),
      limits: descriptor.limits,
    });
  } catch {
    return null;
  }
}

/** The fields in a fixed order, for the signing input: parsing never decides what was signed. */
export function canonicalGpuDevice(device: GpuDeviceView): GpuDeviceView {
  return {
    vendor: device.vendor,
    architecture: device.architecture,
    description: device.description,
    fallback: device.fallback,
    limits: Object.fromEntries(
      ANNOUNCED_GPU_LIMITS.flatMap((k) => {
        const value = device.limits[k];
        return value === undefined ? [] : [[k, value] as const];
      }),
    ),
  };
}

/** Checks a device from the wire (or a descriptor); throws saying which field is wrong. Unknown limits are dropped. */
export function parseGpuDevice(raw: unknown): GpuDeviceView {
  if (!isPlainObject(raw)) throw new Error('device is not an object');
  for (const key of ['vendor', 'architecture', 'description'] as const) {
    const value = raw[key];
    if (typeof value !== 'string' || value.length > MAX_TEXT) throw new Error(`device ${key} is invalid`);
  }
  if (typeof raw.fallback !== 'boolean') throw new Error('device fallback is invalid');
  if (!isPlainObject(raw.limits)) throw new Error('device limits are invalid');
  const limits: Record<string, number> = {};
  for (const name of ANNOUNCED_GPU_LIMITS) {
    const value = raw.limits[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error(`device limit ${name} is invalid`);
    limits[name] = value as number;
  }
  return {
    vendor: raw.vendor as string,
    architecture: raw.architecture as string,
    description: raw.description as string,
    fallback: raw.fallback,
    limits,
  };
}

/** The `device` field of an own asset's announcement: a GPU with a WebGPU adapter in its descriptor has one. */
export function deviceOf(asset: { readonly kind: string; readonly descriptor: Readonly<Record<string, unknown>> }): {
  device?: GpuDeviceView;
} {
  if (asset.kind !== 'gpu') return {};
  const device = deviceFromDescriptor(asset.descriptor);
  return device ? { device } : {};
}
