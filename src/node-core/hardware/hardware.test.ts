import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createSystemHardwareProbe } from './hardware';

describe('system hardware probe (reads this machine)', () => {
  it('reports cores, memory and the data folder filesystem', async () => {
    const hw = await createSystemHardwareProbe().read(tmpdir());
    expect(hw.cpu.logicalCores).toBeGreaterThanOrEqual(1);
    expect(hw.cpu.physicalCores).toBeGreaterThanOrEqual(1);
    expect(hw.memory.totalBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(hw.storage.totalBytes).toBeGreaterThan(0);
    expect(hw.storage.freeBytes).toBeLessThanOrEqual(hw.storage.totalBytes);
    expect(Array.isArray(hw.gpus)).toBe(true);
    expect(hw.network.linkMbps === null || hw.network.linkMbps > 0).toBe(true);
    expect(Number.isNaN(Date.parse(hw.measuredAt))).toBe(false);
  });

  it('reports live CPU load and memory in use', async () => {
    const usage = await createSystemHardwareProbe().usage();
    expect(usage.cpu.loadPercent).toBeGreaterThanOrEqual(0);
    expect(usage.cpu.loadPercent).toBeLessThanOrEqual(100);
    expect(usage.cpu.perCorePercent.length).toBeGreaterThanOrEqual(1);
    expect(usage.memory.usedBytes).toBeGreaterThan(0);
    expect(usage.memory.usedBytes).toBeLessThanOrEqual(usage.memory.totalBytes);
  });
});
