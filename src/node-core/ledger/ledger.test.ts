import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from '../../shared/amount';
import { ErrorCode } from '../../shared/errors';
import { memoryLeaseOnLedger } from '../testing/ledger-nodes';
import { useNodes } from '../testing/nodes';
import { until } from '../testing/until';

const start = useNodes({
  timing: { mesh: { intervalMs: 500 }, ledger: { tickMs: 250, slotMs: 500, receiptIntervalMs: 1000 } },
});

describe('the Caesar ledger service', () => {
  it("a provider earns from a consumer's receipts, sends part on, and every node agrees on every balance", async () => {
    const { ca, provider, consumer, third, lease } = await memoryLeaseOnLedger(start, 60_000);
    expect((await provider.api.getWallet()).ledger.genesisHash).toBe((await ca.api.getWallet()).ledger.genesisHash);

    // Receipts every second become rewards; the provider's balance grows by the formula.
    const earned = await until('a reward', async () => {
      const w = await provider.api.getWallet();
      return parseAmount(w.earnedTotal) > 0n ? w : undefined;
    });
    expect(earned.balance).toBe(earned.earnedTotal);
    // The newest reward may still be pending (receipts go on every second); the one counted in the balance is not.
    const history = await provider.api.getWalletHistory({ kind: 'reward', status: 'confirmed' });
    expect(history[0]).toMatchObject({ direction: 'in', counterparty: consumer.identity.nodeId, status: 'confirmed' });
    expect(consumer.ledger!.ledgerState!.allocations.get(lease.leaseId)?.consumer).toBe(consumer.identity.nodeId);

    // More than the balance is refused before anything is signed; an unknown address too.
    await expect(
      provider.api.sendTokens({ to: third.identity.nodeId, amount: '1000', requestId: 'too-much-1' }),
    ).rejects.toMatchObject({ code: ErrorCode.InsufficientBalance });
    await expect(
      provider.api.sendTokens({ to: 'a'.repeat(52), amount: '0.00000001', requestId: 'unknown-1' }),
    ).rejects.toMatchObject({ code: ErrorCode.UnknownRecipient });

    // Half of it goes to the third node; the same request id twice is one transfer.
    const half = parseAmount(earned.balance) / 2n;
    // The wire carries the shortest decimal form, so the expectation uses it too.
    const amount = formatAmount(half);
    const sent = await provider.api.sendTokens({
      to: third.identity.nodeId,
      amount,
      memo: 'half',
      requestId: 'send-half-1',
    });
    const again = await provider.api.sendTokens({
      to: third.identity.nodeId,
      amount,
      memo: 'half',
      requestId: 'send-half-1',
    });
    expect(again.txId).toBe(sent.txId);
    expect(sent.status).toBe('pending');
    await until('the transfer to confirm', async () => {
      const w = await third.api.getWallet();
      return parseAmount(w.balance) === half ? w : undefined;
    });
    const mine = await until('the sender to see it confirmed', async () => {
      const h = await provider.api.getWalletHistory({ kind: 'transfer' });
      return h[0]?.status === 'confirmed' ? h : undefined;
    });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'confirmed', direction: 'out', memo: 'half', amount });

    // Every node ends at the same head and the same state digest (all balances, stakes and records).
    await until('all nodes to agree', async () => {
      const views = await Promise.all([ca, provider, consumer, third].map((n) => n.api.getWallet()));
      const heads = new Set(views.map((v) => `${v.ledger.height}:${v.ledger.stateDigest}`));
      return heads.size === 1 ? true : undefined;
    });
    const points = await provider.api.getEarnings(1);
    expect(points).toHaveLength(24);
    const total = points.reduce((s, p) => s + parseAmount(p.amount), 0n);
    expect(total).toBe(parseAmount((await provider.api.getWallet()).earnedTotal));
  });
});
