import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from '../../src/shared/amount';
import type { WalletTxView, WalletView } from '../../src/shared/ledger';
import type { RemoteAllocationView, RemoteAssetView } from '../../src/shared/mesh';
import { rewardUnits } from '../../src/node-core/ledger/rewards';
import { MeshProcess, until } from './cluster';

/**
 * The Caesar ledger across processes: a CA (the genesis authority, which produces the blocks) and three nodes A, B,
 * C, each its own `hypermesh` process with its own SQLite file, on ::1 over STOQ. A shares memory to B, B's node
 * signs usage receipts every 2 s, A earns what the formula says, A sends part of it to C, and all four agree on
 * every balance. Then C is killed during catch-up, more than once, and still converges without losing anything.
 */
let ca: MeshProcess;
let a: MeshProcess;
let b: MeshProcess;
let c: MeshProcess;
let caAddress = '';

const wallet = (p: MeshProcess) => p.call<WalletView>('getWallet');
const nodeIdOf = async (p: MeshProcess) => (await p.call<{ nodeId: string }>('getStatus')).nodeId;

async function join(p: MeshProcess): Promise<void> {
  await p.call('updateSettings', { trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } });
  await until(`${p.name} to hold the genesis`, async () => (await wallet(p)).ledger.genesisHash ?? undefined);
}

/** Every process at the same head with the same state digest (all balances, stakes and records). */
async function allAgree(nodes: readonly MeshProcess[]): Promise<WalletView[]> {
  return until('every node to agree on the ledger', async () => {
    const views = await Promise.all(nodes.map(wallet));
    const states = new Set(views.map((v) => `${v.ledger.height}|${v.ledger.stateDigest}`));
    return states.size === 1 && views.every((v) => v.ledger.mempool === 0) ? views : undefined;
  });
}

beforeAll(async () => {
  ca = new MeshProcess('ledger-ca', 0, ['trust', 'serve', '--name', 'Ledger Test CA']);
  await ca.start();
  caAddress = ca.stoqAddress;
  a = new MeshProcess('ledger-a', 0, ['node', '--receipt-interval', '2']);
  b = new MeshProcess('ledger-b', 0, ['node', '--receipt-interval', '2']);
  c = new MeshProcess('ledger-c', 0, ['node', '--receipt-interval', '2']);
  await Promise.all([a, b, c].map((p) => p.start()));
  await Promise.all([a, b, c].map(join));
}, 120_000);

afterAll(async () => {
  await Promise.all([ca, a, b, c].map((p) => p.stop()));
  for (const p of [ca, a, b, c]) p.removeData();
});

describe('the Caesar ledger in four processes', () => {
  it('A shares memory to B, earns the formula\u2019s amount from B\u2019s receipts, sends part to C; all agree', async () => {
    const genesis = (await wallet(ca)).ledger.genesisHash;
    for (const p of [a, b, c]) expect((await wallet(p)).ledger.genesisHash).toBe(genesis);
    const [aId, bId, cId] = (await Promise.all([a, b, c].map(nodeIdOf))) as [string, string, string];

    await a.call('updateSettings', { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { memory: 2 } });
    const memory = await until('B to find A\u2019s memory', async () =>
      (await b.call<RemoteAssetView[]>('searchAssets', { kind: 'memory' })).find((h) => h.owner === aId),
    );
    const lease = await until('the lease', () =>
      b.call<RemoteAllocationView>('allocateRemote', {
        assetId: memory.assetId,
        amount: 64 * 2 ** 20,
        durationMs: 20_000,
      }),
    );
    const durationMs = Date.parse(lease.expiresAt) - Date.parse(lease.grantedAt);
    const full = rewardUnits({
      kind: 'memory',
      amount: BigInt(64 * 2 ** 20),
      durationMs: BigInt(durationMs),
      privacyLevel: 'FullPublic',
    });
    expect(full).toBeGreaterThan(0n);

    // Receipts every 2 s until the lease ends; each is paid rounded down, so the total is the formula's amount
    // for the whole lease less under one base unit per receipt.
    const paid = await until('every receipt of the lease to be paid', async () => {
      const rewards = await a.call<WalletTxView[]>('getWalletHistory', { kind: 'reward', status: 'confirmed' });
      const total = rewards.reduce((s, r) => s + parseAmount(r.amount), 0n);
      return total > full - BigInt(rewards.length) ? { total, count: rewards.length } : undefined;
    });
    expect(paid.total).toBeLessThanOrEqual(full);
    expect(paid.count).toBeGreaterThanOrEqual(2);
    const rewards = await a.call<WalletTxView[]>('getWalletHistory', { kind: 'reward' });
    expect(rewards.every((r) => r.counterparty === bId && r.direction === 'in')).toBe(true);
    const aWallet = await wallet(a);
    expect(parseAmount(aWallet.earnedTotal)).toBe(paid.total);

    // A sends a third of it to C.
    const third = paid.total / 3n;
    const sent = await a.call<WalletTxView>('sendTokens', {
      to: cId,
      amount: formatAmount(third),
      memo: 'a third',
      requestId: 'ledger-test-send-1',
    });
    expect(sent).toMatchObject({ status: 'pending', direction: 'out', counterparty: cId });
    const views = await allAgree([ca, a, b, c]);
    const byNode = new Map([aId, bId, cId].map((id, i) => [id, views[i + 1] as WalletView]));
    expect(byNode.get(aId)?.balance).toBe(formatAmount(paid.total - third));
    expect(byNode.get(cId)?.balance).toBe(formatAmount(third));
    expect(byNode.get(bId)?.balance).toBe('0');
    const received = await c.call<WalletTxView[]>('getWalletHistory', { direction: 'in' });
    expect(received).toEqual([
      expect.objectContaining({ kind: 'transfer', counterparty: aId, memo: 'a third', status: 'confirmed' }),
    ]);
  }, 240_000);

  it('C killed during catch-up loses nothing and converges once restarted', async () => {
    const cId = await nodeIdOf(c);
    const before = await wallet(c);
    await c.kill();
    // While C is down, A pays C a few more times (one block per slot at most, so several blocks).
    let expected = parseAmount(before.balance);
    for (let i = 0; i < 4; i++) {
      await a.call('sendTokens', { to: cId, amount: '0.00000100', requestId: `ledger-test-offline-${i}` });
      expected += 100n;
      await until(`transfer ${i} to be in a block`, async () => (await wallet(a)).ledger.mempool === 0 || undefined);
    }
    const target = (await wallet(ca)).ledger.height;
    expect(target).toBeGreaterThan(before.ledger.height);

    // Restarted and killed again at a few moments into its catch-up: its chain only ever grows, its database opens.
    const heights: number[] = [before.ledger.height];
    for (const delayMs of [150, 600, 1500]) {
      await c.start();
      await new Promise((r) => setTimeout(r, delayMs));
      heights.push((await wallet(c)).ledger.height);
      await c.kill();
    }
    await c.start();
    const [caView, , , cView] = await allAgree([ca, a, b, c]);
    heights.push(cView!.ledger.height);
    for (let i = 1; i < heights.length; i++) expect(heights[i]).toBeGreaterThanOrEqual(heights[i - 1] as number);
    expect(cView!.ledger.height).toBe(caView!.ledger.height);
    expect(cView!.balance).toBe(formatAmount(expected));
    const history = await c.call<WalletTxView[]>('getWalletHistory', { direction: 'in', status: 'confirmed' });
    expect(history).toHaveLength(5);
  }, 240_000);
});
