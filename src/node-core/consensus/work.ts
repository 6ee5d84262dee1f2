import { hash, MerkleTree, inclusionProof, leafHash, rootAt, verifyInclusion } from '../crypto';
import { fail } from './errors';
import type { WorkDifficulty } from './params';
import { DOMAIN, indicesFromSeed, leadingZeroBits, u32, workOutput } from './primitives';

/**
 * PoWork (what/how): a memory-hard scrypt puzzle over the proof's header digest. Finding a nonce costs 2^d scrypt
 * evaluations on average; checking it costs one.
 */
export function verifyWork(headerDigest: Uint8Array, nonce: number, difficulty: WorkDifficulty): void {
  const bits = leadingZeroBits(workOutput(headerDigest, nonce, difficulty));
  if (bits < difficulty.difficultyBits) {
    fail('work.puzzle', `the puzzle output has ${bits} leading zero bits, ${difficulty.difficultyBits} required`);
  }
}

// ---------- job results: commit, then spot-check ----------

/** The hash committed for chunk `index` of a job's result. */
export function jobLeaf(index: number, result: Uint8Array): Buffer {
  return leafHash(hash(DOMAIN.job, u32(index), result));
}

export interface JobCommitment {
  /** Merkle root over the chunks' results; what the worker signs or publishes with its claim. */
  readonly root: Uint8Array;
  readonly chunkCount: number;
}

export interface JobOpening {
  readonly index: number;
  readonly result: Uint8Array;
  readonly path: readonly Uint8Array[];
}

/** The worker's side: a Merkle commitment to its per-chunk results, and openings for the chunks later sampled. */
export function commitJobResult(results: readonly Uint8Array[]): JobCommitment & {
  open(index: number): JobOpening;
} {
  if (results.length === 0) fail('work.spot-check', 'a job has at least one chunk');
  const tree = MerkleTree.fromLeafHashes(results.map((r, i) => jobLeaf(i, r)));
  const root = rootAt(tree, results.length);
  return {
    root,
    chunkCount: results.length,
    open(index) {
      const result = results[index];
      if (result === undefined) fail('work.spot-check', `chunk ${index} is not in the job`);
      return { index, result, path: inclusionProof(tree, index, results.length) };
    },
  };
}

/** Which chunks to re-run: derived from a seed the worker cannot predict (a beacon, or the verifier's nonce). */
export function chooseSpotChecks(seed: Uint8Array, chunkCount: number, sampleSize: number): number[] {
  return [...new Set(indicesFromSeed(hash(DOMAIN.job, seed), sampleSize, chunkCount))];
}

/**
 * The verifier's side: each opening must be in the commitment and equal what `rerun(index)` computes. Throws
 * ConsensusError('work.spot-check') naming the first chunk that fails.
 */
export async function spotCheckJobResult(
  commitment: JobCommitment,
  indices: readonly number[],
  openings: readonly JobOpening[],
  rerun: (index: number) => Uint8Array | Promise<Uint8Array>,
): Promise<void> {
  if (openings.length !== indices.length) fail('work.spot-check', `${openings.length} openings for ${indices.length}`);
  for (const [i, index] of indices.entries()) {
    const o = openings[i] as JobOpening;
    if (o.index !== index) fail('work.spot-check', `opening ${i} is for chunk ${o.index}, not ${index}`);
    if (!verifyInclusion(jobLeaf(index, o.result), index, commitment.chunkCount, o.path, commitment.root)) {
      fail('work.spot-check', `chunk ${index} is not in the committed result`);
    }
    const expected = await rerun(index);
    if (Buffer.compare(Buffer.from(expected), Buffer.from(o.result)) !== 0) {
      fail('work.spot-check', `chunk ${index} does not match its re-run`);
    }
  }
}
