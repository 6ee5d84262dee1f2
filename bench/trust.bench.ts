/**
 * TrustChain: what issuing, verifying and logging a node certificate costs, next to the signatures it is made of.
 * Baseline (same run, main thread): one ML-DSA-65, one Falcon-1024 and one ECDSA P-256 signature (and verification).
 * Then: CaService.issue latency (sequential) and throughput (concurrent) with the worker-thread pool and with the
 * inline signer, full node-certificate verification, and the CT log at 100,000 entries (append, proofs, reopen).
 * Real keys, real SQLite files in a temp dir; CSRs are made beforehand (the client's cost, timed on its own).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { LogBook } from '../src/node-core/logging/log-book';
import { closeDatabase, openDatabase, type Db } from '../src/node-core/store/database';
import { CaService } from '../src/node-core/trust/ca-service';
import {
  PQ_COSIGN_CONTEXT,
  createCertificateAuthority,
  createCsr,
  prepareNodeCertificate,
  verifyClassicalChain,
  verifyCsr,
  type CaMaterial,
} from '../src/node-core/trust/certificates';
import { CtLog, type CtLogOptions } from '../src/node-core/trust/ct-log';
import {
  leafHash,
  verifyConsistency,
  verifyInclusion,
  createInlinePqSigner,
  createPqWorkerPool,
  signNow,
  verifyNow,
  type PqSigner,
} from '../src/node-core/crypto';
import { verifyNodeCertificate, type NodeVerificationContext } from '../src/node-core/trust/verify-node';
import { Report, median, percentile, sized } from './report';

const SIGN_WARMUP = sized(20, 2);
const SIGN_SAMPLES = sized(120, 6);
const ISSUE_WARMUP = sized(10, 2);
const ISSUE_SEQUENTIAL = sized(40, 4);
const ISSUE_CONCURRENT = sized(60, 6);
const CONCURRENT_ROUNDS = sized(3, 1);
const VERIFY_SAMPLES = sized(60, 6);
const CT_ENTRIES = sized(100_000, 2000);
const CT_ENTRY_BYTES = 500;
const CT_BATCH = 1000;
const PROOFS = sized(20_000, 200);
const DESIGN_TARGET_MS = 35;

const started = performance.now();
const report = new Report('trust');
const root = mkdtempSync(join(tmpdir(), 'hm-bench-trust-'));
let dirCount = 0;
const tempDir = (): string => {
  const d = join(root, `d${dirCount++}`);
  mkdirSync(d);
  return d;
};
const dbs: Db[] = [];
const signers: PqSigner[] = [];
const section = (title: string): void => console.log(`-- ${title}`);
const elapsed = (t: number): number => performance.now() - t;
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`index ${i} out of range (${xs.length})`);
  return x;
}

/** `warmup` untimed calls, then the time of each of `n` calls, in ms. */
function timeEach(n: number, warmup: number, fn: (i: number) => void): number[] {
  for (let i = 0; i < warmup; i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    times.push(elapsed(t));
  }
  return times;
}

/** Runs `fn` over `count` items and gives items per second. */
function rate(count: number, fn: (i: number) => void): number {
  const t = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return count / (elapsed(t) / 1000);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

/** Watches the main thread with a 1 ms timer; stop() gives the longest time no timer could run. */
function stallMonitor(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    },
  };
}

function openDb(name: string): Db {
  const db = openDatabase(join(tempDir(), name));
  dbs.push(db);
  return db;
}

// ---------- CA material and CSRs (outside every clock but csr_create_ms) ----------

section('setup: two CAs, node identities and their CSRs');
let t0 = performance.now();
const caPool = await createCertificateAuthority({ name: 'Bench CA pool' });
const caInline = await createCertificateAuthority({ name: 'Bench CA inline' });
console.log(`  two CAs made in ${(elapsed(t0) / 1000).toFixed(1)} s (ML-DSA-65 + Falcon-1024 + ECDSA keys each)`);

interface Request {
  readonly nodeId: string;
  readonly csr: Uint8Array;
}
const CSR_COUNT = ISSUE_WARMUP + ISSUE_SEQUENTIAL + CONCURRENT_ROUNDS * ISSUE_CONCURRENT;
const requests: Request[] = [];
const csrTimes: number[] = [];
t0 = performance.now();
for (let i = 0; i < CSR_COUNT; i++) {
  const identity = loadOrCreateIdentity(tempDir());
  const t = performance.now();
  const csr = await createCsr(identity);
  csrTimes.push(elapsed(t));
  requests.push({ nodeId: identity.nodeId, csr });
}
console.log(`  ${CSR_COUNT} identities and CSRs in ${(elapsed(t0) / 1000).toFixed(1)} s`);
report.figure('csr_create_ms', median(csrTimes.slice(5)), 'ms');
const csrVerifyMs = median(timeEach(SIGN_SAMPLES, SIGN_WARMUP, (i) => verifyCsr(at(requests, i).csr)));
report.figure('csr_verify_ms', csrVerifyMs, 'ms');
report.note('csr_create_ms: client side (ML-DSA-65 binding signature + ECDSA CSR); csr_verify_ms: CA side, per call');

// ---------- 1. baseline: single signatures in the main thread ----------

section('baseline: one signature in the main thread (message = a real co-signed precertificate)');
const { signingInput } = await prepareNodeCertificate({ csr: at(requests, 0).csr, issuer: caPool.intermediate });
const message = Buffer.concat([PQ_COSIGN_CONTEXT, signingInput]);
console.log(`  message: ${message.length} bytes`);
const mldsaSig = signNow('ml-dsa-65', message, caPool.mldsa.secretKey);
const falconSig = signNow('falcon-1024', message, caPool.falcon.secretKey);
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecSig = sign('sha256', message, ec.privateKey);

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

// One ML-DSA-65 signature takes a varying number of rejection-sampling rounds (a few ms to tens of ms), so many
// samples are taken, and main-thread and worker-pool signatures are interleaved so that drift hits both alike.
const workerPool = createPqWorkerPool();
const poolSign = (alg: 'ml-dsa-65' | 'falcon-1024'): Promise<Uint8Array> =>
  workerPool.sign(alg, message, alg === 'ml-dsa-65' ? caPool.mldsa.secretKey : caPool.falcon.secretKey);
const signTimes = { mldsa: [] as number[], falcon: [] as number[], pool: [] as number[], pair: [] as number[] };
const pairInline: number[] = [];
for (let i = -SIGN_WARMUP; i < SIGN_SAMPLES; i++) {
  let start = performance.now();
  signNow('ml-dsa-65', message, caPool.mldsa.secretKey);
  const mldsaMs = elapsed(start);
  start = performance.now();
  signNow('falcon-1024', message, caPool.falcon.secretKey);
  const falconMs = elapsed(start);
  start = performance.now();
  check((await poolSign('ml-dsa-65')).length > 0, 'pool signature');
  const poolMs = elapsed(start);
  start = performance.now();
  await Promise.all([poolSign('ml-dsa-65'), poolSign('falcon-1024')]); // the co-signature pair of an issuance
  const pairMs = elapsed(start);
  if (i < 0) continue; // warm-up (also starts both workers)
  signTimes.mldsa.push(mldsaMs);
  signTimes.falcon.push(falconMs);
  signTimes.pool.push(poolMs);
  signTimes.pair.push(pairMs);
  pairInline.push(mldsaMs + falconMs);
}
const mldsaSignMs = report.figure('pq_sign_mldsa65_ms', median(signTimes.mldsa), 'ms');
report.figure('pq_sign_mldsa65_mean_ms', mean(signTimes.mldsa), 'ms');
const falconSignMs = report.figure('pq_sign_falcon1024_ms', median(signTimes.falcon), 'ms');
report.figure('pq_sign_falcon1024_mean_ms', mean(signTimes.falcon), 'ms');
const ecdsaSignMs = report.figure(
  'ecdsa_p256_sign_ms',
  median(timeEach(SIGN_SAMPLES * 5, SIGN_WARMUP * 5, () => sign('sha256', message, ec.privateKey))),
  'ms',
);
report.figure('pq_sign_mldsa65_pool_ms', median(signTimes.pool), 'ms');
const pairPoolMs = report.figure('pq_cosign_pair_pool_ms', median(signTimes.pair), 'ms');
const pairInlineMs = report.figure('pq_cosign_pair_inline_ms', median(pairInline), 'ms');
const mldsaVerifyMs = report.figure(
  'pq_verify_mldsa65_ms',
  median(
    timeEach(SIGN_SAMPLES, SIGN_WARMUP, () =>
      check(verifyNow('ml-dsa-65', mldsaSig, message, caPool.mldsa.publicKey), 'ML-DSA verify'),
    ),
  ),
  'ms',
);
report.figure(
  'pq_verify_falcon1024_ms',
  median(
    timeEach(SIGN_SAMPLES, SIGN_WARMUP, () =>
      check(verifyNow('falcon-1024', falconSig, message, caPool.falcon.publicKey), 'Falcon verify'),
    ),
  ),
  'ms',
);
report.figure(
  'ecdsa_p256_verify_ms',
  median(
    timeEach(SIGN_SAMPLES * 5, SIGN_WARMUP * 5, () =>
      check(verify('sha256', message, ec.publicKey, ecSig), 'ECDSA verify'),
    ),
  ),
  'ms',
);

report.note(
  `signatures: medians of ${SIGN_SAMPLES} after ${SIGN_WARMUP} warm-up rounds, main thread and pool interleaved; ` +
    '*_pool_ms include the worker round trip; pq_cosign_pair_* = the ML-DSA-65 + Falcon-1024 pair of an issuance ' +
    '(pool: in parallel in two workers, inline: one after the other)',
);

// ---------- 2. issuance latency, 3. issuance throughput ----------

type Label = 'pool' | 'inline';
interface Issuer {
  readonly label: Label;
  readonly service: CaService;
  issue(r: Request): Promise<Uint8Array[]>;
}

async function issuer(label: Label, ca: CaMaterial, signer: PqSigner): Promise<Issuer> {
  signers.push(signer);
  const service = new CaService({
    db: openDb(`ca-${label}.db`),
    ca,
    signer,
    log: new LogBook().logger('ca'),
    nodeId: 'bench',
    address: null,
  });
  await service.init();
  return {
    label,
    service,
    async issue(r) {
      const issued = await service.issue(r.csr, r.nodeId);
      return [issued.certificate, ...issued.chain];
    },
  };
}

interface IssueResult {
  latencyMs: number;
  p99Ms: number;
  perSec: number;
  stallMs: number;
}

section('issuance: worker-thread pool vs inline (main-thread) signer, one CA each, interleaved');
// Both CAs get the same CSRs (one node asking two CAs); pool and inline runs alternate, so drift hits both alike.
const issuers = [await issuer('pool', caPool, workerPool), await issuer('inline', caInline, createInlinePqSigner())];
let nextRequest = 0;
const take = (count: number): Request[] => {
  const taken = requests.slice(nextRequest, nextRequest + count);
  check(taken.length === count, 'enough CSRs were prepared');
  nextRequest += count;
  return taken;
};
for (const r of take(ISSUE_WARMUP)) for (const c of issuers) await c.issue(r);

const latency = new Map<Label, number[]>(issuers.map((c) => [c.label, []]));
const sequentialChains: Uint8Array[][] = [];
for (const r of take(ISSUE_SEQUENTIAL)) {
  for (const c of issuers) {
    const start = performance.now();
    const chain = await c.issue(r);
    latency.get(c.label)?.push(elapsed(start));
    if (c.label === 'pool') sequentialChains.push(chain);
  }
}

const rates = new Map<Label, number[]>(issuers.map((c) => [c.label, []]));
const heads = new Map<Label, number[]>(issuers.map((c) => [c.label, []]));
const stalls = new Map<Label, number[]>(issuers.map((c) => [c.label, []]));
for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
  const batch = take(ISSUE_CONCURRENT);
  for (const c of round % 2 === 0 ? issuers : [...issuers].reverse()) {
    const headsBefore = c.service.log.heads().length;
    const monitor = stallMonitor();
    const start = performance.now();
    const chains = await Promise.all(batch.map((r) => c.issue(r)));
    const seconds = elapsed(start) / 1000;
    stalls.get(c.label)?.push(monitor.stop());
    check(chains.length === ISSUE_CONCURRENT, 'every concurrent issuance returned');
    rates.get(c.label)?.push(ISSUE_CONCURRENT / seconds);
    heads.get(c.label)?.push(c.service.log.heads().length - headsBefore);
  }
}

const results = new Map<Label, IssueResult>();
for (const { label, service } of issuers) {
  const s = sorted(latency.get(label) ?? []);
  const headCounts = heads.get(label) ?? [];
  results.set(label, {
    latencyMs: report.figure(`issue_${label}_ms`, percentile(s, 50), 'ms'),
    p99Ms: report.figure(`issue_${label}_p99_ms`, percentile(s, 99), 'ms'),
    perSec: report.figure(
      label === 'pool' ? 'certs_issued_per_sec' : 'certs_issued_per_sec_inline',
      median(rates.get(label) ?? []),
      '/s',
    ),
    stallMs: report.figure(`main_thread_longest_stall_ms_${label}`, median(stalls.get(label) ?? []), 'ms'),
  });
  report.figure(`tree_heads_per_${ISSUE_CONCURRENT}_certs_${label}`, median(headCounts), 'heads');
  report.note(
    `${label}: tree heads signed per round of ${ISSUE_CONCURRENT} concurrent issuances: ${headCounts.join(', ')}; ` +
      `log holds ${service.log.size} entries under ${service.log.heads().length} heads`,
  );
}
const pool = results.get('pool') as IssueResult;
const inline = results.get('inline') as IssueResult;
const poolService = (issuers[0] as Issuer).service;
report.note(
  `issue_*_ms: median of ${ISSUE_SEQUENTIAL} sequential issuances after ${ISSUE_WARMUP} warm-up ones; ` +
    `certs_issued_per_sec*: ${ISSUE_CONCURRENT} concurrent issuances, median of ${CONCURRENT_ROUNDS} rounds; ` +
    'main_thread_longest_stall_ms_*: longest gap of a 1 ms timer during a concurrent round',
);
report.note(
  `the pool has ${Math.max(1, Math.min(4, availableParallelism()))} worker(s) on ${availableParallelism()} core(s); ` +
    'the main thread still checks the CSR binding, builds and ECDSA-signs the certificate and verifies each tree head',
);
report.note(
  `the ${ISSUE_CONCURRENT} concurrent issue() calls are submitted in one tick and each verifies its CSR synchronously ` +
    '(once, in issue()) before its first await: that prefix times the batch is the ' +
    "pool's longest main-thread stall; with the inline signer every PQ signature runs on the main thread as well",
);
report.note(
  'the inline signer computes a tree head as soon as it is asked for, so a head covers the entries appended up to ' +
    'then; with the pool, appends made while a head is being signed wait for one shared next head',
);

// ---------- 4. verification ----------

section('verification of an issued chain (leaf + intermediate)');
const ctx: NodeVerificationContext = {
  federation: poolService.federation,
  now: new Date(),
  isRevoked: () => false,
};
const chains = sequentialChains;
const verifyChain = (chain: readonly Uint8Array[]): void => {
  const verified = verifyNodeCertificate(chain, ctx);
  check(verified.cosigners.length === 1, 'one co-signing CA');
};
// verify-node.ts caches intermediates and tree heads it has checked (module-level): the first call pays for both.
let t = performance.now();
verifyChain(at(chains, 0));
report.figure('verify_node_first_ms', elapsed(t), 'ms');
// Each sequentially issued certificate has a tree head of its own, not seen yet: + one ML-DSA-65 head verify.
const newHead = chains.slice(1).map((chain) => {
  const start = performance.now();
  verifyChain(chain);
  return elapsed(start);
});
report.figure('verify_node_new_head_ms', median(newHead), 'ms');
// Steady state: intermediate and head cached; binding (ML-DSA-65), co-signatures (ML-DSA-65 + Falcon-1024),
// the ECDSA chain and the inclusion proof are checked for every certificate.
const steady = timeEach(VERIFY_SAMPLES, 0, (i) => verifyChain(at(chains, i % chains.length)));
const verifyNodeMs = report.figure('verify_node_ms', median(steady), 'ms');
report.figure(
  'verifications_per_sec',
  rate(VERIFY_SAMPLES, (i) => verifyChain(at(chains, i % chains.length))),
  '/s',
);
const roots = [...poolService.federation.members.values()].map((m) => m.rootDer);
const classical = (i: number): void => {
  const chain = at(chains, i % chains.length);
  verifyClassicalChain(at(chain, 0), chain.slice(1), roots, ctx.now);
};
const classicalMs = median(timeEach(VERIFY_SAMPLES * 5, VERIFY_SAMPLES, classical));
report.figure('verify_classical_chain_ms', classicalMs, 'ms');
report.figure('classical_chain_verifications_per_sec', rate(VERIFY_SAMPLES * 5, classical), '/s');

report.note(
  'verify_node_first_ms: first verification in the process (+ intermediate co-signatures + tree head); ' +
    'verify_node_new_head_ms: a certificate under a tree head not seen yet (+ one ML-DSA-65 head verify); ' +
    'verify_node_ms / verifications_per_sec: steady state, one thread (binding ML-DSA-65, co-signatures ' +
    'ML-DSA-65 + Falcon-1024, ECDSA chain, inclusion proof, per certificate)',
);

// ---------- 5. CT log at 100,000 entries ----------

section(`CT log: ${CT_ENTRIES.toLocaleString('en')} random ${CT_ENTRY_BYTES}-byte entries`);
const logKey = ml_dsa65.keygen();
const logOptions: CtLogOptions = {
  logId: createHash('sha256').update(logKey.publicKey).digest(),
  signHead: (m) => signNow('ml-dsa-65', m, logKey.secretKey),
  verifyHead: (m, sig) => verifyNow('ml-dsa-65', sig, m, logKey.publicKey),
};
const data = randomBytes(CT_ENTRIES * CT_ENTRY_BYTES);
const entry = (i: number): Buffer => data.subarray(i * CT_ENTRY_BYTES, (i + 1) * CT_ENTRY_BYTES);
const batches = Array.from({ length: CT_ENTRIES / CT_BATCH }, (_, b) =>
  Array.from({ length: CT_BATCH }, (_, k) => entry(b * CT_BATCH + k)),
);

// Baseline: the same blobs into a plain SQLite table, same pragmas, same batches, one transaction each.
const plainDb = openDb('plain.db');
plainDb.exec('CREATE TABLE plain (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, added_at INTEGER NOT NULL) STRICT');
const insertPlain = plainDb.prepare('INSERT INTO plain (idx, data, added_at) VALUES (?, ?, ?)');
const plainBatch = plainDb.transaction((rows: Buffer[], first: number) => {
  const now = Date.now();
  rows.forEach((row, k) => insertPlain.run(first + k, row, now));
});
t = performance.now();
batches.forEach((rows, b) => plainBatch(rows, b * CT_BATCH));
const plainPerSec = report.figure('sqlite_plain_insert_entries_per_sec', CT_ENTRIES / (elapsed(t) / 1000), '/s');

const ctDir = tempDir();
const ctFile = join(ctDir, 'ct.db');
let ctDb = openDatabase(ctFile);
let ctLog = new CtLog(ctDb, logOptions);
t = performance.now();
for (const rows of batches) ctLog.appendBatch(rows);
const appendSeconds = elapsed(t) / 1000;
check(ctLog.size === CT_ENTRIES, 'every entry appended');
report.figure('ct_append_100k_s', appendSeconds, 's');
const appendPerSec = report.figure('ct_append_entries_per_sec', CT_ENTRIES / appendSeconds, '/s');
t = performance.now();
const head = await ctLog.signHead();
report.figure('ct_sign_head_ms', elapsed(t), 'ms');
check(head.treeSize === CT_ENTRIES, 'the head covers the log');

const n = head.treeSize;
const randomIndex = (limit: number): number => Math.floor(Math.random() * limit);
const leafIndices = Array.from({ length: PROOFS }, () => randomIndex(n));
const inclusion: Buffer[][] = [];
report.figure(
  'inclusion_proofs_generated_per_sec',
  rate(PROOFS, (i) => inclusion.push(ctLog.inclusionProof(at(leafIndices, i), n))),
  '/s',
);
report.figure('inclusion_proof_hashes', inclusion.reduce((sum, p) => sum + p.length, 0) / inclusion.length, 'hashes');
// Baseline for the proof figures: one SHA-256 over an inner node's 65 bytes.
const node = randomBytes(65);
const shaPerSec = report.figure(
  'sha256_65_bytes_per_sec',
  rate(PROOFS * 20, () => createHash('sha256').update(node).digest()),
  '/s',
);

const inclusionVerifyPerSec = report.figure(
  'inclusion_proofs_verified_per_sec',
  rate(PROOFS, (i) => {
    const index = at(leafIndices, i);
    check(verifyInclusion(leafHash(entry(index)), index, n, at(inclusion, i), head.rootHash), 'inclusion proof');
  }),
  '/s',
);
// The verifier holds a signed head for the older size already: its root is looked up outside the clock.
const olderSizes = Array.from({ length: PROOFS }, () => 1 + randomIndex(n - 1));
const olderRoots = olderSizes.map((m) => ctLog.rootHash(m));
const consistency: Buffer[][] = [];
report.figure(
  'consistency_proofs_generated_per_sec',
  rate(PROOFS, (i) => consistency.push(ctLog.consistencyProof(at(olderSizes, i), n))),
  '/s',
);
report.figure(
  'consistency_proofs_verified_per_sec',
  rate(PROOFS, (i) =>
    check(
      verifyConsistency(at(olderSizes, i), n, at(olderRoots, i), head.rootHash, at(consistency, i)),
      'consistency proof',
    ),
  ),
  '/s',
);
closeDatabase(ctDb);
const reopenFull: number[] = [];
const reopenHeads: number[] = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  ctDb = openDatabase(ctFile);
  const openMs = elapsed(t);
  t = performance.now();
  ctLog = new CtLog(ctDb, logOptions);
  reopenFull.push(elapsed(t) + openMs);
  check(ctLog.rootHash().equals(head.rootHash), 'the reopened log gives the signed root');
  t = performance.now();
  const light = new CtLog(ctDb, { ...logOptions, verifyOnOpen: 'heads' });
  reopenHeads.push(elapsed(t) + openMs);
  check(light.size === n, 'the lightly reopened log has every entry');
  closeDatabase(ctDb);
}
report.figure('ct_reopen_100k_full_ms', median(reopenFull), 'ms');
report.figure('ct_reopen_100k_heads_ms', median(reopenHeads), 'ms');

report.note(
  `CT log: ${CT_ENTRIES} random ${CT_ENTRY_BYTES}-byte entries appended in batches of ${CT_BATCH}, one transaction ` +
    'each (plain SQLite baseline: same blobs, batches and pragmas, one row each); ct_sign_head_ms: ML-DSA-65 sign ' +
    '+ verify + SQLite write; proofs: random indices / earlier sizes against the latest head, inclusion ' +
    'verification includes the leaf hash of the 500-byte entry; reopen: openDatabase + new CtLog, median of 3 ' +
    "('full' rehashes every entry and node, 'heads' checks shape, head roots and the latest signature)",
);

// ---------- ratios and notes ----------

report.ratio('issue_vs_pq_sign', pool.latencyMs / mldsaSignMs);
report.ratio('issue_inline_vs_pq_sign', inline.latencyMs / mldsaSignMs);
report.ratio('issue_pool_vs_inline', pool.latencyMs / inline.latencyMs);
report.ratio('issue_vs_design_target', pool.latencyMs / DESIGN_TARGET_MS);
report.ratio('certs_per_sec_pool_vs_inline', pool.perSec / inline.perSec);
report.ratio('cosign_pair_pool_vs_inline', pairPoolMs / pairInlineMs);
report.ratio('main_thread_stall_pool_vs_inline', pool.stallMs / inline.stallMs);
report.ratio('pq_sign_mldsa65_vs_ecdsa_p256', mldsaSignMs / ecdsaSignMs);
report.ratio('pq_sign_falcon1024_vs_ecdsa_p256', falconSignMs / ecdsaSignMs);
report.ratio('verify_node_vs_mldsa65_verify', verifyNodeMs / mldsaVerifyMs);
report.ratio('verify_node_vs_classical_chain', verifyNodeMs / classicalMs);
report.ratio('ct_append_vs_plain_sqlite', appendPerSec / plainPerSec);
report.ratio('inclusion_verify_cost_in_sha256', shaPerSec / inclusionVerifyPerSec);

report.note(
  `design target ${DESIGN_TARGET_MS} ms per TrustChain operation; measured issuance median ${pool.latencyMs.toFixed(1)} ms ` +
    `with the pool (p99 ${pool.p99Ms.toFixed(1)} ms), ${inline.latencyMs.toFixed(1)} ms inline; ` +
    `issue_vs_pq_sign = ${(pool.latencyMs / mldsaSignMs).toFixed(2)} single ML-DSA-65 signatures ` +
    `(an issuance makes 3 PQ signatures: ML-DSA-65 + Falcon-1024 co-signatures and an ML-DSA-65 tree head)`,
);
report.note(
  `p99 of ${ISSUE_SEQUENTIAL} sequential issuances is their maximum; time ratios: lower is better, rates: higher`,
);
report.note(`total run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
report.write();

await Promise.all(signers.map((s) => s.close()));
for (const db of dbs) closeDatabase(db);
rmSync(root, { recursive: true, force: true });
process.exit(0);
