import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNITS_PER_CAESAR } from '../../shared/amount';
import { assetIdFor } from '../assets/asset-id';
import { useTestDatabases } from '../testing/databases';
import { useTempDirs } from '../testing/temp-dir';
import type { DecodedBlock } from './block';
import { Chain } from './chain';
import { LedgerRuleError } from './errors';
import { rewardUnits } from './rewards';
import {
  BlockMaker,
  LEDGER_TEST_PARAMS,
  testAccount,
  testCertificates,
  testGenesis,
  type TestAccount,
} from './testing';
import { decodeTx, encodeTx, signReceipt, signTx, type Transaction, type TxBody } from './tx';

const tempDir = useTempDirs();
const openDb = useTestDatabases();

const T0 = 1_800_000_000_000;
const SLOT = 1000;
let authority: TestAccount;
let alice: TestAccount;
let bob: TestAccount;
let carol: TestAccount;
let maker: BlockMaker;
let assetId: string;
let genesis: ReturnType<typeof testGenesis>;

beforeAll(() => {
  authority = testAccount(1);
  alice = testAccount(2);
  bob = testAccount(3);
  carol = testAccount(4);
  maker = new BlockMaker();
  assetId = assetIdFor('memory', alice.nodeId, { totalBytes: 8 * 2 ** 30 });
  genesis = testGenesis(authority, T0, SLOT); // one network: every chain here starts from the same genesis
});

function newChain(): Chain {
  const db = openDb(join(tempDir(), 'ledger.db'));
  return new Chain({
    db,
    genesis,
    verifyCertificate: testCertificates([authority, alice, bob, carol]),
    params: LEDGER_TEST_PARAMS,
    now: () => T0 + 3_600_000,
  });
}

let nonces = new Map<string, number>();
afterEach(() => {
  nonces = new Map();
});

function tx(signer: TestAccount, body: TxBody, nonce?: number): Transaction {
  const n = nonce ?? (nonces.get(signer.nodeId) ?? 0) + 1;
  nonces.set(signer.nodeId, Math.max(n, nonces.get(signer.nodeId) ?? 0));
  return signTx({ nonce: n, timestamp: T0, body }, signer);
}

/** Slot k after the genesis. */
const at = (k: number) => T0 + k * SLOT;
/** k slots after the chain's tip. */
const after = (chain: Chain, k = 1) => (chain.tip.slot + k) * SLOT;

async function extend(chain: Chain, txs: readonly Transaction[], time: number): Promise<DecodedBlock> {
  const block = await maker.make(chain, authority, txs, time);
  const result = chain.adopt(chain.tip.height, [block]);
  if (result.error) throw result.error;
  expect(result.applied).toBe(1);
  return block;
}

function refused(chain: Chain, block: DecodedBlock): LedgerRuleError {
  const before = chain.state.digest();
  const height = chain.tip.height;
  const result = chain.adopt(chain.tip.height, [block]);
  expect(result.applied).toBe(0);
  expect(chain.tip.height).toBe(height);
  expect(chain.state.digest()).toBe(before); // nothing of it was applied
  expect(result.error).toBeInstanceOf(LedgerRuleError);
  return result.error as LedgerRuleError;
}

/** Alice shares 1 GiB of memory to Bob for an hour at FullPublic; Bob signs a receipt for 30 minutes of it. */
async function earnReward(chain: Chain): Promise<bigint> {
  const leaseId = 'lease-1';
  await extend(
    chain,
    [
      tx(alice, {
        kind: 'registration',
        assetId,
        resource: 'memory',
        privacyLevel: 'FullPublic',
        proofDigest: new Uint8Array(32),
      }),
      tx(alice, {
        kind: 'allocation',
        leaseId,
        assetId,
        consumer: bob.nodeId,
        amount: BigInt(2 ** 30),
        grantedAt: T0,
        durationMs: 3_600_000,
        proofDigest: new Uint8Array(32),
      }),
    ],
    at(1),
  );
  const receipt = signReceipt(
    {
      leaseId,
      assetId,
      provider: alice.nodeId,
      consumer: bob.nodeId,
      resource: 'memory',
      amount: BigInt(2 ** 30),
      fromMs: T0,
      toMs: T0 + 1_800_000,
    },
    bob,
  );
  // Paid once the half hour it covers has passed.
  await extend(chain, [tx(alice, { kind: 'reward', receipt })], T0 + 1_800_000);
  return rewardUnits({ kind: 'memory', amount: BigInt(2 ** 30), durationMs: 1_800_000n, privacyLevel: 'FullPublic' });
}

describe('the ledger chain', () => {
  it('pays a signed usage receipt by the formula, moves tokens atomically, and two nodes fed the same blocks agree', async () => {
    const a = newChain();
    const expected = await earnReward(a);
    expect(expected).toBe(75_000_000n); // 1 GiB × 0.5 h × 1.5 × 1.0 × 1 Caesar = 0.75 Caesar
    expect(a.state.account(alice.nodeId).balance).toBe(expected);
    expect(a.state.account(alice.nodeId).earned).toBe(expected);
    await extend(a, [tx(alice, { kind: 'transfer', to: carol.nodeId, amount: 25_000_000n, memo: 'thanks' })], after(a));
    expect(a.state.account(alice.nodeId).balance).toBe(50_000_000n);
    expect(a.state.account(carol.nodeId).balance).toBe(25_000_000n);

    // A second node that catches up on the same blocks holds the same state, and so does a restart (replay).
    const b = newChain();
    const blocks = [1, 2, 3].map((h) => a.blocksFrom(h, 1, 1 << 20)[0] as Buffer);
    const { decodeBlock } = await import('./block');
    const result = b.adopt(
      0,
      blocks.map((x) => decodeBlock(x)),
    );
    expect(result.applied).toBe(3);
    expect(b.state.digest()).toBe(a.state.digest());
    expect(a.replay(a.tip.height).digest()).toBe(a.state.digest());
  });

  it('rejects a forged signature, a negative or zero amount, a double spend and a replayed transaction', async () => {
    const chain = newChain();
    await earnReward(chain);
    const balance = chain.state.account(alice.nodeId).balance;

    // Forged: Carol's transfer out of Alice's account, signed by Carol under Alice's name and keys.
    const honest = tx(alice, { kind: 'transfer', to: carol.nodeId, amount: 1n, memo: '' });
    const forged: Transaction = { ...honest, body: { kind: 'transfer', to: carol.nodeId, amount: balance, memo: '' } };
    expect(refused(chain, await maker.make(chain, authority, [forged], after(chain))).reason).toBe('signature');
    const toBob: TxBody = { kind: 'transfer', to: bob.nodeId, amount: 1n, memo: '' };
    const wrongKeys: Transaction = { ...signTx({ nonce: 4, timestamp: T0, body: toBob }, carol), from: alice.nodeId };
    expect(refused(chain, await maker.make(chain, authority, [wrongKeys], after(chain))).reason).toBe('signer');

    // Negative: an amount of 2^64 − 1 on the wire (what −1 becomes as an unsigned 64-bit field) and zero.
    const bytes = encodeTx(honest);
    const amountAt = bytes.indexOf(Buffer.from(carol.nodeId)) + carol.nodeId.length;
    const negative = Buffer.from(bytes);
    negative.fill(0xff, amountAt, amountAt + 8);
    expect(() => decodeTx(negative)).toThrow(/amount/);
    expect(() => tx(alice, { kind: 'transfer', to: carol.nodeId, amount: 0n, memo: '' }, 4)).toThrow(/more than 0/);

    // Double spend: two transfers of the whole balance with the same nonce, and two with successive nonces.
    // Alice used nonces 1–3 (registration, allocation, reward): 4 is her next.
    expect(chain.state.account(alice.nodeId).nonce).toBe(3);
    const spendA = tx(alice, { kind: 'transfer', to: bob.nodeId, amount: balance, memo: '' }, 4);
    const spendB = tx(alice, { kind: 'transfer', to: carol.nodeId, amount: balance, memo: '' }, 4);
    expect(refused(chain, await maker.make(chain, authority, [spendA, spendB], after(chain))).reason).toBe('nonce');
    const spendC = tx(alice, { kind: 'transfer', to: carol.nodeId, amount: balance, memo: '' }, 5);
    expect(refused(chain, await maker.make(chain, authority, [spendA, spendC], after(chain))).reason).toBe('balance');
    await extend(chain, [spendA], after(chain));
    expect(chain.state.account(bob.nodeId).balance).toBe(balance);
    expect(chain.state.account(alice.nodeId).balance).toBe(0n);

    // Replayed: the same signed transaction in a later block.
    expect(refused(chain, await maker.make(chain, authority, [spendA], after(chain))).reason).toBe('nonce');
    // And an overlapping receipt: usage already paid is not paid twice.
    const again = signReceipt(
      {
        leaseId: 'lease-1',
        assetId,
        provider: alice.nodeId,
        consumer: bob.nodeId,
        resource: 'memory',
        amount: 1n,
        fromMs: T0 + 60_000,
        toMs: T0 + 120_000,
      },
      bob,
    );
    expect(
      refused(
        chain,
        await maker.make(chain, authority, [tx(alice, { kind: 'reward', receipt: again }, 5)], after(chain)),
      ).reason,
    ).toBe('receipt');
  });

  it('rejects a block with a bad proof, from a node that does not lead the slot, or out of order', async () => {
    const chain = newChain();
    await extend(chain, [], at(1));
    // The proof's signature no longer matches once a byte of it changes.
    const good = await maker.make(chain, authority, [], at(2));
    const proofAt = good.bytes.length - 100;
    const tampered = Buffer.from(good.bytes);
    tampered[proofAt] = (tampered[proofAt] as number) ^ 1;
    const { decodeBlock } = await import('./block');
    expect(refused(chain, decodeBlock(tampered)).reason).toBe('block.proof');
    // A header changed after the proof was made: the proof is for another block.
    const moved = await maker.make(chain, authority, [], at(2), chain.tip, (h) => ({
      ...h,
      timestamp: h.timestamp + 1,
    }));
    expect(refused(chain, moved).reason).toBe('block.proof');
    // Alice has no stake and is no authority: the slot is not hers.
    expect(refused(chain, await maker.make(chain, alice, [], at(2))).reason).toBe('block.producer');
    // The same slot as the parent's.
    expect(refused(chain, await maker.make(chain, authority, [], at(1))).reason).toBe('block.slot');
    // From the future.
    expect(refused(chain, await maker.make(chain, authority, [], T0 + 7_200_000)).reason).toBe('block.time');
    expect(chain.adopt(chain.tip.height, [good]).applied).toBe(1);
  });

  it('fork choice: the longer chain wins, equal heights go to the lower id, and a reorganisation rebuilds the state', async () => {
    const x = newChain();
    const y = newChain();
    // Both see a transfer-free block 1; then x grows two blocks on its side, y one (a partition).
    const b1 = await extend(x, [], at(1));
    expect(y.adopt(0, [b1]).applied).toBe(1);
    const x2 = await extend(x, [], at(2));
    const x3 = await extend(x, [], at(3));
    const y2 = await extend(y, [], at(4));
    expect(y.tip.id).toBe(y2.id);
    // Healed: x's longer branch replaces y's; y's shorter one is not taken by x.
    const toY = y.adopt(1, [x2, x3]);
    expect(toY.applied).toBe(2);
    expect(y.tip.id).toBe(x3.id);
    expect(x.adopt(1, [y2]).changed).toBe(false);
    expect(y.state.digest()).toBe(x.state.digest());
    // Equal height: the lower id wins on both, whichever arrived first.
    const p = await maker.make(x, authority, [], at(10));
    const q = await maker.make(x, authority, [], at(11));
    const [low, high] = p.id < q.id ? [p, q] : [q, p];
    expect(x.adopt(3, [high]).applied).toBe(1);
    expect(x.adopt(3, [low]).applied).toBe(1);
    expect(y.adopt(3, [low]).applied).toBe(1);
    expect(y.adopt(3, [high]).changed).toBe(false);
    expect(x.tip.id).toBe(low.id);
    expect(y.tip.id).toBe(low.id);
  });

  it('stake: locked balance makes a block producer; it unlocks only after its lock', async () => {
    const chain = newChain();
    await earnReward(chain);
    const half = chain.state.account(alice.nodeId).balance / 2n;
    expect(half).toBeGreaterThan(0n);
    const lock = tx(alice, { kind: 'stake_lock', amount: half, lockedUntil: after(chain) + 2 * 3_600_000 });
    await extend(chain, [lock], after(chain));
    expect(chain.state.account(alice.nodeId).staked).toBe(half);
    // Under a minimum of 1 Caesar, 0.375 Caesar does not make Alice a producer.
    expect(chain.state.producers(after(chain)).map((p) => p.nodeId)).toEqual([authority.nodeId]);
    expect(
      refused(chain, await maker.make(chain, authority, [tx(alice, { kind: 'stake_unlock' })], after(chain))).reason,
    ).toBe('stake');
    expect(half < UNITS_PER_CAESAR).toBe(true);
  });
});
