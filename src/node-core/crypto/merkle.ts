import { createHash } from 'node:crypto';
import { TrustError } from './errors';

/**
 * Merkle tree hashing of RFC 6962 §2.1 / RFC 9162 §2.1 (the certificate-transparency log tree) over SHA-256.
 * Pure functions, no I/O. Sizes and indices are JS numbers, so every bit operation is done with arithmetic:
 * `>>` and `&` would truncate to 32 bits, and logs are allowed to outgrow 2^32 entries.
 */

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. A shared constant: never mutate it; functions return copies. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** MTH({d}) = SHA-256(0x00 || d); the prefix keeps a leaf from ever being read as an inner node. */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right): an inner node. Any input length is hashed (the RFC test vectors use short ones). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly less than n (n ≥ 2): the split point k of RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: Uint8Array): boolean {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function requireHash(h: Uint8Array, what: string): void {
  if (!isHash(h)) throw new TrustError(`${what} must be a ${HASH_SIZE}-byte hash`);
}

/** Constant-time comparison is not needed here (all values are public), but lengths must match too. */
function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** MTH(D[n]) computed straight from the definition over the leaf hashes; O(n). */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Buffer {
  hashes.forEach((h, i) => requireHash(h, `leaf hash ${i}`));
  if (hashes.length === 0) return Buffer.from(EMPTY_ROOT);
  const mth = (start: number, end: number): Buffer => {
    const n = end - start;
    if (n === 1) return Buffer.from(hashes[start] as Uint8Array);
    const k = splitPoint(n);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return mth(0, hashes.length);
}

/**
 * Where proofs get their hashes from. Only perfect subtrees are asked for (size a power of two, start a multiple
 * of size), so a store can keep each of them cached once it is complete and answer in O(1); any other MTH(D[a:b])
 * is assembled from O(log n) of them by `rangeHash`.
 */
export interface SubtreeSource {
  /** Number of leaves available; proofs are only produced for tree sizes up to this. */
  readonly size: number;
  /** MTH(D[start:start+size]) for a perfect subtree. */
  subtreeHash(start: number, size: number): Buffer;
}

/** MTH(D[start:end]) (end > start), built from perfect subtrees by the §2.1 split; O(log n) for proof ranges. */
export function rangeHash(source: SubtreeSource, start: number, end: number): Buffer {
  if (!isSize(start) || !Number.isSafeInteger(end) || end <= start || end > source.size) {
    throw new TrustError(`[${start}, ${end}) is not a non-empty range of the ${source.size} leaves available`);
  }
  return rangeHashUnchecked(source, start, end);
}

function rangeHashUnchecked(source: SubtreeSource, start: number, end: number): Buffer {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return source.subtreeHash(start, n);
  // A power-of-two range that is not aligned is not a node of the tree; the recursive definition still applies.
  const k = splitPoint(n);
  return nodeHash(rangeHashUnchecked(source, start, start + k), rangeHashUnchecked(source, start + k, end));
}

/** MTH of the first treeSize leaves of the source. */
export function rootAt(source: SubtreeSource, treeSize: number): Buffer {
  if (!isSize(treeSize) || treeSize > source.size) {
    throw new TrustError(`tree size ${treeSize} is not within the ${source.size} leaves available`);
  }
  return treeSize === 0 ? Buffer.from(EMPTY_ROOT) : rangeHash(source, 0, treeSize);
}

/** PATH(index, D[treeSize]) of RFC 6962 §2.1.1, leaf-side first; throws TrustError for an index outside the tree. */
export function inclusionProof(source: SubtreeSource, index: number, treeSize: number): Buffer[] {
  if (!isSize(treeSize) || treeSize > source.size) {
    throw new TrustError(`tree size ${treeSize} is not within the ${source.size} leaves available`);
  }
  if (!isSize(index) || index >= treeSize) throw new TrustError(`leaf ${index} is not in a tree of size ${treeSize}`);
  const proof: Buffer[] = [];
  // Walk down from the root; the sibling found at each level is needed in reverse order (deepest first).
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      proof.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeHash(source, start, start + k));
      start += k;
    }
  }
  return proof.reverse();
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2 (SUBPROOF). m = n and m = 0 give the empty proof; m > n throws TrustError. */
export function consistencyProof(source: SubtreeSource, m: number, n: number): Buffer[] {
  if (!isSize(n) || n > source.size) throw new TrustError(`tree size ${n} is not within the ${source.size} leaves`);
  if (!isSize(m) || m > n) throw new TrustError(`no consistency proof from size ${m} to the smaller size ${n}`);
  if (m === 0 || m === n) return [];
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:end], complete) unrolled: each step appends one hash, collected in reverse at the end.
  let start = 0;
  let end = n;
  let complete = true; // whether D[start:start+m] is a subtree the verifier already has (the old root itself)
  let rest = m;
  while (rest !== end - start) {
    const k = splitPoint(end - start);
    if (rest <= k) {
      proof.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeHash(source, start, start + k));
      start += k;
      rest -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(rangeHash(source, start, end));
  return proof.reverse();
}

/** RFC 9162 §2.1.3.2. Returns false, never throws, for any malformed input. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
  let r: Buffer = Buffer.from(leaf);
  const walked = walkUp(index, treeSize - 1, proof, (p, left) => {
    r = left ? nodeHash(p, r) : nodeHash(r, p);
  });
  return walked && sameHash(r, root);
}

/**
 * The verifiers' walk up the tree (RFC 9162 §2.1.3.2 and §2.1.4.2), from node `fn` of a tree whose last node is
 * `sn`: one level per proof hash, handed to `step` with whether it is a left sibling. True when the proof has
 * exactly as many hashes as the walk has levels.
 */
function walkUp(
  fn: number,
  sn: number,
  proof: readonly Uint8Array[],
  step: (hash: Uint8Array, left: boolean) => void,
): boolean {
  for (const hash of proof) {
    if (sn === 0) return false; // more proof than levels
    const left = fn % 2 === 1 || fn === sn;
    step(hash, left);
    // On the right edge of an unbalanced tree a node is promoted, so skip the levels where it has no sibling.
    if (left) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0;
}

/**
 * RFC 9162 §2.1.4.2. Returns false, never throws, for any malformed input. Equal sizes need an empty proof and
 * equal roots; size 0 needs an empty proof and the empty-tree root (any tree extends the empty one).
 */
export function verifyConsistency(
  m: number,
  n: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSize(m) || !isSize(n) || m > n) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  if (m === n) return proof.length === 0 && sameHash(oldRoot, newRoot);
  if (m === 0) return proof.length === 0 && sameHash(oldRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  // When the old tree is a perfect subtree the proof omits its root, which the verifier already has.
  const path = isPowerOfTwo(m) ? [oldRoot, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  const walked = walkUp(fn, sn, path.slice(1), (c, left) => {
    if (left) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    } else {
      sr = nodeHash(sr, c);
    }
  });
  return walked && sameHash(fr, oldRoot) && sameHash(sr, newRoot);
}

/** One inner node that became complete: level 1 covers 2 leaves, level l covers 2^l, index counts from the left. */
export interface CompletedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/** A growable array of 32-byte hashes in one buffer: 100,000 leaves cost a few MB, not 200,000 Buffer objects. */
class HashArray {
  private buf = Buffer.alloc(64 * HASH_SIZE);
  count = 0;

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.count * HASH_SIZE);
      this.buf = bigger;
    }
    this.buf.set(hash, this.count * HASH_SIZE);
    this.count += 1;
  }

  /** A view into the array; callers outside this module get copies. */
  view(i: number): Buffer {
    return this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}

/**
 * The whole tree in memory, every complete perfect subtree kept per level, so any subtree hash is a lookup and
 * proofs cost O(log n) hashes. Appending returns the inner nodes it completed, for a store to persist.
 */
export class MerkleTree implements SubtreeSource {
  /** levels[l] holds the hashes of the complete subtrees of 2^l leaves; levels[0] the leaf hashes. */
  private readonly levels: HashArray[] = [new HashArray()];

  static fromLeafHashes(hashes: readonly Uint8Array[]): MerkleTree {
    const tree = new MerkleTree();
    for (const h of hashes) tree.append(h);
    return tree;
  }

  /**
   * Rebuilds the tree from stored levels without hashing (levels[0] are leaf hashes, levels[l] the complete
   * subtrees of 2^l leaves). Throws TrustError when a level has the wrong number of nodes or a hash the wrong
   * size; whether the hashes agree with each other is checked by `verifyInnerNodes`.
   */
  static restore(levels: readonly (readonly Uint8Array[])[]): MerkleTree {
    const tree = new MerkleTree();
    const size = levels[0]?.length ?? 0;
    let needed = 1; // levels 0..needed-1 hold at least one node
    while (Math.floor(size / 2 ** needed) > 0) needed += 1;
    for (let l = 0; l < Math.max(needed, levels.length); l++) {
      const level = levels[l] ?? [];
      const expected = Math.floor(size / 2 ** l);
      if (level.length !== expected) {
        throw new TrustError(`level ${l} has ${level.length} nodes, a tree of ${size} leaves has ${expected}`);
      }
      if (l > 0) tree.levels.push(new HashArray());
      const target = tree.levels[l] as HashArray;
      level.forEach((h, i) => {
        requireHash(h, `node ${i} of level ${l}`);
        target.push(h);
      });
    }
    return tree;
  }

  get size(): number {
    return (this.levels[0] as HashArray).count;
  }

  /** Adds one leaf (by its leaf hash) and returns the inner nodes this completed, lowest level first. */
  append(hash: Uint8Array): CompletedNode[] {
    requireHash(hash, 'leaf hash');
    const completed: CompletedNode[] = [];
    (this.levels[0] as HashArray).push(hash);
    let level = 0;
    let index = this.size - 1;
    // A right child completes its parent; carry up like a binary counter.
    while (index % 2 === 1) {
      const below = this.levels[level] as HashArray;
      const parent = nodeHash(below.view(index - 1), below.view(index));
      level += 1;
      index = (index - 1) / 2;
      const above = this.levels[level] ?? new HashArray();
      if (this.levels.length === level) this.levels.push(above);
      above.push(parent);
      completed.push({ level, index, hash: parent });
    }
    return completed;
  }

  /** Forgets every leaf from `size` on (used to undo an append whose write failed). */
  truncate(size: number): void {
    if (!isSize(size) || size > this.size) throw new TrustError(`cannot truncate ${this.size} leaves to ${size}`);
    let count = size;
    for (const level of this.levels) {
      level.count = count;
      count = Math.floor(count / 2);
    }
  }

  leafHash(index: number): Buffer {
    if (!isSize(index) || index >= this.size) throw new TrustError(`no leaf ${index} in a tree of ${this.size}`);
    return Buffer.from((this.levels[0] as HashArray).view(index));
  }

  subtreeHash(start: number, size: number): Buffer {
    if (!isPowerOfTwo(size) || !isSize(start) || start % size !== 0 || start + size > this.size) {
      throw new TrustError(`[${start}, ${start + size}) is not a complete subtree of a tree of ${this.size}`);
    }
    const level = this.levels[Math.round(Math.log2(size))] as HashArray;
    return Buffer.from(level.view(start / size));
  }

  root(treeSize: number = this.size): Buffer {
    return rootAt(this, treeSize);
  }

  /** Recomputes every inner node from its children: O(n) hashes; false when any stored node disagrees. */
  verifyInnerNodes(): boolean {
    for (let l = 1; l < this.levels.length; l++) {
      const below = this.levels[l - 1] as HashArray;
      const level = this.levels[l] as HashArray;
      if (level.count !== Math.floor(below.count / 2)) return false;
      for (let i = 0; i < level.count; i++) {
        if (!nodeHash(below.view(2 * i), below.view(2 * i + 1)).equals(level.view(i))) return false;
      }
    }
    return true;
  }
}
