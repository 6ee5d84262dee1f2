import { describe, expect, it } from 'vitest';
import type { ReceiptTrailEntry } from '../../shared/activity';
import { ErrorCode } from '../../shared/errors';
import type { ProvidedMappingView } from '../../shared/proxy';
import type { JobView } from '../../shared/vm';
import type { LedgerLeaseRecord } from '../ledger/index';
import { activityItems, receiptTrail } from './assemble';
import type { ActivitySources } from './sources';

/* The assembly over test doubles of its sources (the node itself is the real ActivitySources). */

const CONSUMER = 'c'.repeat(52);
const PROVIDER = 'p'.repeat(52);
const T0 = Date.parse('2026-12-07T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function job(over: Partial<JobView>): JobView {
  return {
    jobId: 'j1',
    role: 'provider',
    kind: 'js',
    status: 'completed',
    consumer: CONSUMER,
    codeHash: 'h',
    inputHash: 'h',
    outputHash: 'h',
    exitCode: 0,
    redundancy: 1,
    limits: { cpuMs: 1000, wallMs: 1000, memoryBytes: 64 * 2 ** 20, outputBytes: 1024 },
    usage: { cpuMs: 5, wallMs: 6, memoryPeakBytes: 100 },
    failure: null,
    proof: 'made',
    runs: [],
    leaseIds: ['cpu-1', 'mem-1'],
    createdAt: iso(T0 + 10_000),
    finishedAt: iso(T0 + 12_000),
    ...over,
  };
}

function reward(leaseId: string, payout: string, status: 'confirmed' | 'pending'): ReceiptTrailEntry {
  return {
    leaseId,
    assetId: 'a',
    consumer: CONSUMER,
    provider: PROVIDER,
    resource: 'cpu',
    amount: '1',
    fromAt: iso(T0),
    toAt: iso(T0 + 1000),
    formula: {
      unit: '1',
      rewardUnits: 1,
      hours: 1 / 3600,
      weight: 2,
      privacyLevel: 'FullPublic',
      privacyMultiplier: 1,
      baseRate: '1',
      payout,
    },
    tx: { txId: `tx-${leaseId}-${payout}`, status },
    block: status === 'confirmed' ? { height: 3, hash: 'b' } : null,
  };
}

const lease: LedgerLeaseRecord = {
  leaseId: 'cpu-1',
  role: 'provider',
  assetId: 'a',
  provider: PROVIDER,
  consumer: CONSUMER,
  resource: 'cpu',
  amount: 1n,
  grantedAt: T0,
  durationMs: 60_000,
};

const mapping: ProvidedMappingView = {
  address: 'hm1x',
  consumer: null,
  assetId: 'm',
  leaseId: 'mem-9',
  length: 4096,
  permissions: 'rw',
  createdAt: iso(T0 + 5_000),
  expiresAt: iso(T0 + 25_000),
  state: 'active',
  bytesRead: 0,
  bytesWritten: 0,
  reads: 0,
  writes: 0,
};

function sources(jobs: JobView[], rewards: ReceiptTrailEntry[]): ActivitySources {
  return {
    vm: { jobs: () => jobs },
    mesh: { leases: () => [] },
    assets: { records: () => [] },
    proxy: { status: () => ({ provided: [mapping], used: [] }) },
    ledger: {
      rewardsOn: (ids) => rewards.filter((r) => ids.includes(r.leaseId)),
      leaseRecords: () => [lease],
      reconciliation: () => {
        throw new Error('not asked here');
      },
    },
  };
}

describe('activityItems', () => {
  const failed = job({
    jobId: 'j2',
    role: 'consumer',
    status: 'failed',
    consumer: null,
    failure: { reason: 'cpu-limit', message: 'x' },
    leaseIds: [],
    runs: [],
    createdAt: iso(T0 + 1_000),
  });
  const all = sources([job({}), failed], [reward('cpu-1', '0.5', 'confirmed'), reward('cpu-1', '0.25', 'pending')]);

  it('lists jobs, leases and mappings newest first, each with what the node measured and nothing more', () => {
    const items = activityItems(all, {}, T0 + 15_000);
    expect(items.map((i) => i.id)).toEqual(['job:j1', 'mapping:hm1x', 'job:j2', 'lease:cpu-1']);
    const [ran, served, asked, leased] = items;
    expect(ran).toMatchObject({
      direction: 'for-others',
      peer: CONSUMER,
      peerShort: 'hm-cccc-cccc',
      state: 'done',
      progress: null,
      result: { ok: true },
      earnings: { paid: '0.5', pending: '0.25' },
    });
    expect(ran?.resources).toEqual([
      { kind: 'cpu', amount: 1, unit: 'slots' },
      { kind: 'memory', amount: 64 * 2 ** 20, unit: 'bytes' },
    ]);
    // An anonymous consumer stays unknown; the mapping is half through its time.
    expect(served).toMatchObject({ kind: 'memory', peer: null, state: 'running', progress: 0.5, result: null });
    expect(asked).toMatchObject({
      direction: 'by-others',
      peer: null,
      state: 'failed',
      result: { ok: false, code: 'cpu-limit' },
      earnings: { paid: '0', pending: '0' },
    });
    expect(leased).toMatchObject({ kind: 'lease', state: 'running', progress: 0.25, endedAt: null });
  });

  it('filters by direction, kind, state and start, and caps the count', () => {
    expect(activityItems(all, { direction: 'by-others' }, T0).map((i) => i.id)).toEqual(['job:j2']);
    expect(activityItems(all, { kind: 'lease' }, T0 + 70_000)).toMatchObject([{ state: 'ended', progress: 1 }]);
    expect(activityItems(all, { state: 'running', kind: 'memory' }, T0).map((i) => i.id)).toEqual(['mapping:hm1x']);
    expect(activityItems(all, { since: iso(T0 + 5_000) }, T0).map((i) => i.id)).toEqual(['job:j1', 'mapping:hm1x']);
    expect(activityItems(all, { limit: 1 }, T0)).toHaveLength(1);
  });
});

describe('receiptTrail', () => {
  it("gives a job's rewards on its leases with their total, and ACTIVITY_NOT_FOUND for an unknown id", () => {
    const s = sources([job({})], [reward('cpu-1', '0.5', 'confirmed'), reward('other', '9', 'confirmed')]);
    const trail = receiptTrail(s, 'job:j1');
    expect(trail.entries.map((e) => e.leaseId)).toEqual(['cpu-1']);
    expect(trail.total).toBe('0.5');
    expect(receiptTrail(s, 'lease:cpu-1').total).toBe('0.5');
    expect(() => receiptTrail(s, 'job:nope')).toThrow(expect.objectContaining({ code: ErrorCode.ActivityNotFound }));
    expect(() => receiptTrail(s, 'lease:nope')).toThrow(expect.objectContaining({ code: ErrorCode.ActivityNotFound }));
  });
});
