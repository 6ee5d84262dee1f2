import { afterEach, describe, expect, it } from 'vitest';
import type { AssetAdapter, AssetCaps, LeaseRequest } from './adapter';
import { AllocationError, InvalidCapsError, LeaseNotFoundError, type AllocationRefusal } from './errors';
import { manualClock, type ManualClock } from './fake-adapter';

/** Makes a fresh, not yet detected adapter of a machine that has the resource, reading time from `clock`. */
export type MakeAdapter = (clock: ManualClock) => AssetAdapter | Promise<AssetAdapter>;

const caps = (percent: number, more: Partial<AssetCaps> = {}): AssetCaps => ({
  percent,
  maxConcurrentUsers: 10,
  maxDurationMinutes: 60,
  ...more,
});

const MINUTE = 60_000;

function refusal(fn: () => unknown): AllocationRefusal | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof AllocationError ? err.reason : 'other error';
  }
}

/**
 * The contract every AssetAdapter keeps (see adapter.ts). Run it for each adapter:
 * `describeAdapterCompliance('memory', (clock) => new MemoryAdapter({ probe, dataDir, clock }))`.
 */
export function describeAdapterCompliance(name: string, makeAdapter: MakeAdapter): void {
  describe(`${name} adapter: AssetAdapter contract`, () => {
    const open: AssetAdapter[] = [];
    afterEach(() => {
      for (const a of open.splice(0)) a.close();
    });

    async function setup(percent = 100, more: Partial<AssetCaps> = {}) {
      const clock = manualClock();
      const adapter = await makeAdapter(clock);
      open.push(adapter);
      const detection = await adapter.detect();
      adapter.setCaps(caps(percent, more));
      const allowed = adapter.describe().allowed;
      // A small amount every adapter can grant several times at 100 %: a slot, a few bytes or bits/s.
      const unit = Math.max(1, Math.floor(adapter.describe().total / 16));
      const ask = (amount: number, consumer = 'peer-a', durationMs = MINUTE): LeaseRequest => ({
        amount,
        durationMs,
        consumer,
      });
      return { adapter, clock, detection, allowed, unit, ask };
    }

    it('detects the resource and offers nothing before caps are set', async () => {
      const clock = manualClock();
      const adapter = await makeAdapter(clock);
      open.push(adapter);
      expect(adapter.describe().allowed).toBe(0);
      expect(refusal(() => adapter.allocate({ amount: 1, durationMs: MINUTE, consumer: 'p' }))).toBe('unavailable');
      const detection = await adapter.detect();
      expect(detection.present).toBe(true);
      expect(adapter.detection()).toEqual(detection);
      const d = adapter.describe();
      expect(d.present).toBe(true);
      expect(d.total).toBeGreaterThan(0);
      expect(d.allowed).toBe(0);
      expect(d.kind).toBe(adapter.kind);
    });

    it('zero cap: nothing is allocatable', async () => {
      const { adapter, ask } = await setup(0);
      expect(adapter.describe()).toMatchObject({ allowed: 0, available: 0, inUse: 0 });
      expect(refusal(() => adapter.allocate(ask(1)))).toBe('over-cap');
    });

    it('a 25 % cap reserves that share and refuses more', async () => {
      const { adapter, allowed, ask } = await setup(25);
      const total = adapter.describe().total;
      expect(allowed).toBeGreaterThan(0);
      expect(allowed).toBeLessThanOrEqual(Math.max(1, total * 0.25));
      expect(allowed).toBeGreaterThanOrEqual(Math.floor(total * 0.25));
      const lease = adapter.allocate(ask(allowed));
      expect(lease.amount).toBe(allowed);
      expect(adapter.describe()).toMatchObject({ inUse: allowed, available: 0, overCommitted: 0 });
      expect(refusal(() => adapter.allocate(ask(1, 'peer-b')))).toBe('over-cap');
    });

    it('release frees the capacity; releasing twice is refused', async () => {
      const { adapter, allowed, ask } = await setup(50);
      const lease = adapter.allocate(ask(allowed));
      expect(refusal(() => adapter.allocate(ask(1)))).toBe('over-cap');
      adapter.release(lease.id);
      expect(adapter.describe()).toMatchObject({ inUse: 0, available: allowed });
      expect(() => adapter.release(lease.id)).toThrow(LeaseNotFoundError);
      expect(adapter.allocate(ask(allowed)).amount).toBe(allowed);
    });

    it('leases expire at their duration and free their capacity; longer than the limit is refused', async () => {
      const { adapter, clock, allowed, ask } = await setup(100, { maxDurationMinutes: 1 });
      expect(refusal(() => adapter.allocate(ask(1, 'peer-a', MINUTE + 1)))).toBe('too-long');
      const lease = adapter.allocate(ask(allowed, 'peer-a', MINUTE));
      expect(lease.expiresAt - lease.grantedAt).toBe(MINUTE);
      clock.advance(MINUTE - 1);
      expect(adapter.usage().leases.map((l) => l.id)).toEqual([lease.id]);
      clock.advance(1);
      expect(adapter.usage()).toMatchObject({ inUse: 0, consumers: 0, leases: [] });
      expect(adapter.describe().available).toBe(allowed);
      expect(() => adapter.release(lease.id)).toThrow(LeaseNotFoundError);
    });

    it('sweep() ends expired leases and returns them', async () => {
      const { adapter, clock, unit, ask } = await setup(100);
      const short = adapter.allocate(ask(unit, 'peer-a', 1000));
      const long = adapter.allocate(ask(unit, 'peer-a', 5000));
      clock.advance(1000);
      expect(adapter.sweep().map((l) => l.id)).toEqual([short.id]);
      expect(adapter.sweep()).toEqual([]);
      expect(adapter.usage().leases.map((l) => l.id)).toEqual([long.id]);
    });

    it('maxConcurrentUsers limits distinct consumers, not leases', async () => {
      const { adapter, unit, ask } = await setup(100, { maxConcurrentUsers: 2 });
      const a = adapter.allocate(ask(unit, 'peer-a'));
      adapter.allocate(ask(unit, 'peer-b'));
      expect(refusal(() => adapter.allocate(ask(unit, 'peer-c')))).toBe('too-many-users');
      expect(adapter.allocate(ask(unit, 'peer-a')).consumer).toBe('peer-a');
      expect(adapter.usage().consumers).toBe(2);
      adapter.release(a.id);
      expect(refusal(() => adapter.allocate(ask(unit, 'peer-c')))).toBe('too-many-users');
      for (const l of adapter.usage().leases.filter((x) => x.consumer === 'peer-a')) adapter.release(l.id);
      expect(adapter.allocate(ask(unit, 'peer-c')).consumer).toBe('peer-c');
    });

    it('usage reflects the active leases', async () => {
      const { adapter, unit, ask } = await setup(100);
      expect(adapter.usage()).toMatchObject({ kind: adapter.kind, inUse: 0, consumers: 0, leases: [] });
      const a = adapter.allocate(ask(unit, 'peer-a'));
      const b = adapter.allocate(ask(2 * unit, 'peer-b'));
      expect(a.id).not.toBe(b.id);
      const usage = adapter.usage();
      expect(usage.inUse).toBe(3 * unit);
      expect(usage.consumers).toBe(2);
      expect(usage.leases.map((l) => l.id).sort()).toEqual([a.id, b.id].sort());
      expect(adapter.describe().inUse).toBe(3 * unit);
      expect(b).toMatchObject({ kind: adapter.kind, consumer: 'peer-b', amount: 2 * unit, unit: usage.unit });
    });

    it('rejects malformed requests with reason invalid-request', async () => {
      const { adapter } = await setup(100);
      const bad: LeaseRequest[] = [
        { amount: -1, durationMs: MINUTE, consumer: 'p' },
        { amount: 0, durationMs: MINUTE, consumer: 'p' },
        { amount: Number.NaN, durationMs: MINUTE, consumer: 'p' },
        { amount: Number.POSITIVE_INFINITY, durationMs: MINUTE, consumer: 'p' },
        { amount: 1, durationMs: 0, consumer: 'p' },
        { amount: 1, durationMs: -1000, consumer: 'p' },
        { amount: 1, durationMs: Number.NaN, consumer: 'p' },
        { amount: 1, durationMs: MINUTE, consumer: '' },
        { amount: '1' as unknown as number, durationMs: MINUTE, consumer: 'p' },
      ];
      for (const request of bad)
        expect([request, refusal(() => adapter.allocate(request))]).toEqual([request, 'invalid-request']);
      expect(adapter.usage().leases).toEqual([]);
    });

    it('rejects caps outside 0–100 % and the limit ranges', async () => {
      const { adapter } = await setup(10);
      for (const bad of [
        caps(101),
        caps(-1),
        caps(2.5),
        caps(50, { maxConcurrentUsers: 0 }),
        caps(50, { maxDurationMinutes: 0 }),
      ]) {
        expect(() => adapter.setCaps(bad)).toThrow(InvalidCapsError);
      }
      expect(adapter.describe().caps.percent).toBe(10);
    });

    it('lowering the cap below what is leased keeps the leases, reports over-commit and refuses new ones', async () => {
      const { adapter, allowed, ask } = await setup(100);
      const lease = adapter.allocate(ask(allowed));
      adapter.setCaps(caps(25));
      const lowered = adapter.describe();
      expect(lowered.inUse).toBe(allowed);
      expect(lowered.overCommitted).toBe(allowed - lowered.allowed);
      expect(lowered.overCommitted).toBeGreaterThan(0);
      expect(adapter.usage().leases.map((l) => l.id)).toEqual([lease.id]);
      expect(refusal(() => adapter.allocate(ask(1, 'peer-b')))).toBe('over-cap');
      adapter.release(lease.id);
      expect(adapter.describe()).toMatchObject({ overCommitted: 0, inUse: 0 });
      expect(adapter.allocate(ask(lowered.allowed)).amount).toBe(lowered.allowed);
    });

    it('close() ends every lease and shares nothing more', async () => {
      const { adapter, unit, ask } = await setup(100);
      adapter.allocate(ask(unit));
      adapter.close();
      expect(adapter.usage().leases).toEqual([]);
      expect(adapter.describe().allowed).toBe(0);
    });
  });
}
