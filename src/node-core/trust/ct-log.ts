import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/index';
import { SplitViewError, TrustError } from './errors';
import { HASH_SIZE, MerkleTree, consistencyProof, inclusionProof, leafHash, verifyConsistency } from '../crypto';

/**
 * TrustChain's append-only certificate-transparency log (RFC 6962 / RFC 9162 tree) kept in SQLite.
 *
 * Entries and every complete perfect subtree are stored, and the whole tree is held in memory as well, so proofs
 * never touch SQLite. One CtLog instance is the only writer of its tables.
 */

/**
 * The log's tables, for a migration to create (IF NOT EXISTS so tests can run it on a database whose migrations
 * may already include it). ct_subtrees holds levels ≥ 1; level 0, the leaf hashes, lives in ct_entries.
 */
export const CT_LOG_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS ct_entries (
  idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  data      BLOB NOT NULL,
  added_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS ct_subtrees (
  level INTEGER NOT NULL CHECK (level >= 1),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ct_heads (
  tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
  timestamp INTEGER NOT NULL,
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  signature BLOB NOT NULL
) STRICT;
`;

export type SignedTreeHead = {
  readonly logId: Uint8Array;
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: Uint8Array;
  readonly signature: Uint8Array;
};

export type UnsignedTreeHead = Omit<SignedTreeHead, 'signature'>;

export interface CtLogEntry {
  readonly index: number;
  readonly data: Buffer;
  readonly leafHash: Buffer;
  /** Milliseconds since the epoch at which the entry was appended. */
  readonly addedAt: number;
}

export interface CtLogOptions {
  /** 32 bytes naming the log (e.g. SHA-256 of its public key); part of every signed head. */
  readonly logId: Uint8Array;
  readonly signHead: (message: Uint8Array) => Promise<Uint8Array> | Uint8Array;
  readonly verifyHead: (message: Uint8Array, signature: Uint8Array) => boolean;
  /**
   * What opening checks. 'full' (default) rehashes every entry and inner node: O(n) hashes, on the order of a
   * second per 100,000 entries. 'heads' trusts the stored hashes but checks their shape, every stored head's root
   * against them and the latest head's signature: it still reads every hash, but skips the entries' data and
   * the O(n) hashing.
   */
  readonly verifyOnOpen?: 'full' | 'heads';
}

/** Domain separation: a signature over a head can never be replayed as a signature over anything else. */
const STH_CONTEXT = Buffer.from('hypermesh/ct/sth/v1\0', 'ascii');

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** better-sqlite3 binds Buffers as BLOBs; wrap a Uint8Array without copying it. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** "hypermesh/ct/sth/v1\0" || logId(32) || treeSize (u64 BE) || timestamp (u64 BE, ms) || rootHash(32). */
export function sthSigningInput(head: UnsignedTreeHead): Buffer {
  if (head.logId.length !== HASH_SIZE) throw new TrustError(`a log id is ${HASH_SIZE} bytes`);
  if (head.rootHash.length !== HASH_SIZE) throw new TrustError(`a root hash is ${HASH_SIZE} bytes`);
  if (!isSize(head.treeSize)) throw new TrustError(`tree size ${head.treeSize} is not a non-negative integer`);
  if (!isSize(head.timestamp)) throw new TrustError(`timestamp ${head.timestamp} is not a non-negative integer`);
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(BigInt(head.treeSize), 0);
  numbers.writeBigUInt64BE(BigInt(head.timestamp), 8);
  return Buffer.concat([STH_CONTEXT, head.logId, numbers, head.rootHash]);
}

/** False for a malformed head or a verifier that throws (some key types throw on malformed signatures). */
export function verifyHeadSignature(
  head: SignedTreeHead,
  verify: (message: Uint8Array, signature: Uint8Array) => boolean,
): boolean {
  try {
    return verify(sthSigningInput(head), head.signature);
  } catch {
    return false;
  }
}

/**
 * The client-side check of two signed heads of one log (verify their signatures first): throws SplitViewError,
 * with both heads as evidence, when they cannot both be true — the same size with different roots, or different
 * sizes where `consistency` (the log's proof from the smaller to the larger) does not verify. Heads of different
 * logs, or of different sizes without a proof, cannot be compared and throw TrustError.
 */
export function detectSplitView(a: SignedTreeHead, b: SignedTreeHead, consistency?: readonly Uint8Array[]): void {
  if (!sameBytes(a.logId, b.logId)) throw new TrustError('the tree heads come from different logs');
  if (a.treeSize === b.treeSize) {
    if (!sameBytes(a.rootHash, b.rootHash)) {
      throw new SplitViewError(`the log signed two different roots for tree size ${a.treeSize}`, [a, b]);
    }
    return;
  }
  if (consistency === undefined) {
    throw new TrustError(`a consistency proof is needed to compare tree sizes ${a.treeSize} and ${b.treeSize}`);
  }
  const [older, newer] = a.treeSize < b.treeSize ? [a, b] : [b, a];
  if (!verifyConsistency(older.treeSize, newer.treeSize, older.rootHash, newer.rootHash, consistency)) {
    throw new SplitViewError(
      `the log's tree of size ${newer.treeSize} does not extend its tree of size ${older.treeSize}`,
      [a, b],
    );
  }
}

interface HeadRow {
  tree_size: number;
  timestamp: number;
  root_hash: Buffer;
  signature: Buffer;
}

export class CtLog {
  private readonly tree: MerkleTree;
  private readonly logId: Buffer;
  private readonly insertEntry: Statement<[number, Buffer, Buffer, number]>;
  private readonly insertNode: Statement<[number, number, Buffer]>;
  private readonly nextIndex: Statement<[], { next: number }>;
  private readonly upsertHead: Statement<[number, number, Buffer, Buffer]>;
  private readonly selectHead: Statement<[number], HeadRow>;
  private readonly selectLatestHead: Statement<[], HeadRow>;
  private readonly selectHeads: Statement<[], HeadRow>;
  private readonly selectEntry: Statement<[number], { data: Buffer; leaf_hash: Buffer; added_at: number }>;

  /** Loads and checks the stored log; throws TrustError when it is damaged rather than serve wrong proofs. */
  constructor(
    private readonly db: Db,
    private readonly options: CtLogOptions,
  ) {
    if (options.logId.length !== HASH_SIZE) throw new TrustError(`a log id is ${HASH_SIZE} bytes`);
    this.logId = Buffer.from(options.logId);
    this.insertEntry = db.prepare('INSERT INTO ct_entries (idx, leaf_hash, data, added_at) VALUES (?, ?, ?, ?)');
    this.insertNode = db.prepare('INSERT INTO ct_subtrees (level, idx, hash) VALUES (?, ?, ?)');
    this.nextIndex = db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS next FROM ct_entries');
    // A head for a size already signed is only replaced by a newer one, so timestamps never go back.
    this.upsertHead = db.prepare(
      `INSERT INTO ct_heads (tree_size, timestamp, root_hash, signature) VALUES (?, ?, ?, ?)
       ON CONFLICT (tree_size) DO UPDATE SET timestamp = excluded.timestamp, root_hash = excluded.root_hash,
         signature = excluded.signature
       WHERE excluded.timestamp > ct_heads.timestamp`,
    );
    const headColumns = 'tree_size, timestamp, root_hash, signature';
    this.selectHead = db.prepare(`SELECT ${headColumns} FROM ct_heads WHERE tree_size = ?`);
    this.selectLatestHead = db.prepare(`SELECT ${headColumns} FROM ct_heads ORDER BY tree_size DESC LIMIT 1`);
    this.selectHeads = db.prepare(`SELECT ${headColumns} FROM ct_heads ORDER BY tree_size`);
    this.selectEntry = db.prepare('SELECT data, leaf_hash, added_at FROM ct_entries WHERE idx = ?');
    this.tree = this.load(options.verifyOnOpen ?? 'full');
  }

  get size(): number {
    return this.tree.size;
  }

  /** Appends all entries in one transaction; the inner nodes they complete are stored with them. */
  appendBatch(datas: readonly Uint8Array[], now: number = Date.now()): { firstIndex: number } {
    const firstIndex = this.tree.size;
    if (!isSize(now)) throw new TrustError(`timestamp ${now} is not a non-negative integer`);
    if (!datas.every((d) => d instanceof Uint8Array)) throw new TrustError('log entries must be byte arrays');
    if (datas.length === 0) return { firstIndex };
    try {
      this.db.transaction(() => {
        // Another writer would make the memory copy wrong; refuse instead of forking the log.
        const stored = this.nextIndex.get()?.next ?? 0;
        if (stored !== firstIndex) throw new TrustError(`the log has ${stored} stored entries, expected ${firstIndex}`);
        datas.forEach((data, k) => {
          const hash = leafHash(data);
          this.insertEntry.run(firstIndex + k, hash, asBuffer(data), now);
          for (const node of this.tree.append(hash)) this.insertNode.run(node.level, node.index, node.hash);
        });
      })();
    } catch (err) {
      this.tree.truncate(firstIndex); // the rows were rolled back; so is the memory copy
      throw err;
    }
    return { firstIndex };
  }

  /**
   * Signs and stores the head of the current size. If that size already has a head at least as new as `now`,
   * it is returned as is; otherwise the new head replaces it. The timestamp never goes below the latest head's,
   * so a clock set back cannot make a larger tree look older than a smaller one.
   */
  async signHead(now: number = Date.now()): Promise<SignedTreeHead> {
    if (!isSize(now)) throw new TrustError(`timestamp ${now} is not a non-negative integer`);
    const treeSize = this.tree.size;
    const rootHash = this.tree.root(treeSize); // taken before the await: appends meanwhile do not change this head
    const latest = this.latestHead();
    if (latest?.treeSize === treeSize && now <= latest.timestamp) return latest;
    const unsigned: UnsignedTreeHead = {
      logId: this.logId,
      treeSize,
      timestamp: Math.max(now, latest?.timestamp ?? 0),
      rootHash,
    };
    const message = sthSigningInput(unsigned);
    const signature = Buffer.from(await this.options.signHead(message));
    // A head nobody can verify is worse than none: catch a signer and verifier that do not belong together.
    if (!verifyHeadSignature({ ...unsigned, signature }, this.options.verifyHead)) {
      throw new TrustError('the new tree head signature does not verify with the log key');
    }
    this.upsertHead.run(treeSize, unsigned.timestamp, rootHash, signature);
    return this.headAt(treeSize) ?? { ...unsigned, signature };
  }

  latestHead(): SignedTreeHead | undefined {
    const row = this.selectLatestHead.get();
    return row && this.headFromRow(row);
  }

  headAt(treeSize: number): SignedTreeHead | undefined {
    if (!isSize(treeSize)) return undefined;
    const row = this.selectHead.get(treeSize);
    return row && this.headFromRow(row);
  }

  /** Every stored head, smallest tree first. */
  heads(): SignedTreeHead[] {
    return this.selectHeads.all().map((row) => this.headFromRow(row));
  }

  /** MTH of the first treeSize entries. */
  rootHash(treeSize: number = this.tree.size): Buffer {
    return this.tree.root(treeSize);
  }

  inclusionProof(index: number, treeSize: number): Buffer[] {
    return inclusionProof(this.tree, index, treeSize);
  }

  consistencyProof(m: number, n: number): Buffer[] {
    return consistencyProof(this.tree, m, n);
  }

  entry(index: number): CtLogEntry | undefined {
    if (!isSize(index) || index >= this.tree.size) return undefined;
    const row = this.selectEntry.get(index);
    return row && { index, data: row.data, leafHash: row.leaf_hash, addedAt: row.added_at };
  }

  private headFromRow(row: HeadRow): SignedTreeHead {
    return {
      logId: Buffer.from(this.logId),
      treeSize: row.tree_size,
      timestamp: row.timestamp,
      rootHash: row.root_hash,
      signature: row.signature,
    };
  }

  private load(mode: 'full' | 'heads'): MerkleTree {
    const damaged = (why: string): TrustError => new TrustError(`the CT log is damaged: ${why}`);

    // Raw rows (arrays) read noticeably faster than objects, and opening reads every row.
    const leafHashes: Buffer[] = [];
    const entries = this.db
      .prepare(
        mode === 'full'
          ? 'SELECT idx, leaf_hash, data FROM ct_entries ORDER BY idx'
          : 'SELECT idx, leaf_hash FROM ct_entries ORDER BY idx',
      )
      .raw(true);
    for (const [idx, hash, data] of entries.iterate() as IterableIterator<[number, Buffer, Buffer?]>) {
      if (idx !== leafHashes.length) throw damaged(`entry ${leafHashes.length} is missing`);
      if (data !== undefined && !leafHash(data).equals(hash)) throw damaged(`entry ${idx} does not match its hash`);
      leafHashes.push(hash);
    }

    const levels: Buffer[][] = [leafHashes];
    const nodes = this.db.prepare('SELECT level, idx, hash FROM ct_subtrees ORDER BY level, idx').raw(true);
    for (const [levelNo, idx, hash] of nodes.iterate() as IterableIterator<[number, number, Buffer]>) {
      while (levels.length <= levelNo) levels.push([]);
      const level = levels[levelNo] as Buffer[];
      if (idx !== level.length) throw damaged(`subtree ${level.length} of level ${levelNo} is missing`);
      level.push(hash);
    }

    let tree: MerkleTree;
    try {
      tree = MerkleTree.restore(levels);
    } catch (err) {
      throw err instanceof TrustError ? damaged(err.message) : err;
    }
    if (mode === 'full' && !tree.verifyInnerNodes()) throw damaged('a stored subtree hash is wrong');

    // Every head the log ever signed must still describe a prefix of what is stored.
    for (const head of this.heads()) {
      if (head.treeSize > tree.size) throw damaged(`a head for ${head.treeSize} entries, only ${tree.size} stored`);
      if (!tree.root(head.treeSize).equals(head.rootHash)) {
        throw damaged(`the stored entries do not give the signed root of size ${head.treeSize}`);
      }
    }
    const latest = this.latestHead();
    if (latest && !verifyHeadSignature(latest, this.options.verifyHead)) {
      throw damaged(`the signature of the head of size ${latest.treeSize} does not verify with the log key`);
    }
    return tree;
  }
}
