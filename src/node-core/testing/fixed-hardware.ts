import type { HardwareInfo } from '../../shared/hardware';
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
  };
  return probe;
}
