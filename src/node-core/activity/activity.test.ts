import { describe, expect, it } from 'vitest';
import type { ReceiptTrail } from '../../shared/activity';
import { formatAmount, parseAmount } from '../../shared/amount';
import { ErrorCode } from '../../shared/errors';
import { rewardUnits } from '../ledger/index';
import { memoryLeaseOnLedger } from '../testing/ledger-nodes';
import { useNodes } from '../testing/nodes';
import { until } from '../testing/until';

const start = useNodes({
  timing: { mesh: { intervalMs: 500 }, ledger: { tickMs: 250, slotMs: 500, receiptIntervalMs: 1000 } },
});

const LEASE_MS = 8_000;

describe('activity, receipt trails and the reconciliation (real nodes, a real ledger)', () => {
  it("a lease's rewards reach the provider's Activity and trail, and the wallet adds up after a send and a stake", async () => {
    const { provider, consumer, third, lease } = await memoryLeaseOnLedger(start, LEASE_MS);
    const id = `lease:${lease.leaseId}`;

    // Every receipt of the lease, up to its end, confirmed: then the provider's numbers no longer move.
    const trail: ReceiptTrail = await until(
      'every receipt of the lease paid',
      async () => {
        const t = await provider.api.getReceiptTrail(id);
        const last = t.entries.at(-1);
        const done = last?.toAt === lease.expiresAt && t.entries.every((e) => e.tx.status === 'confirmed');
        return done ? t : undefined;
      },
      180_000,
    );
    // The formula's numbers recompute the payout, and the payout is what the reward transaction paid.
    const history = await provider.api.getWalletHistory({ kind: 'reward' });
    for (const e of trail.entries) {
      expect(e).toMatchObject({ provider: provider.identity.nodeId, consumer: consumer.identity.nodeId });
      expect(e.formula).toMatchObject({
        privacyLevel: 'FullPublic',
        privacyMultiplier: 1,
        weight: 1.5,
        unit: '1073741824',
      });
      const recomputed = rewardUnits({
        kind: 'memory',
        amount: BigInt(e.amount),
        durationMs: BigInt(Date.parse(e.toAt) - Date.parse(e.fromAt)),
        privacyLevel: 'FullPublic',
      });
      expect(e.formula.payout).toBe(formatAmount(recomputed));
      expect(history.find((h) => h.txId === e.tx.txId)?.amount).toBe(e.formula.payout);
      expect(e.block?.height).toBeGreaterThan(0);
    }
    const total = trail.entries.reduce((t, e) => t + parseAmount(e.formula.payout), 0n);
    expect(trail.total).toBe(formatAmount(total));
    expect(total).toBeGreaterThan(0n);

    // The lease is in both nodes' Activity, with the provider's earnings equal to the trail's.
    const mine = (await provider.api.getActivity({ kind: 'lease', direction: 'for-others' })).find((i) => i.id === id);
    expect(mine).toMatchObject({ state: 'ended', peer: consumer.identity.nodeId, result: { ok: true }, progress: 1 });
    expect(mine?.earnings).toEqual({ paid: trail.total, pending: '0' });
    expect(mine?.resources).toEqual([{ kind: 'memory', amount: 64 * 2 ** 20, unit: 'bytes' }]);
    const theirs = await consumer.api.getActivity({ direction: 'by-others' });
    expect(theirs.find((i) => i.id === id)).toMatchObject({ kind: 'lease', peer: provider.identity.nodeId });
    expect(await provider.api.getActivity({ direction: 'by-others', kind: 'lease' })).toEqual([]);

    // A quarter goes to the third node, a quarter is locked as stake.
    const quarter = formatAmount(total / 4n);
    await provider.api.sendTokens({ to: third.identity.nodeId, amount: quarter, requestId: 'activity-send-1' });
    await provider.api.lockStake({ amount: quarter, lockDays: 2, requestId: 'activity-stake-1' });
    const settled = await until(
      'the send and the stake confirmed',
      async () => {
        const w = await provider.api.getWallet();
        return w.staked === quarter && w.pendingOut === '0' ? w : undefined;
      },
      120_000,
    );

    const rec = await provider.api.getReconciliation();
    const line = (key: string) => rec.lines.find((l) => l.key === key);
    expect(line('rewards')).toMatchObject({ amount: trail.total, count: trail.entries.length });
    expect(line('transfers-out')).toMatchObject({ amount: `-${quarter}`, count: 1 });
    expect(line('stake-locked')).toMatchObject({ amount: `-${quarter}`, count: 1 });
    expect(line('transfers-in')?.amount).toBe('0');
    // The sum of the lines is the wallet's balance, and the stake is the wallet's stake.
    const sum = rec.lines.reduce(
      (t, l) => t + BigInt(Math.sign(Number(l.amount))) * parseAmount(l.amount.replace('-', '')),
      0n,
    );
    expect(formatAmount(sum)).toBe(settled.balance);
    expect(rec).toMatchObject({
      addsUp: true,
      expectedBalance: settled.balance,
      balance: settled.balance,
      expectedStaked: quarter,
      staked: quarter,
      balanceDifference: '0',
      stakedDifference: '0',
    });
    expect(parseAmount(settled.balance)).toBe(total - 2n * (total / 4n));

    // The receiver's wallet adds up too (a transfer in, nothing else).
    await until('the transfer at the third node', async () =>
      (await third.api.getWallet()).balance === quarter ? true : undefined,
    );
    expect(await third.api.getReconciliation()).toMatchObject({ addsUp: true, expectedBalance: quarter });

    await expect(provider.api.getReceiptTrail('lease:nosuchlease')).rejects.toMatchObject({
      code: ErrorCode.ActivityNotFound,
    });
    await expect(provider.api.getReceiptTrail('job:nosuchjob')).rejects.toMatchObject({
      code: ErrorCode.ActivityNotFound,
    });
  }, 400_000);
});
