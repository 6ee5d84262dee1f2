import { copyFileSync } from 'node:fs';
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, type Db } from '../store/database';
import { useTestDatabases } from '../testing/databases';
import { useTempDirs } from '../testing/temp-dir';
import {
  CT_LOG_SCHEMA_SQL,
  CtLog,
  detectSplitView,
  sthSigningInput,
  verifyHeadSignature,
  type CtLogOptions,
  type SignedTreeHead,
} from './ct-log';
import { SplitViewError, TrustError } from './errors';
import { EMPTY_ROOT, leafHash, verifyConsistency, verifyInclusion } from '../crypto';

const tempDir = useTempDirs();
const openTestDb = useTestDatabases();

interface LogKey {
  readonly options: CtLogOptions;
  readonly verifyHead: (message: Uint8Array, signature: Uint8Array) => boolean;
}

/** A real Ed25519 log key; the log id is the SHA-256 of the public key, as in RFC 6962. */
function logKey(): LogKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return keyFrom(publicKey, privateKey);
}

function keyFrom(publicKey: KeyObject, privateKey: KeyObject): LogKey {
  const logId = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
  const verifyHead = (message: Uint8Array, signature: Uint8Array): boolean =>
    verify(null, message, publicKey, signature);
  return { verifyHead, options: { logId, signHead: (message) => sign(null, message, privateKey), verifyHead } };
}

function openDb(file: string): Db {
  const db = openTestDb(file);
  db.exec(CT_LOG_SCHEMA_SQL);
  return db;
}

/** A new, empty log with a fresh key, in a database file of its own. */
function newLog(name = 'ct.db'): { key: LogKey; file: string; db: Db; log: CtLog } {
  const key = logKey();
  const file = join(tempDir(), name);
  const db = openDb(file);
  return { key, file, db, log: new CtLog(db, key.options) };
}

const entry = (i: number, tag = 'cert'): Buffer => Buffer.from(`${tag} #${i}`);

function entries(from: number, count: number, tag?: string): Buffer[] {
  return Array.from({ length: count }, (_, k) => entry(from + k, tag));
}

/** Checks every leaf of a head against its root, and the head's signature. */
function expectHeadServed(log: CtLog, head: SignedTreeHead, verifyHead: LogKey['verifyHead']): void {
  expect(verifyHeadSignature(head, verifyHead)).toBe(true);
  expect(log.rootHash(head.treeSize).equals(head.rootHash)).toBe(true);
  for (let i = 0; i < head.treeSize; i++) {
    const stored = log.entry(i);
    expect(stored?.leafHash.equals(leafHash(stored.data))).toBe(true);
    const proof = log.inclusionProof(i, head.treeSize);
    expect(verifyInclusion(leafHash(stored?.data ?? new Uint8Array()), i, head.treeSize, proof, head.rootHash)).toBe(
      true,
    );
  }
}

describe('sthSigningInput', () => {
  it('lays out context, log id, size, timestamp and root', () => {
    const logId = Buffer.alloc(32, 0xaa);
    const rootHash = Buffer.alloc(32, 0xbb);
    const input = sthSigningInput({ logId, treeSize: 0x0102, timestamp: 1_700_000_000_123, rootHash });
    expect(input.subarray(0, 20).toString('latin1')).toBe('hypermesh/ct/sth/v1\0');
    expect(input.subarray(20, 52).equals(logId)).toBe(true);
    expect(input.readBigUInt64BE(52)).toBe(0x0102n);
    expect(input.readBigUInt64BE(60)).toBe(1_700_000_000_123n);
    expect(input.subarray(68).equals(rootHash)).toBe(true);
    expect(input.length).toBe(100);
  });

  it('refuses malformed heads', () => {
    const ok = { logId: Buffer.alloc(32), treeSize: 1, timestamp: 1, rootHash: Buffer.alloc(32) };
    expect(() => sthSigningInput({ ...ok, logId: Buffer.alloc(31) })).toThrow(TrustError);
    expect(() => sthSigningInput({ ...ok, rootHash: Buffer.alloc(33) })).toThrow(TrustError);
    expect(() => sthSigningInput({ ...ok, treeSize: -1 })).toThrow(TrustError);
    expect(() => sthSigningInput({ ...ok, timestamp: 1.5 })).toThrow(TrustError);
    expect(verifyHeadSignature({ ...ok, rootHash: Buffer.alloc(1), signature: Buffer.alloc(64) }, () => true)).toBe(
      false,
    );
    expect(
      verifyHeadSignature({ ...ok, signature: Buffer.alloc(64) }, () => {
        throw new Error('bad key');
      }),
    ).toBe(false);
  });
});

describe('CtLog', () => {
  it('appends in batches and serves proofs that verify against its signed heads', async () => {
    const { key, log } = newLog();
    expect(log.size).toBe(0);
    expect(log.latestHead()).toBeUndefined();
    const empty = await log.signHead(1_000);
    expect(empty).toMatchObject({ treeSize: 0, timestamp: 1_000 });
    expect(Buffer.from(empty.rootHash).equals(EMPTY_ROOT)).toBe(true);

    const heads: SignedTreeHead[] = [empty];
    let size = 0;
    for (const [k, count] of [1, 2, 5, 0, 13, 1, 40, 8].entries()) {
      expect(log.appendBatch(entries(size, count), 2_000 + k)).toEqual({ firstIndex: size });
      size += count;
      expect(log.size).toBe(size);
      heads.push(await log.signHead(10_000 + k * 1_000));
    }
    for (const head of heads) expectHeadServed(log, head, key.verifyHead);
    expect(log.entry(3)).toMatchObject({ index: 3, addedAt: 2_002 });
    expect(log.entry(3)?.data.toString()).toBe('cert #3');
    expect(log.entry(size)).toBeUndefined();

    // The empty batch did not get a head of its own: its size already had one, and it was renewed.
    expect(log.heads().map((h) => [h.treeSize, h.timestamp])).toEqual([
      [0, 1_000],
      [1, 10_000],
      [3, 11_000],
      [8, 13_000],
      [21, 14_000],
      [22, 15_000],
      [62, 16_000],
      [70, 17_000],
    ]);

    // Consistency from every earlier head to the latest one, checked as a client would.
    const latest = log.latestHead() as SignedTreeHead;
    expect(latest.treeSize).toBe(70);
    for (const head of log.heads()) {
      const proof = log.consistencyProof(head.treeSize, latest.treeSize);
      expect(verifyConsistency(head.treeSize, latest.treeSize, head.rootHash, latest.rootHash, proof)).toBe(true);
      expect(() => detectSplitView(head, latest, proof)).not.toThrow();
      expect(() => detectSplitView(latest, head, proof)).not.toThrow(); // argument order does not matter
    }
    expect(() => log.inclusionProof(70, 70)).toThrow(TrustError);
    expect(() => log.inclusionProof(0, 71)).toThrow(TrustError);
    expect(() => log.consistencyProof(10, 9)).toThrow(TrustError);
  });

  it('serves the same heads and proofs after the database is reopened, and keeps growing', async () => {
    const created = newLog();
    const { key, file } = created;
    let { db, log } = created;
    log.appendBatch(entries(0, 37));
    const first = await log.signHead(5_000);
    log.appendBatch(entries(37, 20));
    const second = await log.signHead(6_000);
    const proofs = [0, 5, 36, 56].map((i) => log.inclusionProof(i, 57));
    const consistency = log.consistencyProof(37, 57);
    closeDatabase(db);

    for (const verifyOnOpen of ['full', 'heads'] as const) {
      db = openDb(file);
      log = new CtLog(db, { ...key.options, verifyOnOpen });
      expect(log.size).toBe(57);
      expect(log.heads()).toEqual([first, second]);
      expect(log.latestHead()).toEqual(second);
      expect(log.headAt(37)).toEqual(first);
      expect(log.headAt(38)).toBeUndefined();
      expect([0, 5, 36, 56].map((i) => log.inclusionProof(i, 57))).toEqual(proofs);
      expect(log.consistencyProof(37, 57)).toEqual(consistency);
      closeDatabase(db);
    }

    db = openDb(file);
    log = new CtLog(db, key.options);
    log.appendBatch(entries(57, 100));
    const third = await log.signHead(7_000);
    expectHeadServed(log, third, key.verifyHead);
    for (const old of [first, second]) {
      const proof = log.consistencyProof(old.treeSize, third.treeSize);
      expect(() => detectSplitView(old, third, proof)).not.toThrow();
    }
  });

  it('reuses a head for an unchanged size, renews it when newer, and never lets time run backwards', async () => {
    const { key, log } = newLog();
    log.appendBatch(entries(0, 3));
    const head = await log.signHead(5_000);
    expect(await log.signHead(4_000)).toEqual(head); // not newer: the stored head is kept
    expect(await log.signHead(5_000)).toEqual(head);
    const renewed = await log.signHead(6_000);
    expect(renewed).toMatchObject({ treeSize: 3, timestamp: 6_000 });
    expect(Buffer.from(renewed.rootHash).equals(Buffer.from(head.rootHash))).toBe(true);
    expect(log.heads()).toEqual([renewed]);

    log.appendBatch(entries(3, 1));
    const later = await log.signHead(1_000); // the clock went back
    expect(later).toMatchObject({ treeSize: 4, timestamp: 6_000 });
    expect(verifyHeadSignature(later, key.verifyHead)).toBe(true);
  });

  it('refuses a signer that does not match the verifier, storing nothing', async () => {
    const key = logKey();
    const other = logKey();
    const log = new CtLog(openDb(join(tempDir(), 'ct.db')), { ...key.options, signHead: other.options.signHead });
    log.appendBatch(entries(0, 2));
    await expect(log.signHead(1_000)).rejects.toThrow(TrustError);
    expect(log.latestHead()).toBeUndefined();
  });

  it('rolls back memory and rows when a batch cannot be stored', () => {
    const { key, db, log } = newLog();
    log.appendBatch(entries(0, 5));
    const root = log.rootHash();
    // A row written behind the log's back makes the next append refuse rather than fork.
    db.prepare('INSERT INTO ct_entries (idx, leaf_hash, data, added_at) VALUES (5, ?, ?, 0)').run(
      leafHash(entry(99)),
      entry(99),
    );
    expect(() => log.appendBatch(entries(5, 3))).toThrow(TrustError);
    expect(log.size).toBe(5);
    expect(log.rootHash().equals(root)).toBe(true);
    db.prepare('DELETE FROM ct_entries WHERE idx = 5').run();
    expect(log.appendBatch(entries(5, 3))).toEqual({ firstIndex: 5 });
    expect(log.rootHash().equals(new CtLog(db, key.options).rootHash())).toBe(true);
  });

  it('refuses a log id that is not 32 bytes', () => {
    const key = logKey();
    expect(() => new CtLog(openDb(join(tempDir(), 'ct.db')), { ...key.options, logId: Buffer.alloc(20) })).toThrow(
      TrustError,
    );
  });
});

describe('split views', () => {
  /** The same log key signing two databases that agree on the first `common` entries only. */
  async function forkedLogs(common: number, sizeA: number, sizeB: number) {
    const key = logKey();
    const a = new CtLog(openDb(join(tempDir(), 'a.db')), key.options);
    const b = new CtLog(openDb(join(tempDir(), 'b.db')), key.options);
    a.appendBatch(entries(0, common));
    b.appendBatch(entries(0, common));
    a.appendBatch(entries(common, sizeA - common, 'view A'));
    b.appendBatch(entries(common, sizeB - common, 'view B'));
    return { key, a, b, headA: await a.signHead(9_000), headB: await b.signHead(9_000) };
  }

  it('detects two roots signed for the same size', async () => {
    const { key, headA, headB } = await forkedLogs(8, 12, 12);
    expect(verifyHeadSignature(headA, key.verifyHead)).toBe(true);
    expect(verifyHeadSignature(headB, key.verifyHead)).toBe(true);
    let caught: unknown;
    try {
      detectSplitView(headA, headB);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SplitViewError);
    expect((caught as SplitViewError).evidence).toEqual([headA, headB]);
    expect(() => detectSplitView(headA, headA)).not.toThrow();
  });

  it('detects a larger tree that does not extend the smaller one', async () => {
    const { a, b, headA, headB } = await forkedLogs(8, 10, 15);
    // Neither view can prove it extends the other: the forked log's proof fails, and so does the honest one's.
    expect(() => detectSplitView(headA, headB, b.consistencyProof(10, 15))).toThrow(SplitViewError);
    expect(() => detectSplitView(headB, headA, b.consistencyProof(10, 15))).toThrow(SplitViewError);
    a.appendBatch(entries(10, 5, 'view A'));
    const laterA = await a.signHead(10_000);
    expect(() => detectSplitView(headA, laterA, a.consistencyProof(10, 15))).not.toThrow();
    expect(() => detectSplitView(headB, laterA)).toThrow(SplitViewError); // same size, other root
    // Before the fork the views agree, and proofs from either database show it.
    const before = { ...headA, treeSize: 8, rootHash: a.rootHash(8) };
    expect(() => detectSplitView(before, headB, b.consistencyProof(8, 15))).not.toThrow();
    expect(() => detectSplitView(before, headA, a.consistencyProof(8, 10))).not.toThrow();
  });

  it('cannot compare heads of different logs, or of different sizes without a proof', async () => {
    const { headA, headB } = await forkedLogs(4, 6, 9);
    // TrustError, not SplitViewError: these are no evidence against the log.
    expect(() => detectSplitView(headA, headB)).toThrow(TrustError);
    const stranger = { ...headA, logId: Buffer.alloc(32, 7) };
    expect(() => detectSplitView(stranger, { ...headA, rootHash: Buffer.alloc(32) })).toThrow(TrustError);
  });
});

describe('damaged storage', () => {
  /** A closed log file of 45 entries and two heads, to be copied and damaged. */
  async function storedLog(): Promise<{ key: LogKey; file: string }> {
    const { key, file, db, log } = newLog('pristine.db');
    log.appendBatch(entries(0, 30));
    await log.signHead(1_000);
    log.appendBatch(entries(30, 15));
    await log.signHead(2_000);
    closeDatabase(db);
    return { key, file };
  }

  const damages: [string, string][] = [
    ['an entry changed', "UPDATE ct_entries SET data = X'00' WHERE idx = 7"],
    ['a leaf hash changed', 'UPDATE ct_entries SET leaf_hash = zeroblob(32) WHERE idx = 7'],
    ['an entry and its leaf hash changed', "UPDATE ct_entries SET data = X'00', leaf_hash = ? WHERE idx = 7"],
    ['an entry removed', 'DELETE FROM ct_entries WHERE idx = 12'],
    ['the last entries removed', 'DELETE FROM ct_entries WHERE idx >= 40'],
    ['a subtree hash changed', 'UPDATE ct_subtrees SET hash = zeroblob(32) WHERE level = 2 AND idx = 3'],
    ['a subtree removed', 'DELETE FROM ct_subtrees WHERE level = 1 AND idx = 4'],
    ['a subtree added', 'INSERT INTO ct_subtrees (level, idx, hash) VALUES (6, 0, zeroblob(32))'],
    ['a head root changed', 'UPDATE ct_heads SET root_hash = zeroblob(32) WHERE tree_size = 30'],
    ['a head signature changed', 'UPDATE ct_heads SET signature = zeroblob(64) WHERE tree_size = 45'],
    ['a head timestamp changed', 'UPDATE ct_heads SET timestamp = 3000 WHERE tree_size = 45'],
  ];

  it.each(damages)('refuses to open with %s', async (_what, sql) => {
    const { key, file } = await storedLog();
    const copy = join(tempDir(), 'damaged.db');
    copyFileSync(file, copy);
    const db = openDb(copy);
    const statement = db.prepare(sql);
    if (sql.includes('?')) statement.run(leafHash(Buffer.from([0])));
    else statement.run();
    expect(() => new CtLog(db, key.options)).toThrow(TrustError);
  });

  it('the quick check catches damage to the hashes a signed root is built from', async () => {
    const { key, file } = await storedLog();
    const db = openDb(file);
    // Root of 45 = [0,32) + [32,40) + [40,44) + leaf 44: the last leaf is read directly.
    db.prepare('UPDATE ct_entries SET leaf_hash = zeroblob(32) WHERE idx = 44').run();
    expect(() => new CtLog(db, { ...key.options, verifyOnOpen: 'heads' })).toThrow(TrustError);
  });

  it('refuses to open with another log key', async () => {
    const { file } = await storedLog();
    expect(() => new CtLog(openDb(file), logKey().options)).toThrow(TrustError);
  });

  it('opens the undamaged copy', async () => {
    const { key, file } = await storedLog();
    const log = new CtLog(openDb(file), key.options);
    expect(log.size).toBe(45);
    expectHeadServed(log, log.latestHead() as SignedTreeHead, key.verifyHead);
  });
});

describe('a large log', () => {
  it('appends 100,000 entries and proves any of them', async () => {
    const { key, file, db, log } = newLog('big.db');
    log.appendBatch(entries(0, 50_000));
    const half = await log.signHead(1_000);
    log.appendBatch(entries(50_000, 50_000));
    const head = await log.signHead(2_000);
    expect(head.treeSize).toBe(100_000);
    for (const i of [0, 1, 4_242, 49_999, 65_535, 65_536, 99_998, 99_999]) {
      const proof = log.inclusionProof(i, head.treeSize);
      expect(proof.length).toBeLessThanOrEqual(17); // ⌈log2 100,000⌉
      expect(verifyInclusion(leafHash(entry(i)), i, head.treeSize, proof, head.rootHash)).toBe(true);
    }
    const proof = log.consistencyProof(half.treeSize, head.treeSize);
    expect(() => detectSplitView(half, head, proof)).not.toThrow();
    closeDatabase(db);

    const reopened = new CtLog(openDb(file), key.options); // the full check of 100,000 entries
    expect(reopened.rootHash().equals(Buffer.from(head.rootHash))).toBe(true);
    expect(reopened.inclusionProof(77_777, 100_000)).toEqual(log.inclusionProof(77_777, 100_000));
  });
});
