/**
 * The Caesar ledger, in one process:
 * (1) validating and applying one transfer — decodeTx, verifyTxSignatures (NodeId of the keys, ML-DSA-65) and
 *     LedgerState.apply — next to, interleaved in the same loop, one ML-DSA-65 verification of a message of the same
 *     size (the baseline); the state rules alone; and a block of 100 transfers through Chain.adopt.
 * (2) a node catching up N blocks (HM_BENCH_LEDGER_BLOCKS, default 10,000) from a peer over real STOQ on ::1: two
 *     Ledger services with their own SQLite and transport, A serving ledger.head / ledger.locate / ledger.blocks and
 *     B running syncFrom; the baseline, interleaved batch by batch, is a third Chain adopting the same encoded blocks
 *     from memory (no network, the batches B gets). B must end at A's tip and state digest, or the benchmark fails.
 * (3) what one block's proof costs at DEFAULT_CONSENSUS_PARAMS next to LEDGER_TEST_PARAMS, and the N-block catch-up
 *     extrapolated to default parameters.
 * The catch-up chain is made with LEDGER_TEST_PARAMS (small four-part proofs) so that 10,000 blocks can be produced
 * here; default parameters cost ~120–175 ms per block to produce, so (3) gives the default-params figures.
 * Certificates are the test accounts' stand-ins (testCertificates, a map lookup): verifyNodeCertificate is measured by
 * the trust bench.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { UNITS_PER_CAESAR } from '../src/shared/amount';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { assetIdFor } from '../src/node-core/assets/asset-id';
import {
  DEFAULT_CONSENSUS_PARAMS,
  createInlineConsensusCompute,
  verifyConsensusProof,
  type ConsensusParams,
} from '../src/node-core/consensus';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { blockProofSubject, decodeBlock, type DecodedBlock } from '../src/node-core/ledger/block';
import { Chain, type LoadedGenesis } from '../src/node-core/ledger/chain';
import { Ledger, LedgerMethod, type LedgerTrust } from '../src/node-core/ledger/ledger';
import { LedgerState } from '../src/node-core/ledger/state';
import {
  BlockMaker,
  LEDGER_TEST_PARAMS,
  testAccount,
  testCertificates,
  testGenesis,
  type TestAccount,
} from '../src/node-core/ledger/testing';
import {
  decodeTx,
  encodeTx,
  signReceipt,
  signTx,
  txIdOf,
  txSigningInput,
  verifyTxSignatures,
  type Transaction,
  type TxBody,
} from '../src/node-core/ledger/tx';
import { LogBook } from '../src/node-core/logging/log-book';
import { closeDatabase, openDatabase, type Db } from '../src/node-core/store/database';
import { createStoqTransport, type PeerLink, type Transport } from '../src/node-core/transport/stoq/transport';
import { Report, median, percentile, sized } from './report';

const BLOCKS = Number(process.env.HM_BENCH_LEDGER_BLOCKS ?? sized(10_000, 40));
const EXTRAPOLATE_TO = 10_000;
const SLOT_MS = 100;
const TX_WARMUP = sized(30, 3);
const TX_SAMPLES = sized(300, 20);
const STATE_PASSES = sized(20, 2);
const BLOCK_TXS = sized(100, 10);
const BLOCK_WARMUP = 1;
const BLOCK_SAMPLES = sized(8, 2);
/** A transfer in every TRANSFER_EVERY-th block of the catch-up chain. */
const TRANSFER_EVERY = 10;
const DEFAULT_BLOCKS = sized(20, 4);
const PROOF_VERIFY_REPS = sized(5, 1);
const ADOPT_ROUNDS = sized(3, 1);
const MIB = 1024 * 1024;

if (!Number.isSafeInteger(BLOCKS) || BLOCKS < 30) throw new Error('HM_BENCH_LEDGER_BLOCKS must be at least 30');

const started = performance.now();
const report = new Report('ledger');
const root = mkdtempSync(join(tmpdir(), 'hm-bench-ledger-'));
const clock = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const section = (title: string): void => console.log(`-- ${title} (${clock()})`);
const elapsed = (t: number): number => performance.now() - t;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const p99 = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    99,
  );

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

let dirCount = 0;
function tempDir(): string {
  const dir = join(root, String(dirCount++));
  mkdirSync(dir);
  return dir;
}

const dbs: Db[] = [];
function newDb(): Db {
  const db = openDatabase(join(tempDir(), 'ledger.db'));
  dbs.push(db);
  return db;
}

// ---------- accounts, chains, transactions ----------

const authority = testAccount(1);
const alice = testAccount(2);
const bob = testAccount(3);
const carol = testAccount(4);
const accounts = [authority, alice, bob, carol];
const verifyCertificate = testCertificates(accounts);
const assetId = assetIdFor('memory', alice.nodeId, { totalBytes: 8 * 2 ** 30 });
const GIB = BigInt(2 ** 30);
const LEASE_ID = 'bench-lease';

function newChain(genesis: LoadedGenesis, params: ConsensusParams): Chain {
  return new Chain({ db: newDb(), genesis, verifyCertificate, params, now: Date.now });
}

/** Next nonce per account, one counter per chain. */
function nonceCounter(): (signer: TestAccount) => number {
  const next = new Map<string, number>();
  return (signer) => {
    const n = (next.get(signer.nodeId) ?? 0) + 1;
    next.set(signer.nodeId, n);
    return n;
  };
}

function transfer(nonce: number, to: TestAccount, at: number): Transaction {
  return signTx({ nonce, timestamp: at, body: { kind: 'transfer', to: to.nodeId, amount: 1n, memo: '' } }, alice);
}

/**
 * How Alice comes by a balance (as chain.test.ts does): block 1 records her memory asset and a lease of 1 GiB to Bob
 * from the genesis on; block 2 is her reward for Bob's signed receipt over its first 30 s.
 */
function fundingTxs(g0: number, nonce: (s: TestAccount) => number): [Transaction[], Transaction[]] {
  const tx = (body: TxBody): Transaction => signTx({ nonce: nonce(alice), timestamp: g0, body }, alice);
  const records = [
    tx({
      kind: 'registration',
      assetId,
      resource: 'memory',
      privacyLevel: 'FullPublic',
      proofDigest: new Uint8Array(32),
    }),
    tx({
      kind: 'allocation',
      leaseId: LEASE_ID,
      assetId,
      consumer: bob.nodeId,
      amount: GIB,
      grantedAt: g0,
      durationMs: 3_600_000,
      proofDigest: new Uint8Array(32),
    }),
  ];
  const receipt = signReceipt(
    {
      leaseId: LEASE_ID,
      assetId,
      provider: alice.nodeId,
      consumer: bob.nodeId,
      resource: 'memory',
      amount: GIB,
      fromMs: g0,
      toMs: g0 + 30_000,
    },
    bob,
  );
  return [records, [tx({ kind: 'reward', receipt })]];
}

/**
 * Makes a block by the authority at `at` and adopts it. The transactions were signed here: the maker chain skips
 * their signature check (rememberTx); the chains that are measured check everything.
 */
async function extend(
  chain: Chain,
  maker: BlockMaker,
  txs: readonly Transaction[],
  at: number,
): Promise<{ block: DecodedBlock; makeMs: number; adoptMs: number }> {
  for (const tx of txs) chain.rememberTx(txIdOf(encodeTx(tx)));
  let t = performance.now();
  const block = await maker.make(chain, authority, txs, at);
  const makeMs = elapsed(t);
  t = performance.now();
  const result = chain.adopt(chain.tip.height, [block]);
  const adoptMs = elapsed(t);
  if (result.error) throw result.error;
  check(result.applied === 1, `block ${block.header.height} adopted`);
  return { block, makeMs, adoptMs };
}

// ---------- (1) one transfer: validate and apply, next to one ML-DSA-65 verification ----------

section('one transfer: decode + signatures + state rules, beside one ML-DSA-65 verification (interleaved)');
const blockTime = Date.now();
const funded = (): LedgerState => {
  const state = new LedgerState([{ nodeId: authority.nodeId, weight: 1000n * UNITS_PER_CAESAR }]);
  state.accounts.set(alice.nodeId, {
    balance: 1000n * UNITS_PER_CAESAR,
    nonce: 0,
    staked: 0n,
    lockedUntil: 0,
    stakeRef: '',
    earned: 0n,
  });
  return state;
};
const signTimes: number[] = [];
const txs: Transaction[] = [];
for (let i = 0; i < TX_WARMUP + TX_SAMPLES; i++) {
  const t = performance.now();
  txs.push(transfer(i + 1, i % 2 === 0 ? bob : carol, blockTime));
  signTimes.push(elapsed(t));
}
const txBytes = txs.map((tx) => encodeTx(tx));
const txIds = txBytes.map((b) => txIdOf(b));
const signingInputs = txs.map((tx) => txSigningInput(tx));
const full = funded();
const stateOnly = funded();
const t1 = { apply: [] as number[], state: [] as number[], decode: [] as number[], mldsa: [] as number[] };
for (let i = 0; i < txs.length; i++) {
  const bytes = txBytes[i] as Buffer;
  const tx = txs[i] as Transaction;
  let s = performance.now();
  const decoded = decodeTx(bytes);
  verifyTxSignatures(decoded);
  full.apply(decoded, txIdOf(bytes), blockTime);
  const apply = elapsed(s);
  s = performance.now();
  check(ml_dsa65.verify(tx.signature, signingInputs[i] as Buffer, alice.mldsaPublicKey), 'ML-DSA-65 verifies');
  const mldsa = elapsed(s);
  s = performance.now();
  stateOnly.apply(tx, txIds[i] as string, blockTime);
  const state = elapsed(s);
  s = performance.now();
  decodeTx(bytes);
  const decode = elapsed(s);
  if (i < TX_WARMUP) continue;
  t1.apply.push(apply);
  t1.mldsa.push(mldsa);
  t1.state.push(state);
  t1.decode.push(decode);
}
check(full.digest() === stateOnly.digest(), 'both states agree');
check(full.account(alice.nodeId).nonce === txs.length, 'every transfer applied');
// The state rules alone take microseconds: also timed in bulk, whole passes over a fresh state.
const passTimes: number[] = [];
for (let p = 0; p < STATE_PASSES + 2; p++) {
  const state = funded();
  const s = performance.now();
  for (let i = 0; i < txs.length; i++) state.apply(txs[i] as Transaction, txIds[i] as string, blockTime);
  if (p >= 2) passTimes.push(elapsed(s));
}
report.figure('tx_transfer_bytes', (txBytes[0] as Buffer).length, 'B');
report.figure('tx_signing_input_bytes', (signingInputs[0] as Buffer).length, 'B');
report.figure('sign_tx_mldsa65_ms', median(signTimes), 'ms');
const applyMs = report.figure('validate_apply_tx_ms', median(t1.apply), 'ms');
report.figure('validate_apply_tx_p99_ms', p99(t1.apply), 'ms');
report.figure('validate_apply_tx_per_s', 1000 / applyMs, 'tx/s');
const mldsaMs = report.figure('mldsa65_verify_ms', median(t1.mldsa), 'ms');
report.figure('decode_tx_us', median(t1.decode) * 1000, 'µs');
// Interleaved with the signature checks (caches cold, timer overhead included), and in bulk passes (hot).
const stateUs = report.figure('state_apply_tx_interleaved_us', median(t1.state) * 1000, 'µs');
const bulkUs = report.figure('state_apply_tx_bulk_us', (median(passTimes) * 1000) / txs.length, 'µs');
report.figure('state_apply_tx_bulk_per_s', 1e6 / bulkUs, 'tx/s');
report.ratio('apply_tx_vs_mldsa_verify', applyMs / mldsaMs);
report.ratio('state_apply_tx_vs_mldsa_verify', stateUs / 1000 / mldsaMs);

// ---------- (1b) a block of 100 transfers through Chain.adopt ----------

section(`a block of ${BLOCK_TXS} transfers: decodeBlock + Chain.adopt (proof, ${BLOCK_TXS} signatures, state, SQLite)`);
{
  const genesis = testGenesis(authority, Date.now() - 600_000, SLOT_MS);
  const g0 = genesis.genesis.createdAt;
  const at = (k: number): number => g0 + k * SLOT_MS;
  const maker = new BlockMaker();
  const nonce = nonceCounter();
  const makerChain = newChain(genesis, LEDGER_TEST_PARAMS);
  const [records, reward] = fundingTxs(g0, nonce);
  const funding = [(await extend(makerChain, maker, records, at(1))).block.bytes];
  funding.push((await extend(makerChain, maker, reward, at(2))).block.bytes);
  check(makerChain.state.account(alice.nodeId).balance >= 1000n, 'Alice has a balance');
  const blocks: Buffer[] = [];
  for (let k = 0; k < BLOCK_WARMUP + BLOCK_SAMPLES; k++) {
    const batch: Transaction[] = [];
    for (let i = 0; i < BLOCK_TXS; i++) batch.push(transfer(nonce(alice), i % 2 === 0 ? bob : carol, at(k + 3)));
    blocks.push((await extend(makerChain, maker, batch, at(k + 3))).block.bytes);
  }
  const chain = newChain(genesis, LEDGER_TEST_PARAMS);
  for (const bytes of funding) check(chain.adopt(chain.tip.height, [decodeBlock(bytes)]).applied === 1, 'funding');
  const times: number[] = [];
  blocks.forEach((bytes, k) => {
    const s = performance.now();
    const result = chain.adopt(chain.tip.height, [decodeBlock(bytes)]);
    const ms = elapsed(s);
    if (result.error) throw result.error;
    check(result.applied === 1, 'the block is adopted');
    if (k >= BLOCK_WARMUP) times.push(ms);
  });
  check(chain.state.digest() === makerChain.state.digest(), 'the measured chain agrees with the maker');
  report.figure('block_100tx_bytes', (blocks[0] as Buffer).length, 'B');
  const blockMs = report.figure('block_100tx_adopt_ms', median(times), 'ms');
  report.figure('block_100tx_per_tx_ms', blockMs / BLOCK_TXS, 'ms');
  report.figure('block_100tx_tx_per_s', (BLOCK_TXS * 1000) / blockMs, 'tx/s');
  report.ratio('block_100tx_per_tx_vs_apply_tx', blockMs / BLOCK_TXS / applyMs);
}

// ---------- (2) catch-up: generate chain A ----------

section(`catch-up: producing chain A, ${BLOCKS} blocks at LEDGER_TEST_PARAMS, slot ${SLOT_MS} ms`);
const genesisA = testGenesis(authority, Date.now() - (BLOCKS + 10) * SLOT_MS, SLOT_MS);
const a0 = genesisA.genesis.createdAt;
const atA = (k: number): number => a0 + k * SLOT_MS;
const makerA = new BlockMaker();
const nonceA = nonceCounter();
const dbA = newDb();
const chainA = new Chain({ db: dbA, genesis: genesisA, verifyCertificate, params: LEDGER_TEST_PARAMS, now: Date.now });
const encodedA: Buffer[] = [];
const gen = { make: [] as number[], adopt: [] as number[], sign: [] as number[] };
const [recordsA, rewardA] = fundingTxs(a0, nonceA);
const genStart = performance.now();
let txCountA = 0;
for (let k = 1; k <= BLOCKS; k++) {
  let blockTxs: Transaction[] = [];
  if (k === 1) blockTxs = recordsA;
  else if (k === 2) blockTxs = rewardA;
  else if (k % TRANSFER_EVERY === 0) {
    const s = performance.now();
    blockTxs = [transfer(nonceA(alice), (k / TRANSFER_EVERY) % 2 === 0 ? bob : carol, atA(k))];
    gen.sign.push(elapsed(s));
  }
  txCountA += blockTxs.length;
  const { block, makeMs, adoptMs } = await extend(chainA, makerA, blockTxs, atA(k));
  encodedA.push(block.bytes);
  gen.make.push(makeMs);
  gen.adopt.push(adoptMs);
  if (k % Math.max(100, Math.floor(BLOCKS / 10)) === 0 || k === BLOCKS) {
    const perBlock = elapsed(genStart) / k;
    console.log(
      `  produced ${k}/${BLOCKS} blocks: ${perBlock.toFixed(1)} ms/block (make ${mean(gen.make).toFixed(1)}, ` +
        `adopt ${mean(gen.adopt).toFixed(1)}; ~${((perBlock * (BLOCKS - k)) / 1000).toFixed(0)} s to go) (${clock()})`,
    );
  }
}
const genMs = elapsed(genStart);
// Where production time goes: one ML-DSA-65 signature of a proof's size is most of `make`.
const proofSignTimes: number[] = [];
{
  const message = new Uint8Array(4096);
  for (let i = 0; i < 22; i++) {
    message[0] = i;
    const s = performance.now();
    authority.sign(message);
    if (i >= 2) proofSignTimes.push(elapsed(s));
  }
}
dbA.prepare("INSERT INTO meta (key, value) VALUES ('ledger.genesis', ?)").run(genesisA.bytes.toString('base64'));
const chainBytes = encodedA.reduce((sum, b) => sum + b.length, 0);
const digestA = chainA.state.digest();
const tipA = chainA.tip.id;
check(chainA.tip.height === BLOCKS, 'chain A has every block');
check(chainA.state.account(alice.nodeId).nonce === txCountA, 'every transaction of chain A applied');
report.figure('catchup_blocks', BLOCKS, 'blocks');
report.figure('catchup_transactions', txCountA, 'tx');
report.figure('catchup_chain_mib', chainBytes / MIB, 'MiB');
report.figure('produce_block_test_params_ms', genMs / BLOCKS, 'ms');
report.figure('produce_block_make_test_params_ms', mean(gen.make), 'ms');
report.figure('produce_block_adopt_test_params_ms', mean(gen.adopt), 'ms');
report.figure('produce_block_sign_mldsa65_ms', median(proofSignTimes), 'ms');
report.figure('produce_chain_s', genMs / 1000, 's');

// ---------- (2) catch-up over STOQ, with the local baseline interleaved batch by batch ----------

section(
  "catch-up over STOQ on ::1: node B runs Ledger.syncFrom against node A's Ledger; after each ledger.blocks reply, " +
    'the baseline (a third Chain) adopts the same blocks from memory',
);
const logs = new LogBook({ minLevel: 'warn', echo: true });
const trust: LedgerTrust = {
  chain: () => authority.chain,
  verifyChain: (chain) => verifyCertificate(chain),
  resolve: () => Promise.reject(new Error('the benchmark resolves no names')),
};
const transports: Transport[] = [];
const ledgers: Ledger[] = [];
async function ledgerNode(name: string, db: Db): Promise<{ ledger: Ledger; stoq: Transport; nodeId: string }> {
  const identity = loadOrCreateIdentity(tempDir());
  const stoq = createStoqTransport({ host: '::1', port: 0, identity, log: logs.logger(`stoq-${name}`) });
  await stoq.start();
  transports.push(stoq);
  const ledger = new Ledger({
    db,
    identity,
    stoq,
    trust,
    log: logs.logger(`ledger-${name}`),
    settings: () => DEFAULT_SETTINGS,
    createGenesis: false,
    compute: createInlineConsensusCompute(),
    params: LEDGER_TEST_PARAMS,
    // Neither node produces (the authority leads every slot) and no tick comes during the run.
    tickMs: 3_600_000,
  });
  ledger.start();
  ledgers.push(ledger);
  return { ledger, stoq, nodeId: identity.nodeId };
}
const nodeA = await ledgerNode('a', dbA);
check(nodeA.ledger.tip?.id === tipA, "A's ledger serves chain A");
const dbB = newDb();
dbB.prepare("INSERT INTO meta (key, value) VALUES ('ledger.genesis', ?)").run(genesisA.bytes.toString('base64'));
const nodeB = await ledgerNode('b', dbB);
check(nodeB.ledger.tip?.height === 0, 'B starts at the genesis');
await new Promise((r) => setTimeout(r, 100)); // start()'s first tick (nothing to do) is over

/**
 * The baseline runs side by side with the sync, so load changes on this shared machine hit both alike: B's link
 * hands each ledger.blocks reply back only after a third Chain has adopted the same blocks from A's encodings in
 * memory (decodeBlock + Chain.adopt, the batches B gets); that time is taken out of the STOQ total.
 */
const local = newChain(genesisA, LEDGER_TEST_PARAMS);
const cat = { local: [] as number[], fetch: [] as number[], marks: [] as number[] };
function tap(link: PeerLink): PeerLink {
  return {
    peer: link.peer,
    get connection() {
      return link.connection;
    },
    request: async (method, body, options) => {
      if (method === LedgerMethod.Blocks) cat.marks.push(performance.now());
      const t = performance.now();
      const reply = await link.request(method, body, options);
      if (method !== LedgerMethod.Blocks) return reply;
      cat.fetch.push(elapsed(t));
      const { from } = JSON.parse(Buffer.from(body).toString('utf8')) as { from: number };
      const count = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).readUInt32BE(0);
      const l = performance.now();
      const batch = encodedA.slice(from - 1, from - 1 + count).map((b) => decodeBlock(b));
      const result = local.adopt(local.tip.height, batch);
      cat.local.push(elapsed(l));
      if (result.error) throw result.error;
      check(result.applied === batch.length && batch.length === count, 'the baseline adopts the same blocks');
      return reply;
    },
    message: (method, body) => link.message(method, body),
    bulk: (method, meta, data, options) => link.bulk(method, meta, data, options),
    channel: (method, meta, options) => link.channel(method, meta, options),
    close: (reason) => link.close(reason),
  };
}
const syncStart = performance.now();
const link = await nodeB.stoq.dial(nodeA.stoq.address, nodeA.nodeId);
const dialMs = elapsed(syncStart);
await nodeB.ledger.syncFrom(tap(link));
const end = performance.now();
const localMs = cat.local.reduce((a, b) => a + b, 0);
const stoqMs = end - syncStart - localMs;
const tipB = nodeB.ledger.tip;
const digestB = nodeB.ledger.ledgerState?.digest();
check(tipB?.height === BLOCKS, `B caught up to height ${BLOCKS} (it is at ${tipB?.height})`);
check(tipB.id === tipA, "B's tip is A's");
check(digestB === digestA, "B's state digest is A's");
check(local.tip.id === tipA && local.state.digest() === digestA, 'the baseline chain ends at A');
const received = nodeB.stoq.stats().totals.bytesReceived;
// Per batch, STOQ side: from one ledger.blocks request to the next (or the end), less the baseline's turn.
cat.marks.push(end);
const stoqBatches = cat.local.map((l, i) => (cat.marks[i + 1] as number) - (cat.marks[i] as number) - l);
const quarter = Math.max(1, Math.floor(stoqBatches.length / 4));
const firstLast = (xs: readonly number[]): string =>
  `${mean(xs.slice(0, quarter)).toFixed(0)} → ${mean(xs.slice(-quarter)).toFixed(0)} ms`;
console.log(
  `  ${cat.local.length} batches; per batch, first quarter → last: STOQ ${firstLast(stoqBatches)} ` +
    `(of it fetching ${firstLast(cat.fetch)}), local ${firstLast(cat.local)}`,
);
console.log(`  B at ${tipB.id.slice(0, 12)}, state ${digestA.slice(0, 12)} = A's (${clock()})`);
const fetchMs = cat.fetch.reduce((a, b) => a + b, 0);
report.figure('catchup_local_ms', localMs, 'ms');
report.figure('catchup_local_blocks_per_s', (BLOCKS * 1000) / localMs, 'blocks/s');
report.figure('catchup_stoq_ms', stoqMs, 'ms');
report.figure('catchup_stoq_blocks_per_s', (BLOCKS * 1000) / stoqMs, 'blocks/s');
report.figure('catchup_stoq_fetch_ms', fetchMs, 'ms');
report.figure('catchup_stoq_dial_ms', dialMs, 'ms');
report.figure('catchup_stoq_received_mib', received / MIB, 'MiB');
report.ratio('catchup_stoq_vs_local', stoqMs / localMs);
for (const ledger of ledgers) await ledger.stop();
for (const stoq of transports) await stoq.stop();

// ---------- (3) one block's proof at DEFAULT_CONSENSUS_PARAMS ----------

section(
  `default params: ${DEFAULT_BLOCKS} empty blocks made with DEFAULT_CONSENSUS_PARAMS, verified beside test-params ones`,
);
const genesisD = testGenesis(authority, Date.now() - 600_000, SLOT_MS);
const makerD = new BlockMaker(DEFAULT_CONSENSUS_PARAMS);
const chainD = newChain(genesisD, DEFAULT_CONSENSUS_PARAMS);
const encodedD: Buffer[] = [];
const createD: number[] = [];
for (let k = 1; k <= DEFAULT_BLOCKS + 1; k++) {
  const { block, makeMs } = await extend(chainD, makerD, [], genesisD.genesis.createdAt + k * SLOT_MS);
  encodedD.push(block.bytes);
  if (k > 1) createD.push(makeMs); // the first also commits the space (once per producer)
}
// Test-params counterparts: empty blocks of chain A past the funding blocks.
const emptyA = (b: DecodedBlock): boolean => b.header.height >= 3 && b.header.txCount === 0;
const prefixA = encodedA.slice(0, DEFAULT_BLOCKS + 4);
const decodedD = encodedD.map((b) => decodeBlock(b));
const decodedT = prefixA.map((b) => decodeBlock(b)).filter(emptyA);
const stakes = new LedgerState(genesisA.genesis.authorities);
const verifyProof = (block: DecodedBlock, params: ConsensusParams): void => {
  const verified = verifyConsensusProof(block.proof, {
    subject: blockProofSubject(block.header),
    now: block.header.timestamp,
    params,
    verifyCertificate: (chain) => verifyCertificate(chain),
    stakeOf: (nodeId) => stakes.stakeRecord(nodeId),
    checkBeacon: () => true, // a comparison of bytes in Chain.validate
  });
  check(verified.nodeId === authority.nodeId, 'the proof verifies');
};
const t3 = { defaultVerify: [] as number[], testVerify: [] as number[] };
for (let rep = -1; rep < PROOF_VERIFY_REPS; rep++) {
  for (let i = 0; i < Math.max(decodedD.length, decodedT.length); i++) {
    const d = decodedD[i];
    const t = decodedT[i];
    if (d) {
      const s = performance.now();
      verifyProof(d, DEFAULT_CONSENSUS_PARAMS);
      if (rep >= 0) t3.defaultVerify.push(elapsed(s));
    }
    if (t) {
      const s = performance.now();
      verifyProof(t, LEDGER_TEST_PARAMS);
      if (rep >= 0) t3.testVerify.push(elapsed(s));
    }
  }
}
// And the whole per-block path (decodeBlock + Chain.adopt, one block at a time) on fresh chains, interleaved.
const t4 = { defaultAdopt: [] as number[], testAdopt: [] as number[] };
for (let round = 0; round < ADOPT_ROUNDS; round++) {
  const chainDefault = newChain(genesisD, DEFAULT_CONSENSUS_PARAMS);
  const chainTest = newChain(genesisA, LEDGER_TEST_PARAMS);
  for (let i = 0; i < Math.max(encodedD.length, prefixA.length); i++) {
    const d = encodedD[i];
    const t = prefixA[i];
    if (d) {
      const s = performance.now();
      const result = chainDefault.adopt(chainDefault.tip.height, [decodeBlock(d)]);
      const ms = elapsed(s);
      check(result.applied === 1, 'the default-params block is adopted');
      if (i > 0) t4.defaultAdopt.push(ms);
    }
    if (t) {
      const s = performance.now();
      const block = decodeBlock(t);
      const result = chainTest.adopt(chainTest.tip.height, [block]);
      const ms = elapsed(s);
      check(result.applied === 1, 'the test-params block is adopted');
      if (emptyA(block)) t4.testAdopt.push(ms);
    }
  }
}
const defaultVerifyMs = median(t3.defaultVerify);
const testVerifyMs = median(t3.testVerify);
const defaultAdoptMs = median(t4.defaultAdopt);
const testAdoptMs = median(t4.testAdopt);
report.figure('default_params_block_bytes', (encodedD[1] as Buffer).length, 'B');
report.figure('test_params_block_bytes', (prefixA[3] as Buffer).length, 'B');
report.figure('default_params_create_block_ms', median(createD), 'ms');
report.figure('default_params_verify_block_proof_ms', defaultVerifyMs, 'ms');
report.figure('test_params_verify_block_proof_ms', testVerifyMs, 'ms');
report.figure('default_params_adopt_empty_block_ms', defaultAdoptMs, 'ms');
report.figure('test_params_adopt_empty_block_ms', testAdoptMs, 'ms');
// Extrapolated, not measured: the measured catch-up's cost per block plus what a default-params proof adds to it.
const extra = defaultAdoptMs - testAdoptMs;
report.figure(
  `extrapolated_catchup_stoq_default_params_${EXTRAPOLATE_TO}_blocks_s`,
  ((stoqMs / BLOCKS + extra) * EXTRAPOLATE_TO) / 1000,
  's',
);
report.figure(
  `extrapolated_catchup_local_default_params_${EXTRAPOLATE_TO}_blocks_s`,
  ((localMs / BLOCKS + extra) * EXTRAPOLATE_TO) / 1000,
  's',
);
report.figure(
  `extrapolated_produce_default_params_${EXTRAPOLATE_TO}_blocks_s`,
  ((median(createD) + defaultAdoptMs) * EXTRAPOLATE_TO) / 1000,
  's',
);
report.ratio('verify_block_proof_default_vs_test_params', defaultVerifyMs / testVerifyMs);
report.ratio('verify_block_proof_default_vs_mldsa_verify', defaultVerifyMs / mldsaMs);

report.note(
  `catch-up chain: ${BLOCKS} blocks made with LEDGER_TEST_PARAMS (64×256 B sectors, 8 challenges, 256 chain steps, ` +
    `scrypt N=16 r=1), slot ${SLOT_MS} ms, a 1-unit transfer in every ${TRANSFER_EVERY}th block after a ` +
    `registration + allocation + reward; default params cost more per block (section "default params")`,
);
report.note(
  `catch-up over STOQ: both nodes (A's Ledger serving, B's Ledger.syncFrom) in this one process on ::1, ` +
    `so they share its event loop; includes the dial (${dialMs.toFixed(0)} ms); B checked equal to A (tip and state ` +
    `digest). Baseline interleaved: after each ledger.blocks reply a third Chain adopts the same blocks from memory ` +
    `(its time is not in catchup_stoq_ms); catchup_stoq_fetch_ms is the ledger.blocks round trips (A's SQLite read, ` +
    `encoding, QUIC on ::1)`,
);
report.note(
  `extrapolated_* figures are computed, not measured: (measured catch-up ms/block + ` +
    `(default − test params) adopt ms of an empty block) × ${EXTRAPOLATE_TO}`,
);
report.note(
  `producing the chain: ${(genMs / 1000).toFixed(0)} s, ${(genMs / BLOCKS).toFixed(1)} ms/block — make ` +
    `${mean(gen.make).toFixed(1)} ms (an ML-DSA-65 signature alone, timed after: ~${median(proofSignTimes).toFixed(1)} ms), ` +
    `adopt ${mean(gen.adopt).toFixed(1)} ms (proof verification, SQLite)`,
);
report.note('certificates are stand-ins (a map lookup); verifyNodeCertificate is measured by the trust bench');
report.write();
for (const db of dbs) closeDatabase(db);
rmSync(root, { recursive: true, force: true });
console.log(`  done (${clock()})`);
