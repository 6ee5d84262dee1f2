import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../../shared/network';
import { certify, sharePublicly, useNodes } from '../testing/nodes';
import { until } from '../testing/until';

const start = useNodes({
  timing: { mesh: { intervalMs: 500 }, ledger: { tickMs: 250, slotMs: 500, receiptIntervalMs: 1000 } },
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the leases a consumer holds for jobs at a provider', () => {
  it('are given back when the next job needs longer ones, so a provider with one CPU slot serves it', async () => {
    const ca = await start({ authority: { name: 'Lease CA' } });
    const provider = await start();
    const consumer = await start();
    for (const n of [provider, consumer]) await certify(n, formatHostPort(ca.transport!.address));
    // 13 % of the fixed 8 cores: one CPU slot, which the first job's lease holds for 30 minutes.
    await sharePublicly(provider, { cpu: 13, memory: 10 });
    expect((await provider.api.getAssets()).find((a) => a.kind === 'cpu')?.allowed).toBe(1);
    // Both assets a job leases: each is registered (and announced) on its own, the CPU often first.
    await until("the provider's CPU and memory to be found", async () => {
      const hits = (await consumer.api.searchAssets({})).filter((h) => h.owner === provider.identity.nodeId);
      return ['cpu', 'memory'].every((kind) => hits.some((h) => h.kind === kind));
    });
    const cpuLeases = () =>
      provider
        .assets!.adapter('cpu')!
        .usage()
        .leases.map((l) => l.id);
    const job = (wallSeconds: number) =>
      consumer.api.runJob({
        kind: 'js',
        code: b64('print(6 * 7)'),
        limits: { wallSeconds },
        providers: [provider.identity.nodeId],
      });

    const first = await job(60);
    expect(first.job.status).toBe('completed');
    const [firstLease] = cpuLeases();
    expect(firstLease).toBeDefined();

    // A second short job reuses the lease.
    expect((await job(60)).job.status).toBe('completed');
    expect(cpuLeases()).toEqual([firstLease]);

    // A job whose wall-clock limit outlasts the lease needs a longer one: the first is given back, not left to hold
    // the only slot (the allocation was refused: "0 of 1 slots are free").
    const long = await job(3_000);
    expect(long.job, JSON.stringify(long.job.runs)).toMatchObject({ status: 'completed' });
    expect(
      Buffer.from(long.output ?? '', 'base64')
        .toString()
        .trim(),
    ).toBe('42');
    const now = cpuLeases();
    expect(now).toHaveLength(1);
    expect(now).not.toContain(firstLease);
    const held = await consumer.api.getRemoteAllocations();
    expect(held.map((l) => l.leaseId)).not.toContain(firstLease);
    // Long enough for the job and its proof.
    const cpu = held.find((l) => l.leaseId === now[0]);
    expect(Date.parse(cpu!.expiresAt) - Date.parse(cpu!.grantedAt)).toBeGreaterThanOrEqual(3_000_000);
  }, 600_000);
});
