import { describe, expect, it } from 'vitest';
import type { HardwareInfo } from './hardware';
import { allocatedCapacity, bandwidthCapBitsPerSec, effectiveAllocation, formatBytes, isSharing } from './privacy';
import { DEFAULT_SETTINGS, PRIVACY_LEVELS, RESOURCE_KINDS, type Settings } from './settings';

const GIB = 1024 ** 3;
const machine: HardwareInfo = {
  cpu: { model: 'Test CPU', logicalCores: 8, physicalCores: 4, speedGHz: 3 },
  memory: { totalBytes: 32 * GIB },
  gpus: [{ model: 'GPU', vendor: 'ACME', vramBytes: 8 * GIB }],
  storage: { mount: '/', totalBytes: 1000 * GIB, freeBytes: 400 * GIB },
  network: { linkMbps: 1000 },
  os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
  measuredAt: '2026-01-01T00:00:00.000Z',
};

const sharingAll: Settings = {
  ...DEFAULT_SETTINGS,
  allocation: { cpu: 50, gpu: 100, memory: 25, storage: 10, bandwidth: 75 },
};

describe('effectiveAllocation: the node never shares more than allowed', () => {
  for (const level of PRIVACY_LEVELS) {
    for (const paused of [false, true]) {
      it(`${level}${paused ? ', paused' : ''}`, () => {
        const s: Settings = { ...sharingAll, privacyLevel: level, sharingPaused: paused };
        const effective = effectiveAllocation(s);
        const shares = level !== 'Private' && !paused;
        expect(isSharing(s)).toBe(shares);
        for (const kind of RESOURCE_KINDS) {
          expect(effective[kind]).toBe(shares ? s.allocation[kind] : 0);
          expect(effective[kind]).toBeLessThanOrEqual(s.allocation[kind]);
        }
      });
    }
  }
});

describe('allocatedCapacity', () => {
  it('turns percentages into the real amounts on this machine', () => {
    expect(allocatedCapacity('cpu', 50, machine)?.label).toBe('4 cores');
    expect(allocatedCapacity('cpu', 25, machine)?.label).toBe('2 cores');
    expect(allocatedCapacity('cpu', 12, machine)?.label).toBe('0.96 cores');
    expect(allocatedCapacity('memory', 25, machine)?.label).toBe('8 GiB');
    expect(allocatedCapacity('storage', 10, machine)?.label).toBe('40 GiB of free space');
    expect(allocatedCapacity('gpu', 100, machine)?.label).toBe('1 GPU');
    expect(allocatedCapacity('bandwidth', 75, machine)?.label).toBe('750 Mbit/s');
    expect(allocatedCapacity('cpu', 0, machine)?.amount).toBe(0);
  });

  it('says when the machine has none or does not report it', () => {
    expect(allocatedCapacity('gpu', 50, { ...machine, gpus: [] })).toBeNull();
    expect(allocatedCapacity('bandwidth', 50, { ...machine, network: { linkMbps: null } })).toBeNull();
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(341_649)).toBe('334 KiB');
    expect(formatBytes(1.5 * 1024 ** 2)).toBe('1.5 MiB');
    expect(formatBytes(2048 * GIB)).toBe('2 TiB');
  });
});

describe('bandwidthCapBitsPerSec', () => {
  it('combines the explicit cap with the bandwidth share while sharing', () => {
    expect(bandwidthCapBitsPerSec(DEFAULT_SETTINGS, 1000)).toBeNull();
    const sharing: Settings = { ...sharingAll, privacyLevel: 'P2P' }; // bandwidth 75 %
    expect(bandwidthCapBitsPerSec(sharing, 1000)).toBe(750e6);
    expect(bandwidthCapBitsPerSec(sharing, null)).toBeNull();
    const capped: Settings = { ...sharing, network: { ...sharing.network, bandwidthCapMbps: 50 } };
    expect(bandwidthCapBitsPerSec(capped, 1000)).toBe(50e6);
    expect(bandwidthCapBitsPerSec({ ...capped, sharingPaused: true }, 1000)).toBe(50e6);
  });
});
