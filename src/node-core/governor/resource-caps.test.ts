import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../../shared/network';
import type { RemoteAssetView } from '../../shared/mesh';
import { NO_READINGS, type SensorReadings } from '../../shared/sharing-policy';
import type { ResourceKind } from '../../shared/settings';
import type { ResourceShareView } from '../../shared/sharing-view';
import type { HyperMeshNode } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { certify, useNodes } from '../testing/nodes';
import { until } from '../testing/until';
import type { SensorNeeds, SensorSource } from './sensors';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const start = useNodes({ timing: { mesh: { intervalMs: 500 } } });

/** Test double of the sensors (the real ones: createSystemSensors). */
class InjectedSensors implements SensorSource {
  readings: SensorReadings = { ...NO_READINGS, idleSeconds: 3600, unavailable: [] };
  async read(_needs: SensorNeeds): Promise<SensorReadings> {
    return this.readings;
  }
}

async function viewOf(node: HyperMeshNode, kind: ResourceKind): Promise<ResourceShareView> {
  const view = (await node.api.getStatus()).allowance.resources.find((r) => r.kind === kind);
  if (!view) throw new Error(`no ${kind} in the view`);
  return view;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'granted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('each resource checked through the real API path (two nodes and a CA on ::1)', () => {
  it('storage and memory quotas hold (OVER_QUOTA), memory follows the rules, CPU leases follow the sliders', async () => {
    const ca = await start({ authority: { name: 'Caps CA' } });
    const caAddress = formatHostPort(ca.transport!.address);
    const sensors = new InjectedSensors();
    // A 4 GiB machine, so the memory pools stay small: 2 % is 82 MiB, 1 % 41 MiB.
    const owner = await start({}, { sensors, hardware: fixedHardware({ memory: { totalBytes: 4 * GIB } }) });
    await certify(owner, caAddress);
    const consumer = await start({});
    await certify(consumer, caAddress);
    await owner.assets!.ready;
    await consumer.assets!.ready;
    await owner.api.updateSettings({
      privacyLevel: 'FullPublic',
      allocationType: 'Public',
      allocation: { cpu: 25, memory: 2, storage: 1, bandwidth: 100 },
      rules: { inUseAllocation: { cpu: 10, memory: 1 } },
    });
    await owner.assets!.settled();
    const find = (kind: ResourceKind) =>
      until(`the owner's ${kind} to be found`, async () =>
        (await consumer.api.searchAssets({ kind })).find((h: RemoteAssetView) => h.owner === owner.identity.nodeId),
      );

    // Storage: two leases fill the quota; one byte more is refused by the owner, more than offered by the consumer.
    const storage = await find('storage');
    const quota = storage.capacity.allowed;
    const half = Math.floor(quota / 2);
    await consumer.api.allocateRemote({ assetId: storage.assetId, amount: half, durationMs: 60_000 });
    await consumer.api.allocateRemote({ assetId: storage.assetId, amount: quota - half, durationMs: 60_000 });
    expect(
      await refusal(consumer.api.allocateRemote({ assetId: storage.assetId, amount: 1, durationMs: 60_000 })),
    ).toBe('OVER_QUOTA');
    expect(
      await refusal(consumer.api.allocateRemote({ assetId: storage.assetId, amount: quota + 1, durationMs: 60_000 })),
    ).toBe('OVER_QUOTA');
    const storageView = await viewOf(owner, 'storage');
    expect(storageView).toMatchObject({ unit: 'bytes', usedSource: 'leased', used: quota, leased: quota });
    expect(Math.abs((storageView.allowed ?? 0) - quota)).toBeLessThan(1); // 1 % of the free space
    expect((await owner.api.getAssets()).find((a) => a.kind === 'storage')).toMatchObject({ inUse: quota });

    // Memory through the proxy: one 32 MiB pool fits in 2 %; while the owner is in use (1 %) it is kept and a
    // second is refused; idle again, the second fits and a third (the pool is full) is refused.
    await find('memory');
    const ask = { bytes: 32 * MIB, durationMs: 120_000 };
    const first = await consumer.api.allocateRemoteMemory(ask);
    const hello = Buffer.from('kept while the rules tighten').toString('base64');
    await consumer.api.writeRemoteMemory(first.address, 0, hello);
    sensors.readings = { ...sensors.readings, idleSeconds: 0 };
    await until('the in-use memory share', async () => (await viewOf(owner, 'memory')).allowedPercent === 1);
    expect(await refusal(consumer.api.allocateRemoteMemory(ask))).toBe('OVER_QUOTA');
    expect((await consumer.api.readRemoteMemory(first.address, 0, 28)).data).toBe(hello);
    const inUse = await viewOf(owner, 'memory');
    expect(inUse).toMatchObject({ reasons: ['in-use'], usedSource: 'leased' });
    expect(inUse.used).toBeGreaterThan(32 * MIB);
    expect(inUse.allowed).toBeCloseTo((4 * GIB) / 100, 0);
    const pool = owner.assets!.adapter('memory') as unknown as { poolByteLength: number };
    expect(pool.poolByteLength).toBeLessThanOrEqual((4 * GIB) / 100);

    // CPU: a lease is admitted against the slider (2 of 8 cores' slots) though the rules allow less now (in use,
    // then on battery: nothing); the jobs under it would be paused, not the lease refused.
    const cpu = await find('cpu');
    sensors.readings = { ...sensors.readings, onBattery: true };
    await until('on battery', async () => (await viewOf(owner, 'cpu')).allowed === 0);
    const cpuLease = await consumer.api.allocateRemote({ assetId: cpu.assetId, amount: 2, durationMs: 60_000 });
    expect(cpuLease).toMatchObject({ amount: 2, unit: 'slots' });
    expect(await viewOf(owner, 'cpu')).toMatchObject({ allowed: 0, leased: 2, reasons: ['on-battery', 'in-use'] });

    sensors.readings = { ...sensors.readings, idleSeconds: 3600, onBattery: false };
    await until('the idle memory share', async () => (await viewOf(owner, 'memory')).allowedPercent === 2);
    const second = await consumer.api.allocateRemoteMemory(ask);
    expect(second.address).not.toBe(first.address);
    expect(await refusal(consumer.api.allocateRemoteMemory(ask))).toBe('OVER_QUOTA');
    expect((await viewOf(owner, 'memory')).used).toBeLessThanOrEqual(Math.floor((4 * GIB * 2) / 100));

    // Bandwidth: "used" is the limiter's meter of what the owner sent (its replies to the consumer's reads).
    // The consumer reads until the meter shows it: reads that stopped on a clock of their own (20 s) could end
    // before a slow machine's meter was seen, leaving the wait below with nothing to meter.
    let feeding = true;
    const reading = (async () => {
      while (feeding) await consumer.api.readRemoteMemory(first.address, 0, 1024 * 1024);
    })();
    try {
      await until('the owner meters its replies', async () => ((await viewOf(owner, 'bandwidth')).used ?? 0) > 0);
    } finally {
      feeding = false;
      await reading;
    }
    expect(await viewOf(owner, 'bandwidth')).toMatchObject({ usedSource: 'measured', unit: 'bits/s' });
    // No GPU on the fixed machine: the view says so with its code.
    expect(await viewOf(owner, 'gpu')).toMatchObject({ present: false, absentCode: 'no-gpu', allowed: null });
  }, 240_000);
});
