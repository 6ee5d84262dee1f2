import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/settings';
import { createSystemHardwareProbe } from '../hardware/hardware';
import { fixedHardware } from '../testing/fixed-hardware';
import { reasonOf, rejectionReason } from '../testing/reason';
import { useTempDirs } from '../testing/temp-dir';
import { capsFromSettings, type AssetCaps } from './adapter';
import { describeAdapterCompliance } from './adapter-compliance';
import { parseAssetId } from './asset-id';
import { BandwidthAdapter, DEFAULT_DECLARED_LINK_MBPS } from './bandwidth-adapter';
import { CpuAdapter } from './cpu-adapter';
import { allAdapters, assetIdOf, closeAll, createAssetAdapters } from './create-adapters';
import { AllocationError, AssetAccessError, LeaseNotFoundError } from './errors';
import { FakeAdapter, manualClock } from './fake-adapter';
import { GpuAdapter } from './gpu-adapter';
import { MemoryAdapter } from './memory-adapter';
import { SHARED_STORAGE_DIR, StorageAdapter } from './storage-adapter';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const MINUTE = 60_000;
const tempDir = useTempDirs();

/** A small machine so memory tests hold at most 64 KiB and storage tests 1 MiB. */
const smallMachine = () =>
  fixedHardware({
    memory: { totalBytes: 64 * KIB },
    storage: { mount: '/', totalBytes: 4 * MIB, freeBytes: 1 * MIB },
    gpus: [{ model: 'Test GPU', vendor: 'NVIDIA', vramBytes: 8 * GIB }],
  });

const caps = (percent: number, more: Partial<AssetCaps> = {}): AssetCaps => ({
  percent,
  maxConcurrentUsers: 10,
  maxDurationMinutes: 60,
  ...more,
});
const ask = (amount: number, consumer = 'peer-a', durationMs = MINUTE) => ({ amount, durationMs, consumer });

const refusalOf = (fn: () => unknown) => reasonOf(fn, AllocationError);
const accessReason = (promise: Promise<unknown>) => rejectionReason(promise, AssetAccessError);

describeAdapterCompliance('cpu', (clock) => new CpuAdapter({ probe: fixedHardware(), dataDir: tempDir(), clock }));
describeAdapterCompliance(
  'memory',
  (clock) => new MemoryAdapter({ probe: smallMachine(), dataDir: tempDir(), clock, segmentBytes: 16 * KIB }),
);
describeAdapterCompliance(
  'storage',
  (clock) => new StorageAdapter({ probe: smallMachine(), dataDir: tempDir(), clock }),
);
describeAdapterCompliance('gpu', (clock) => new GpuAdapter({ probe: smallMachine(), dataDir: tempDir(), clock }));
describeAdapterCompliance(
  'bandwidth',
  (clock) => new BandwidthAdapter({ probe: fixedHardware(), dataDir: tempDir(), clock }),
);
describeAdapterCompliance('fake', (clock) => new FakeAdapter({ kind: 'memory', unit: 'bytes', total: 4096, clock }));

/** A task that notes how many of its runs overlap; peak() is the most at once. */
function concurrencyProbe(): { task: () => Promise<string>; peak: () => number } {
  let now = 0;
  let peak = 0;
  return {
    task: async () => {
      now++;
      peak = Math.max(peak, now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
      return 'done';
    },
    peak: () => peak,
  };
}

describe('memory adapter', () => {
  async function memory(percent: number, segmentBytes = 16 * KIB) {
    const adapter = new MemoryAdapter({
      probe: smallMachine(),
      dataDir: tempDir(),
      clock: manualClock(),
      segmentBytes,
    });
    await adapter.detect();
    adapter.setCaps(caps(percent));
    return adapter;
  }

  it('really holds a pool exactly the size of the cap', async () => {
    const adapter = await memory(25);
    expect(adapter.describe()).toMatchObject({ total: 64 * KIB, allowed: 16 * KIB });
    expect(adapter.poolByteLength).toBe(16 * KIB);
    expect(adapter.poolSegments().reduce((n, s) => n + s.byteLength, 0)).toBe(16 * KIB);
    adapter.setCaps(caps(60));
    expect(adapter.poolByteLength).toBe(Math.floor((64 * KIB * 60) / 100));
    expect(adapter.poolSegments().length).toBe(3);
    adapter.setCaps(caps(0));
    expect(adapter.poolByteLength).toBe(0);
    adapter.close();
  });

  it('leases are slices: data stays inside them, across segments, and is zeroed on release', async () => {
    const adapter = await memory(100, 4 * KIB);
    const a = adapter.allocate(ask(6 * KIB));
    const b = adapter.allocate(ask(6 * KIB, 'peer-b'));
    const data = Uint8Array.from({ length: 6 * KIB }, (_, i) => (i % 251) + 1);
    adapter.write(a.id, 0, data);
    adapter.write(b.id, 10, Uint8Array.of(9, 9, 9));
    expect(adapter.read(a.id, 0, 6 * KIB)).toEqual(data);
    expect([...adapter.read(b.id, 9, 5)]).toEqual([0, 9, 9, 9, 0]);
    const outside = (fn: () => unknown) => reasonOf(fn, AssetAccessError);
    expect(outside(() => adapter.write(a.id, 6 * KIB - 1, Uint8Array.of(1, 2)))).toBe('out-of-range');
    expect(outside(() => adapter.read(a.id, -1, 1))).toBe('out-of-range');
    adapter.release(a.id);
    expect(() => adapter.read(a.id, 0, 1)).toThrow(LeaseNotFoundError);
    const c = adapter.allocate(ask(6 * KIB, 'peer-c'));
    expect(adapter.read(c.id, 0, 6 * KIB).every((x) => x === 0)).toBe(true);
    adapter.close();
  });

  it('refuses more than the pool, also when free space is fragmented', async () => {
    const adapter = await memory(25); // 16 KiB
    const a = adapter.allocate(ask(4 * KIB));
    adapter.allocate(ask(4 * KIB));
    const c = adapter.allocate(ask(4 * KIB));
    adapter.allocate(ask(4 * KIB));
    adapter.release(a.id);
    adapter.release(c.id);
    expect(adapter.describe().available).toBe(8 * KIB);
    expect(refusalOf(() => adapter.allocate(ask(8 * KIB)))).toBe('over-cap');
    expect(adapter.allocate(ask(4 * KIB)).amount).toBe(4 * KIB);
    adapter.close();
  });

  it('a lowered cap shrinks the pool once the leases past it end; a raised cap keeps lease data', async () => {
    const adapter = await memory(50); // 32 KiB
    const low = adapter.allocate(ask(8 * KIB));
    const high = adapter.allocate(ask(16 * KIB));
    adapter.write(low.id, 0, Uint8Array.of(7));
    adapter.setCaps(caps(25)); // 16 KiB, but `high` lies at 8–24 KiB
    expect(adapter.poolByteLength).toBe(32 * KIB);
    expect(adapter.describe().overCommitted).toBe(8 * KIB);
    adapter.release(high.id);
    expect(adapter.poolByteLength).toBe(16 * KIB);
    expect(adapter.read(low.id, 0, 1)).toEqual(Uint8Array.of(7));
    adapter.setCaps(caps(100));
    expect(adapter.poolByteLength).toBe(64 * KIB);
    expect(adapter.read(low.id, 0, 1)).toEqual(Uint8Array.of(7));
    adapter.close();
    expect(adapter.poolByteLength).toBe(0);
  });

  it('the sharing rules\u2019 ceiling sizes the pool: new leases refused past it, existing ones kept', async () => {
    const adapter = await memory(50); // 32 KiB
    const held = adapter.allocate(ask(8 * KIB));
    adapter.write(held.id, 0, Uint8Array.of(5));
    adapter.setRuleCeiling(25); // in use: 16 KiB
    expect(adapter.poolByteLength).toBe(16 * KIB);
    expect(adapter.describe()).toMatchObject({ allowed: 32 * KIB, available: 8 * KIB, inUse: 8 * KIB });
    // Saturate: leases fill the ceiling, the next is refused, the held one is untouched.
    const more = adapter.allocate(ask(8 * KIB, 'peer-b'));
    expect(refusalOf(() => adapter.allocate(ask(1, 'peer-c')))).toBe('over-cap');
    adapter.setRuleCeiling(0); // paused by a rule: nothing new, nothing taken away
    expect(refusalOf(() => adapter.allocate(ask(1, 'peer-c')))).toBe('over-cap');
    expect(adapter.read(held.id, 0, 1)).toEqual(Uint8Array.of(5));
    expect(adapter.describe()).toMatchObject({ inUse: 16 * KIB, available: 0 });
    adapter.release(more.id);
    adapter.release(held.id);
    expect(adapter.poolByteLength).toBe(0); // the leases ended: the pool gives the memory back
    adapter.setRuleCeiling(null); // the rule lifts: the slider's pool again
    expect(adapter.poolByteLength).toBe(32 * KIB);
    expect(adapter.allocate(ask(32 * KIB)).amount).toBe(32 * KIB);
    expect(() => adapter.setRuleCeiling(101)).toThrow(/0–100/);
    adapter.close();
  });
});

describe('storage adapter', () => {
  async function storage(percent = 100) {
    const dataDir = tempDir();
    const clock = manualClock();
    const adapter = new StorageAdapter({ probe: smallMachine(), dataDir, clock });
    await adapter.detect();
    adapter.setCaps(caps(percent));
    return { adapter, dataDir, clock };
  }

  it('keeps each lease in its own folder under DATA/shared-storage and reads back what was written', async () => {
    const { adapter, dataDir } = await storage();
    const lease = adapter.allocate(ask(1000));
    await adapter.write(lease.id, 'a/b/c.txt', 'hello');
    expect((await adapter.read(lease.id, 'a/b/c.txt')).toString()).toBe('hello');
    expect(existsSync(join(dataDir, SHARED_STORAGE_DIR, lease.id, 'a', 'b', 'c.txt'))).toBe(true);
    expect(adapter.usedBytes(lease.id)).toBe(5);
    expect(await accessReason(adapter.read(lease.id, 'missing'))).toBe('not-found');
    adapter.release(lease.id);
    expect(existsSync(join(dataDir, SHARED_STORAGE_DIR, lease.id))).toBe(false);
  });

  it("refuses writes past the lease's quota; rewriting or removing a file frees its old bytes", async () => {
    const { adapter } = await storage();
    const lease = adapter.allocate(ask(100));
    await adapter.write(lease.id, 'x', new Uint8Array(60));
    expect(await accessReason(adapter.write(lease.id, 'y', new Uint8Array(41)))).toBe('lease-quota');
    await adapter.write(lease.id, 'y', new Uint8Array(40));
    await adapter.write(lease.id, 'x', new Uint8Array(10));
    expect(adapter.usedBytes(lease.id)).toBe(50);
    await adapter.remove(lease.id, 'y');
    expect(adapter.usedBytes(lease.id)).toBe(10);
    await adapter.write(lease.id, 'z', new Uint8Array(90));
    expect(adapter.usedBytes(lease.id)).toBe(100);
  });

  it('concurrent writes cannot both pass the quota', async () => {
    const { adapter } = await storage();
    const lease = adapter.allocate(ask(100));
    const results = await Promise.all([
      accessReason(adapter.write(lease.id, 'p', new Uint8Array(60))),
      accessReason(adapter.write(lease.id, 'q', new Uint8Array(60))),
    ]);
    expect(results.sort()).toEqual(['lease-quota', 'no error']);
    expect(adapter.usedBytes(lease.id)).toBe(60);
  });

  it('refuses writes past the total quota after the cap was lowered', async () => {
    const { adapter } = await storage(100);
    const lease = adapter.allocate(ask(600 * KIB));
    await adapter.write(lease.id, 'big', new Uint8Array(200 * KIB));
    adapter.setCaps(caps(25)); // 256 KiB allowed in all
    expect(await accessReason(adapter.write(lease.id, 'more', new Uint8Array(100 * KIB)))).toBe('total-quota');
    await adapter.write(lease.id, 'small', new Uint8Array(50 * KIB));
    expect(adapter.totalUsedBytes()).toBe(250 * KIB);
  });

  it('refuses path traversal, absolute and malformed paths', async () => {
    const { adapter, dataDir } = await storage();
    const lease = adapter.allocate(ask(1000));
    const other = adapter.allocate(ask(1000, 'peer-b'));
    await adapter.write(other.id, 'secret', 'other lease');
    for (const path of [
      '../x',
      `../${other.id}/secret`,
      'a/../../x',
      'a/..',
      '..',
      '/etc/passwd',
      join(dataDir, 'x'),
      'C:/x',
      'a\\..\\x',
      '',
      'a//b',
      './x',
      'a/',
      'nul\0byte',
    ]) {
      expect([path, await accessReason(adapter.write(lease.id, path, 'x'))]).toEqual([path, 'bad-path']);
      expect([path, await accessReason(adapter.read(lease.id, path))]).toEqual([path, 'bad-path']);
    }
    expect(readdirSync(join(dataDir, SHARED_STORAGE_DIR, lease.id))).toEqual([]);
  });

  it('refuses to follow symlinks, in the folders and as the file', async () => {
    const { adapter, dataDir } = await storage();
    const lease = adapter.allocate(ask(1000));
    const outside = join(dataDir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'f'), 'private');
    const leaseDir = join(dataDir, SHARED_STORAGE_DIR, lease.id);
    symlinkSync(outside, join(leaseDir, 'link'));
    symlinkSync(join(outside, 'f'), join(leaseDir, 'file-link'));
    expect(await accessReason(adapter.write(lease.id, 'link/f', 'x'))).toBe('symlink');
    expect(await accessReason(adapter.read(lease.id, 'link/f'))).toBe('symlink');
    expect(await accessReason(adapter.write(lease.id, 'file-link', 'x'))).toBe('symlink');
    expect(await accessReason(adapter.read(lease.id, 'file-link'))).toBe('symlink');
    expect(adapter.usedBytes(lease.id)).toBe(0);
  });

  it('deletes an expired lease folder, and leftover lease folders on detect', async () => {
    const { adapter, dataDir, clock } = await storage();
    const lease = adapter.allocate(ask(1000, 'peer-a', 1000));
    await adapter.write(lease.id, 'f', 'x');
    clock.advance(1000);
    expect(adapter.sweep().map((l) => l.id)).toEqual([lease.id]);
    expect(existsSync(join(dataDir, SHARED_STORAGE_DIR, lease.id))).toBe(false);
    const leftover = join(dataDir, SHARED_STORAGE_DIR, 'storage-aaaaaaaaaaaaaaaa');
    mkdirSync(leftover);
    await adapter.detect();
    expect(existsSync(leftover)).toBe(false);
  });
});

describe('cpu adapter', () => {
  async function cpu(percent: number, cores = 8) {
    const adapter = new CpuAdapter({
      probe: fixedHardware({ cpu: { model: 'T', logicalCores: cores, physicalCores: cores, speedGHz: null } }),
      dataDir: tempDir(),
      clock: manualClock(),
    });
    await adapter.detect();
    adapter.setCaps(caps(percent));
    return adapter;
  }

  it('has floor(cores × percent) slots, at least one when sharing, and only whole slots are leased', async () => {
    expect((await cpu(50)).slots).toBe(4);
    expect((await cpu(30)).slots).toBe(2);
    expect((await cpu(1)).slots).toBe(1);
    expect((await cpu(0)).slots).toBe(0);
    expect((await cpu(100, 2)).slots).toBe(2);
    const adapter = await cpu(50);
    expect(refusalOf(() => adapter.allocate(ask(1.5)))).toBe('invalid-request');
  });

  it('never runs more tasks at once than the slots', async () => {
    const adapter = await cpu(25); // 2 slots
    const a = adapter.allocate(ask(1, 'peer-a'));
    const b = adapter.allocate(ask(1, 'peer-b'));
    const { task, peak } = concurrencyProbe();
    const runs = [...Array(12).keys()].map((i) => adapter.run(i % 2 === 0 ? a.id : b.id, task));
    expect(adapter.running).toBe(2);
    expect(await Promise.all(runs)).toEqual(Array(12).fill('done'));
    expect(peak()).toBe(2);
    expect(adapter.peakRunning).toBe(2);
    expect(adapter.running).toBe(0);
  });

  it('a lease runs at most its own slots at once; a failing task frees its slot', async () => {
    const adapter = await cpu(100); // 8 slots
    const lease = adapter.allocate(ask(3));
    const { task, peak } = concurrencyProbe();
    await Promise.all([...Array(9).keys()].map(() => adapter.run(lease.id, task)));
    expect(peak()).toBe(3);
    await expect(adapter.run(lease.id, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await adapter.run(lease.id, () => 42)).toBe(42);
  });

  it('lowering the cap throttles running work at once; queued tasks of an ended lease are rejected', async () => {
    const adapter = await cpu(50); // 4 slots
    const lease = adapter.allocate(ask(4));
    adapter.setCaps(caps(13)); // 1 slot
    const { task, peak } = concurrencyProbe();
    await Promise.all([...Array(4).keys()].map(() => adapter.run(lease.id, task)));
    expect(peak()).toBe(1);
    let release!: () => void;
    const first = adapter.run(lease.id, () => new Promise<void>((r) => (release = r)));
    const queued = adapter.run(lease.id, () => 'never');
    adapter.release(lease.id);
    await expect(queued).rejects.toThrow(LeaseNotFoundError);
    release();
    await first;
    await expect(adapter.run(lease.id, () => 1)).rejects.toThrow(LeaseNotFoundError);
  });
});

describe('gpu adapter', () => {
  it('with no GPU: detection says so, describe offers none, allocate refuses as unavailable', async () => {
    const adapter = new GpuAdapter({ probe: fixedHardware({ gpus: [] }), dataDir: tempDir() });
    const detection = await adapter.detect();
    expect(detection).toEqual({ present: false, reason: 'no GPU detected on this machine', code: 'no-gpu' });
    adapter.setCaps(caps(100));
    expect(adapter.describe()).toMatchObject({
      present: false,
      total: 0,
      allowed: 0,
      reason: detection.present ? '' : detection.reason,
    });
    const err = (() => {
      try {
        adapter.allocate(ask(1));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AllocationError);
    expect((err as AllocationError).reason).toBe('unavailable');
    expect((err as AllocationError).message).toMatch(/no GPU/);
  });

  it('a GPU whose memory size is unknown is reported absent with the reason', async () => {
    const adapter = new GpuAdapter({
      probe: fixedHardware({ gpus: [{ model: 'Mystery', vendor: 'X', vramBytes: null }] }),
      dataDir: tempDir(),
    });
    const detection = await adapter.detect();
    expect(detection.present).toBe(false);
    expect(detection.present ? '' : detection.reason).toMatch(/Mystery.*memory size/);
    expect(adapter.describe()).toMatchObject({ present: false, absentCode: 'size-unknown' });
  });

  it('with GPUs: capacity is their VRAM in bytes', async () => {
    const adapter = new GpuAdapter({
      probe: fixedHardware({
        gpus: [
          { model: 'A', vendor: 'NVIDIA', vramBytes: 8 * GIB },
          { model: 'B', vendor: 'AMD', vramBytes: 4 * GIB },
        ],
      }),
      dataDir: tempDir(),
    });
    await adapter.detect();
    adapter.setCaps(caps(50));
    expect(adapter.describe()).toMatchObject({ unit: 'bytes', total: 12 * GIB, allowed: 6 * GIB });
  });
});

describe('bandwidth adapter', () => {
  it('capacity is the link speed × percent, in bits/s', async () => {
    const adapter = new BandwidthAdapter({ probe: fixedHardware(), dataDir: tempDir() });
    await adapter.detect();
    adapter.setCaps(caps(25));
    expect(adapter.describe()).toMatchObject({ unit: 'bits/s', total: 1e9, allowed: 250e6 });
    expect(adapter.allocate(ask(100e6)).amount).toBe(100e6);
    expect(refusalOf(() => adapter.allocate(ask(151e6)))).toBe('over-cap');
  });

  it('uses the declared link speed where the OS reports none', async () => {
    const probe = fixedHardware({ network: { linkMbps: null } });
    const byDefault = new BandwidthAdapter({ probe, dataDir: tempDir() });
    expect(await byDefault.detect()).toMatchObject({ present: true, total: DEFAULT_DECLARED_LINK_MBPS * 1e6 });
    const declared = new BandwidthAdapter({ probe, dataDir: tempDir(), declaredLinkMbps: 40 });
    await declared.detect();
    declared.setCaps(caps(50));
    expect(declared.describe().allowed).toBe(20e6);
  });
});

describe('this machine (real detection)', () => {
  it('detects cpu, memory, storage and network; gpu is present or absent with a reason, without error', async () => {
    const dataDir = tempDir();
    const settings: Settings = {
      ...DEFAULT_SETTINGS,
      privacyLevel: 'FullPublic',
      allocation: { cpu: 50, gpu: 50, memory: 0, storage: 1, bandwidth: 10 },
    };
    const adapters = await createAssetAdapters({ probe: createSystemHardwareProbe(), dataDir, settings });
    try {
      for (const kind of ['cpu', 'memory', 'storage', 'bandwidth'] as const) {
        expect([kind, adapters[kind].detection()?.present]).toEqual([kind, true]);
        expect(adapters[kind].describe().total).toBeGreaterThan(0);
      }
      const gpu = adapters.gpu.detection();
      if (gpu?.present) {
        expect(gpu.total).toBeGreaterThan(0);
      } else {
        expect(gpu?.reason).toMatch(/\w/);
        expect(refusalOf(() => adapters.gpu.allocate(ask(1)))).toBe('unavailable');
      }
      expect(adapters.cpu.slots).toBe(Math.max(1, Math.floor(adapters.cpu.describe().total / 2)));
      expect(adapters.memory.poolByteLength).toBe(0);
      const owner = 'a'.repeat(52);
      expect(parseAssetId(assetIdOf(adapters.cpu, owner) ?? '').kind).toBe('cpu');
      expect(existsSync(join(dataDir, SHARED_STORAGE_DIR))).toBe(true);
    } finally {
      closeAll(adapters);
    }
  });

  it('default settings share nothing; paused sharing caps everything to zero', async () => {
    const adapters = await createAssetAdapters({
      probe: smallMachine(),
      dataDir: tempDir(),
      settings: DEFAULT_SETTINGS,
    });
    expect(allAdapters(adapters).map((a) => a.describe().allowed)).toEqual([0, 0, 0, 0, 0]);
    const paused: Settings = {
      ...DEFAULT_SETTINGS,
      privacyLevel: 'FullPublic',
      sharingPaused: true,
      allocation: { cpu: 50, gpu: 50, memory: 50, storage: 50, bandwidth: 50 },
    };
    expect(capsFromSettings(paused, 'memory')).toEqual({ percent: 0, maxConcurrentUsers: 4, maxDurationMinutes: 240 });
    expect(capsFromSettings({ ...paused, sharingPaused: false }, 'memory').percent).toBe(50);
    closeAll(adapters);
  });
});
