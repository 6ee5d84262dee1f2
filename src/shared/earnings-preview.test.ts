import { describe, expect, it } from 'vitest';
import { formatAmount } from './amount';
import type { BenchmarkCapacity } from './benchmark';
import { earningsPreview, previewLevel, sharedAmount } from './earnings-preview';

const GIB = 1024 ** 3;
const CAPACITY: BenchmarkCapacity = {
  cpuCores: 8,
  memoryBytes: 32 * GIB,
  storageBytes: 400 * GIB,
  gpuMemoryBytes: 8 * GIB,
  bandwidthBitsPerSec: 1_000_000_000,
};
// cpu 4 cores, memory 8 GiB, storage 40 GiB, gpu 2 GiB, bandwidth 100 Mbit/s.
const SHARES = { cpu: 50, memory: 25, storage: 10, gpu: 25, bandwidth: 10 };

const caesar = (units: bigint) => formatAmount(units);

describe('the earnings preview', () => {
  it('applies the documented formula per resource: amount ÷ unit × hours × weight × privacy multiplier', () => {
    const full = previewLevel(CAPACITY, SHARES, 'FullPublic');
    const hourly = Object.fromEntries(full.resources.map((r) => [r.kind, caesar(r.earnings.hour)]));
    // By hand: cpu 4 × 2.0 = 8; gpu 2 GiB × 2.0 = 4; memory 8 GiB × 1.5 = 12; storage 40 GiB × 1.2 = 48;
    // bandwidth 100 Mbit/s = 1 unit × 1.0 = 1. Total 73 Caesar per hour at FullPublic (× 1.0).
    expect(hourly).toEqual({ cpu: '8', gpu: '4', memory: '12', storage: '48', bandwidth: '1' });
    expect(full.total).toEqual({ hour: 73n * 10n ** 8n, day: 73n * 24n * 10n ** 8n, days30: 73n * 720n * 10n ** 8n });
    expect(caesar(full.total.days30)).toBe('52560');
  });

  it('scales by the privacy multiplier: Private 0, PrivateNetwork 0.25, P2P 0.5, PublicNetwork 0.75, FullPublic 1', () => {
    const rows = earningsPreview(CAPACITY, SHARES).map((row) => [row.level, caesar(row.total.hour)]);
    expect(rows).toEqual([
      ['Private', '0'],
      ['PrivateNetwork', '18.25'],
      ['P2P', '36.5'],
      ['PublicNetwork', '54.75'],
      ['FullPublic', '73'],
    ]);
  });

  it('weights the resources differently for the same amount of units', () => {
    const oneUnitEach = { cpu: 100, memory: 100, storage: 100, gpu: 100, bandwidth: 100 };
    const capacity = {
      cpuCores: 1,
      memoryBytes: GIB,
      storageBytes: GIB,
      gpuMemoryBytes: GIB,
      bandwidthBitsPerSec: 1e8,
    };
    const row = previewLevel(capacity, oneUnitEach, 'P2P');
    // × 0.5: cpu 1.0, gpu 1.0, memory 0.75, storage 0.6, bandwidth 0.5 per hour.
    expect(row.resources.map((r) => caesar(r.earnings.hour))).toEqual(['1', '1', '0.75', '0.6', '0.5']);
  });

  it('counts nothing for a resource whose capacity is unknown, and says so', () => {
    const row = previewLevel({ ...CAPACITY, gpuMemoryBytes: null, bandwidthBitsPerSec: null }, SHARES, 'FullPublic');
    const gpu = row.resources.find((r) => r.kind === 'gpu');
    expect(gpu).toMatchObject({ known: false, amount: 0n, earnings: { hour: 0n, day: 0n, days30: 0n } });
    expect(caesar(row.total.hour)).toBe('68');
  });

  it('shares whole units only, as the adapters do (a CPU share above 0 is at least one core)', () => {
    expect(sharedAmount('cpu', 6, 50)).toBe(3n);
    expect(sharedAmount('cpu', 3, 50)).toBe(1n);
    expect(sharedAmount('cpu', 8, 0)).toBe(0n);
    expect(sharedAmount('memory', 3, 50)).toBe(1n);
    expect(previewLevel({ ...CAPACITY, cpuCores: 1 }, { ...SHARES, cpu: 50 }, 'FullPublic').resources[0]).toMatchObject(
      {
        kind: 'cpu',
        amount: 1n,
      },
    );
  });
});
