import type { HardwareInfo, UsageSnapshot } from '../../shared/hardware';
import type { HardwareProbe } from '../hardware/hardware';

const GIB = 1024 ** 3;

/** Test double of HardwareProbe (the real one is createSystemHardwareProbe): an 8-core, 32 GiB machine. */
export function fixedHardware(overrides: Partial<HardwareInfo> = {}): HardwareProbe & { reads: number } {
  const probe = {
    reads: 0,
    read(): Promise<HardwareInfo> {
      probe.reads++;
      return Promise.resolve({
        cpu: { model: 'Test CPU', logicalCores: 8, physicalCores: 4, speedGHz: 3 },
        memory: { totalBytes: 32 * GIB },
        gpus: [],
        storage: { mount: '/', totalBytes: 1000 * GIB, freeBytes: 400 * GIB },
        network: { linkMbps: 1000 },
        os: { platform: 'linux', distro: 'Test', release: '1', arch: 'x64' },
        measuredAt: new Date().toISOString(),
        ...overrides,
      });
    },
    usage(): Promise<UsageSnapshot> {
      return Promise.resolve({
        cpu: { loadPercent: 12.5, perCorePercent: [10, 15, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5] },
        memory: { usedBytes: 8 * GIB, totalBytes: 32 * GIB },
        measuredAt: new Date().toISOString(),
      });
    },
  };
  return probe;
}
